package dev.flint.pool.internal;

import dev.flint.pool.FunctionKey;
import dev.flint.pool.ImageLayers;
import java.time.Instant;

/**
 * What the policy knows of one idle warm sandbox.
 *
 * @param id the pool's number for it
 * @param function the function it is bound to
 * @param image the layers it was made of
 * @param lastUsed when its last lease was released
 * @param memoryBytes its memory limit, what it counts against the budget
 */
public record WarmEntry(long id, FunctionKey function, ImageLayers image, Instant lastUsed, long memoryBytes) {
}
