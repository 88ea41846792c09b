package dev.flint.pool.internal;

import dev.flint.pool.FunctionKey;
import dev.flint.pool.HitKind;
import dev.flint.pool.ImageLayers;

/**
 * A sandbox leased to one function by a {@link PoolCore}. Immutable but for {@code returned},
 * which only the pool reads and writes, under its lock.
 *
 * @param <S> the sandbox type
 */
public final class Slot<S> {
    private final long id;
    private final S sandbox;
    private final FunctionKey function;
    private final ImageLayers image;
    private final HitKind kind;
    private final long memoryBytes;
    /** Given back (released, discarded, or destroyed by close); guarded by the pool's lock. */
    boolean returned;

    Slot(long id, S sandbox, FunctionKey function, ImageLayers image, HitKind kind, long memoryBytes) {
        this.id = id;
        this.sandbox = sandbox;
        this.function = function;
        this.image = image;
        this.kind = kind;
        this.memoryBytes = memoryBytes;
    }

    /** The pool's number for the sandbox, kept while it stays warm. */
    public long id() {
        return id;
    }

    public S sandbox() {
        return sandbox;
    }

    public FunctionKey function() {
        return function;
    }

    public ImageLayers image() {
        return image;
    }

    public HitKind kind() {
        return kind;
    }

    /** Its memory limit, what it counts against the budget. */
    public long memoryBytes() {
        return memoryBytes;
    }
}
