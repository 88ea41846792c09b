package dev.flint.pool.internal;

/**
 * The stem cells of one image.
 *
 * @param ready created and waiting
 * @param pending being created in the background
 */
public record StemCount(int ready, int pending) {
    public static final StemCount NONE = new StemCount(0, 0);
}
