package dev.flint.images;

import java.util.Objects;

/**
 * An OCI content descriptor: what a blob is, its digest and its size in bytes.
 *
 * @param mediaType e.g. {@link #LAYER_TAR}
 * @param digest the sha256 of the blob's bytes
 * @param size the blob's length in bytes
 */
public record Descriptor(String mediaType, LayerDigest digest, long size) {
    /** An uncompressed layer tar: its blob digest is also its diff id. */
    public static final String LAYER_TAR = "application/vnd.oci.image.layer.v1.tar";
    public static final String CONFIG = "application/vnd.oci.image.config.v1+json";
    public static final String MANIFEST = "application/vnd.oci.image.manifest.v1+json";

    public Descriptor {
        Objects.requireNonNull(mediaType, "mediaType");
        Objects.requireNonNull(digest, "digest");
        if (size < 0) {
            throw new IllegalArgumentException("negative size " + size);
        }
    }
}
