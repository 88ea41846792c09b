package dev.flint.cli;

import dev.flint.images.Image;
import dev.flint.images.ImageRef;
import dev.flint.images.Progress;
import dev.flint.images.Registries;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code flint image pull REF}: an image from an OCI distribution registry into the store. */
@Command(name = "pull", mixinStandardHelpOptions = true,
        description = "Pull an image from a registry: an index picks linux/amd64, every blob is checked against its digest, "
                + "layers the store has are not downloaded.",
        footer = {"", "The registry is REF's first component when it names a host (127.0.0.1:5000/flint/busybox), else Docker Hub.",
                "Progress goes to stderr; the reference and the stored manifest digest to stdout.",
                "Example: ./flint image pull 127.0.0.1:5000/flint/busybox:latest"})
final class ImagePullCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    StoreOption store;

    @Mixin
    RegistryOptions registry;

    @Parameters(paramLabel = "REF", description = "The image, e.g. 127.0.0.1:5000/flint/busybox:latest.")
    ImageRef ref;

    @Override
    public Integer call() {
        Image img = Registries.pull(store.openOrCreate(), ref, registry.options(), Progress.to(System.err));
        spec.commandLine().getOut().println(img.ref() + " " + img.digest());
        spec.commandLine().getOut().flush();
        return 0;
    }
}
