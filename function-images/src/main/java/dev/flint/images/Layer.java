package dev.flint.images;

import java.nio.file.Path;

/**
 * A layer in the store: its tar blob and the tree unpacked from it.
 *
 * @param digest the sha256 of the (uncompressed) tar, also its OCI diff id
 * @param size the tar's length in bytes
 * @param dir the unpacked tree, an overlayfs lower directory
 */
public record Layer(LayerDigest digest, long size, Path dir) {
    /** Its descriptor in a manifest. */
    public Descriptor descriptor() {
        return new Descriptor(Descriptor.LAYER_TAR, digest, size);
    }
}
