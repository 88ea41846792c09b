package dev.flint.images;

import java.util.List;

/**
 * What {@link ImageStore#prune()} removed and how many bytes that freed.
 *
 * @param removed each removed entry
 * @param freedBytes the bytes of their files added up
 */
public record PruneReport(List<Removed> removed, long freedBytes) {
    public PruneReport {
        removed = List.copyOf(removed);
    }

    /**
     * One removed entry.
     *
     * @param kind "blob" (a tar, config or manifest), "layer" (an unpacked tree) or "tmp" (left by a crashed writer)
     * @param what its digest, or its name under tmp/
     * @param bytes the bytes of its files
     */
    public record Removed(String kind, String what, long bytes) {}
}
