package dev.flint.cli;

import dev.flint.images.ImageException;
import dev.flint.images.ImageRef;
import dev.flint.images.ImageStore;
import dev.flint.images.LayerLimits;
import java.nio.file.Path;
import picocli.CommandLine.Option;
import picocli.CommandLine.TypeConversionException;

/** {@code --store DIR}: where the image store is (FLINT_STORE, else /var/lib/flint/images). A picocli mixin. */
final class StoreOption {
    @Option(names = "--store", paramLabel = "DIR", defaultValue = "${env:FLINT_STORE:-/var/lib/flint/images}",
            description = "The image store (default: $FLINT_STORE, else /var/lib/flint/images; now ${DEFAULT-VALUE}).")
    Path dir = ImageStore.DEFAULT_ROOT;

    @Option(names = "--tree-cache", paramLabel = "DIR",
            description = "Where the trees of small layers (function code) are cached, one directory per store "
                    + "(default: $FLINT_TREE_CACHE, else /dev/shm/flint-trees: memory).")
    Path treeCache;

    /** The store, created when missing: for commands that add to it. */
    ImageStore openOrCreate() {
        return ImageStore.open(dir, LayerLimits.defaults(), treeCacheRoot());
    }

    /** The store, which must exist: for commands that read it. */
    ImageStore openExisting() {
        return openExisting(true);
    }

    /**
     * The store, which must exist; without the tree cache when {@code treeCache} is false (a
     * sandbox in a user namespace cannot reach it: small layers' trees are made in the store).
     */
    ImageStore openExisting(boolean treeCache) {
        return ImageStore.openExisting(dir, treeCache ? treeCacheRoot() : null);
    }

    /** --tree-cache, else the system property flint.tree-cache (tests), else $FLINT_TREE_CACHE, else memory. */
    private Path treeCacheRoot() {
        if (treeCache != null) {
            return treeCache;
        }
        String configured = System.getProperty("flint.tree-cache", System.getenv("FLINT_TREE_CACHE"));
        return configured == null || configured.isBlank() ? ImageStore.MEMORY_TREE_CACHE : Path.of(configured);
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
