package dev.flint.images;

/**
 * One line of {@link ImageStore#list()}.
 *
 * @param ref the tag
 * @param digest the manifest digest the tag points at
 * @param layers how many layers the image has
 * @param size bytes of its layer blobs
 * @param sharedSize bytes of those layers that another image of the store uses too (stored once)
 * @param problem why the image cannot be used (a damaged entry), or empty
 */
public record ImageSummary(ImageRef ref, LayerDigest digest, int layers, long size, long sharedSize, String problem) {
    public boolean usable() {
        return problem.isEmpty();
    }
}
