package dev.flint.images;

/**
 * What one layer may cost when it is unpacked, against decompression bombs and trees that would fill
 * the store: bytes of file content, entries, and how much larger than its compressed form a gzip
 * layer may become. Each is checked while reading, before the bytes over the limit are written.
 *
 * @param maxBytes file content of one layer, added up
 * @param maxEntries tar entries of one layer
 * @param maxGzipRatio uncompressed bytes per compressed byte of a gzip layer
 * @param ratioSlackBytes uncompressed bytes allowed before the ratio is enforced (small layers of
 *     zeros compress very well and are harmless)
 */
public record LayerLimits(long maxBytes, long maxEntries, long maxGzipRatio, long ratioSlackBytes) {
    public LayerLimits {
        if (maxBytes <= 0 || maxEntries <= 0 || maxGzipRatio <= 0 || ratioSlackBytes < 0) {
            throw new IllegalArgumentException("layer limits must be positive");
        }
    }

    /**
     * 16 GiB, a million entries, a ratio of 100 after the first 16 MiB. Debian's python3 layer is
     * 56 MB in 5,000 entries and compresses about 4:1; text rarely beats 20:1, while a gzip bomb of
     * zeros reaches 1000:1.
     */
    public static LayerLimits defaults() {
        return new LayerLimits(16L << 30, 1_000_000, 100, 16L << 20);
    }
}
