package dev.flint.cli;

import dev.flint.images.ImageException;
import dev.flint.images.ImageRef;
import dev.flint.images.ImageStore;
import java.nio.file.Path;
import picocli.CommandLine.Option;
import picocli.CommandLine.TypeConversionException;

/** {@code --store DIR}: where the image store is (FLINT_STORE, else /var/lib/flint/images). A picocli mixin. */
final class StoreOption {
    @Option(names = "--store", paramLabel = "DIR", defaultValue = "${env:FLINT_STORE:-/var/lib/flint/images}",
            description = "The image store (default: $FLINT_STORE, else /var/lib/flint/images; now ${DEFAULT-VALUE}).")
    Path dir = ImageStore.DEFAULT_ROOT;

    /** The store, created when missing: for commands that add to it. */
    ImageStore openOrCreate() {
        return ImageStore.open(dir);
    }

    /** The store, which must exist: for commands that read it. */
    ImageStore openExisting() {
        return ImageStore.openExisting(dir);
    }

    /** Converts a flag or parameter to an {@link ImageRef}, with the reference grammar's message on error. */
    static ImageRef parseRef(String text) {
        try {
            return ImageRef.parse(text);
        } catch (ImageException e) {
            throw new TypeConversionException(e.describe());
        }
    }
}
