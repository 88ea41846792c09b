package dev.flint.cli;

import dev.flint.images.Image;
import dev.flint.images.ImageRef;
import dev.flint.images.ImageStore;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code flint image inspect REF}: the manifest and config as stored, and the layer directories. */
@Command(name = "inspect", mixinStandardHelpOptions = true,
        description = "Print an image's digest, OCI manifest and config, and its layer directories (topmost first), as JSON.")
final class ImageInspectCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    StoreOption store;

    @Parameters(paramLabel = "REF", description = "The image, e.g. flint/python:3.")
    ImageRef ref;

    @Option(names = "--verify", description = "Also read every layer blob and walk every layer tree against their digests and records.")
    boolean verify;

    @Override
    public Integer call() {
        ImageStore s = store.openExisting();
        Image image = verify ? s.verify(ref) : s.resolve(ref);
        spec.commandLine().getOut().println(s.describe(image));
        spec.commandLine().getOut().flush();
        return 0;
    }
}
