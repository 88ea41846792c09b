package dev.flint.cli;

import dev.flint.images.Image;
import dev.flint.images.ImageRef;
import dev.flint.images.OciImages;
import dev.flint.images.Progress;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code flint image import FILE|DIR [--tag REF]}: an OCI image layout or a docker save tarball. */
@Command(name = "import", mixinStandardHelpOptions = true,
        description = "Import an OCI image layout (directory or tar) or a docker save tarball: every digest checked, "
                + "each layer unpacked as hostile input.",
        footer = {"", "The image is tagged as the archive names it (docker save's RepoTags; an OCI layout's",
                "io.containerd.image.name, or its ref.name tag on the directory's name), or as --tag says.",
                "Progress goes to stderr; each imported reference and digest to stdout.",
                "Example: ./flint image import busybox.tar",
                "Example: ./flint image import ./layout --tag tools/bb:1"})
final class ImageImportCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    StoreOption store;

    @Parameters(paramLabel = "FILE|DIR", description = "The OCI layout directory, or a tar (gzip or not) of one or of docker save.")
    Path source;

    @Option(names = {"-t", "--tag"}, paramLabel = "REF", description = "Tag the image with this reference instead (archives of one image).")
    ImageRef tag;

    @Override
    public Integer call() {
        for (Image img : OciImages.importFrom(store.openOrCreate(), source, tag, Progress.to(System.err))) {
            spec.commandLine().getOut().println(img.ref() + " " + img.digest());
        }
        spec.commandLine().getOut().flush();
        return 0;
    }
}
