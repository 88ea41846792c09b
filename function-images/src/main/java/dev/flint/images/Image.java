package dev.flint.images;

import java.nio.file.Path;
import java.util.List;

/**
 * An image as found in a store, checked and ready to run: its layer directories exist and finished
 * unpacking.
 *
 * @param ref the tag it was found by
 * @param digest the digest of its manifest, which names the image
 * @param manifest its manifest (layers bottom first)
 * @param config its config
 * @param layerDirs the unpacked layer trees, <b>topmost first</b>, as {@code SandboxSpec} takes them
 */
public record Image(ImageRef ref, LayerDigest digest, ImageManifest manifest, ImageConfig config, List<Path> layerDirs) {
    public Image {
        layerDirs = List.copyOf(layerDirs);
    }

    /** Its layers, <b>bottom first</b> as in the manifest, with their directories. */
    public java.util.List<Layer> layers() {
        java.util.List<Layer> out = new java.util.ArrayList<>();
        int n = layerDirs.size();
        for (int i = 0; i < n; i++) {
            Descriptor d = manifest.layers().get(i);
            out.add(new Layer(d.digest(), d.size(), layerDirs.get(n - 1 - i)));
        }
        return out;
    }

    /** Bytes of all its layer blobs. */
    public long size() {
        return manifest.layers().stream().mapToLong(Descriptor::size).sum();
    }
}
