package dev.flint.cli;

import dev.flint.images.BaseImages;
import dev.flint.images.Image;
import dev.flint.images.ImageRef;
import dev.flint.images.ImageStore;
import dev.flint.images.Progress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code flint image build busybox|python} or {@code --from-debian PKG... --tag REF}. */
@Command(name = "build", mixinStandardHelpOptions = true,
        description = "Build a base image from Debian packages (apt-get download + dpkg-deb, no Docker) into the store.",
        footer = {"", "Images: busybox (flint/busybox:latest), python (flint/python:3, on the busybox layer).",
                "Progress goes to stderr; the built reference and digest to stdout. Building twice gives the same digests.",
                "Example: ./flint image build python",
                "Example: ./flint image build --from-debian jq --tag tools/jq:1"})
final class ImageBuildCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    StoreOption store;

    @Parameters(paramLabel = "IMAGE", arity = "0..1", description = "busybox or python.")
    String kind;

    @Option(names = "--from-debian", paramLabel = "PKG", arity = "1..*",
            description = "Debian packages to put on the busybox layer (their dependencies come along).")
    List<String> packages = new ArrayList<>();

    @Option(names = {"-t", "--tag"}, paramLabel = "REF", description = "The reference to tag a --from-debian image with.")
    ImageRef tag;

    @Override
    public Integer call() {
        if ((kind == null) == packages.isEmpty()) {
            throw new ParameterException(spec.commandLine(), "give either busybox|python or --from-debian PKG...");
        }
        if (!packages.isEmpty() && tag == null) {
            throw new ParameterException(spec.commandLine(), "--from-debian needs --tag REF, e.g. --tag tools/jq:1");
        }
        ImageStore s = store.openOrCreate();
        Progress progress = Progress.to(System.err);
        Image image;
        if (kind == null) {
            image = BaseImages.fromDebian(s, tag, packages, progress);
        } else {
            image = switch (kind) {
                case "busybox" -> BaseImages.buildBusybox(s, progress);
                case "python" -> BaseImages.buildPython(s, progress);
                default -> throw new ParameterException(spec.commandLine(), "unknown image '" + kind + "': busybox or python");
            };
        }
        spec.commandLine().getOut().println(image.ref() + " " + image.digest());
        spec.commandLine().getOut().flush();
        return 0;
    }
}
