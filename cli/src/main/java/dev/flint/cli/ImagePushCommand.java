package dev.flint.cli;

import dev.flint.images.ImageRef;
import dev.flint.images.LayerDigest;
import dev.flint.images.Progress;
import dev.flint.images.Registries;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code flint image push REF}: a stored image to an OCI distribution registry. */
@Command(name = "push", mixinStandardHelpOptions = true,
        description = "Push a stored image to a registry; blobs the registry has are skipped.",
        footer = {"", "REF names the registry (its first component), repository and tag; --from SRC pushes another stored image as REF.",
                "Example: ./flint image push --from flint/busybox 127.0.0.1:5000/flint/busybox:latest"})
final class ImagePushCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    StoreOption store;

    @Mixin
    RegistryOptions registry;

    @Parameters(paramLabel = "REF", description = "Where to push, registry/repository:tag; also the stored image unless --from.")
    ImageRef ref;

    @Option(names = "--from", paramLabel = "SRC", description = "Push the stored image SRC under REF (default: REF itself).")
    ImageRef from;

    @Override
    public Integer call() {
        LayerDigest d = Registries.push(store.openExisting(), from != null ? from : ref, ref, registry.options(), Progress.to(System.err));
        spec.commandLine().getOut().println(ref + " " + d);
        spec.commandLine().getOut().flush();
        return 0;
    }
}
