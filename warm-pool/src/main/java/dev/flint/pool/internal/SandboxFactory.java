package dev.flint.pool.internal;

import dev.flint.pool.ImageLayers;

/**
 * Makes and ends the pool's sandboxes: the real one wraps a {@code SandboxRuntime}; unit tests use
 * a fake. Called from many threads at once, never under the pool's lock.
 *
 * @param <S> the sandbox type
 */
public interface SandboxFactory<S> {

    /** Creates an unbound sandbox of the image's layers; slow (namespaces, cgroup, mounts). */
    S create(ImageLayers image);

    /** Destroys it; leaves nothing behind. */
    void destroy(S sandbox);

    /** The memory limit a sandbox of this image gets: what it counts against the pool's budget. */
    long memoryBytes(ImageLayers image);
}
