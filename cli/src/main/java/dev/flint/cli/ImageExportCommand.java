package dev.flint.cli;

import dev.flint.images.ImageRef;
import dev.flint.images.LayerDigest;
import dev.flint.images.OciImages;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code flint image export REF DIR}: an OCI image layout that skopeo, umoci and containerd read. */
@Command(name = "export", mixinStandardHelpOptions = true,
        description = "Write an image as an OCI image layout (oci-layout, index.json, blobs/sha256/...).",
        footer = {"", "DIR is created when missing; an existing layout keeps its other images.",
                "The index entry carries the tag (org.opencontainers.image.ref.name), so: skopeo inspect oci:DIR:TAG",
                "Example: ./flint image export flint/busybox /tmp/bb && skopeo inspect oci:/tmp/bb:latest"})
final class ImageExportCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    StoreOption store;

    @Parameters(index = "0", paramLabel = "REF", description = "The image, e.g. flint/busybox.")
    ImageRef ref;

    @Parameters(index = "1", paramLabel = "DIR", description = "The OCI layout directory to write.")
    Path dir;

    @Override
    public Integer call() {
        LayerDigest d = OciImages.export(store.openExisting(), ref, dir);
        spec.commandLine().getOut().println(ref + " " + d + " " + dir);
        spec.commandLine().getOut().flush();
        return 0;
    }
}
