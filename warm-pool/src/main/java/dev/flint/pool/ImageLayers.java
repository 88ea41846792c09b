package dev.flint.pool;

import dev.flint.images.Image;
import java.nio.file.Path;
import java.util.List;

/**
 * The read-only layer directories a sandbox is made of, topmost first, as {@code SandboxSpec}
 * takes them: the key under which the pool keeps stem cells (one base image, one set of stem
 * cells). Immutable.
 *
 * @param dirs absolute layer directories, topmost first, at least one
 */
public record ImageLayers(List<Path> dirs) {
    public ImageLayers {
        dirs = List.copyOf(dirs);
        if (dirs.isEmpty()) {
            throw new PoolException.Invalid("layers", "no layer directories", "an image needs at least one");
        }
        for (Path p : dirs) {
            if (!p.isAbsolute()) {
                throw new PoolException.Invalid("layers", "layer directory " + p + " is relative", "give an absolute path");
            }
        }
    }

    public static ImageLayers of(Path... dirs) {
        return new ImageLayers(List.of(dirs));
    }

    /** The layers of an image from the store. */
    public static ImageLayers of(Image image) {
        return new ImageLayers(image.layerDirs());
    }

    @Override
    public String toString() {
        return dirs.toString();
    }
}
