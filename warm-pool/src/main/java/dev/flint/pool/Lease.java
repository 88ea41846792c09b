package dev.flint.pool;

import dev.flint.pool.internal.PoolCore;
import dev.flint.pool.internal.Slot;
import dev.flint.sandbox.Execution;
import dev.flint.sandbox.ProcessSpec;
import dev.flint.sandbox.Sandbox;
import dev.flint.sandbox.SandboxException;

/**
 * A sandbox lent to one function by the {@link WarmPool}. The holder runs in it, then gives it back
 * exactly once: {@link #release()} (or {@link #close()}) makes it a warm sandbox of that function,
 * {@link #discard()} destroys it (a timed-out or otherwise dirty run). A lease whose {@link #run}
 * failed in the platform is discarded on release, never reused.
 *
 * <p>Thread-safety: used by one thread at a time; {@link #release()} and {@link #discard()} are
 * idempotent and safe from any thread (the first one counts).
 */
public final class Lease implements AutoCloseable {
    private final PoolCore<Sandbox> pool;
    private final Slot<Sandbox> slot;
    private volatile boolean broken;

    Lease(PoolCore<Sandbox> pool, Slot<Sandbox> slot) {
        this.pool = pool;
        this.slot = slot;
    }

    /** The sandbox, bound to {@link #function()} for its whole life. */
    public Sandbox sandbox() {
        return slot.sandbox();
    }

    public FunctionKey function() {
        return slot.function();
    }

    /** Where the sandbox came from: warm, stem cell or created on the request. */
    public HitKind kind() {
        return slot.kind();
    }

    /** Runs a process in the sandbox; a platform failure marks the lease broken, so it is not reused. */
    public Execution run(ProcessSpec process) {
        try {
            return slot.sandbox().run(process);
        } catch (SandboxException e) {
            broken = true;
            throw e;
        }
    }

    /** Gives the sandbox back as a warm sandbox of this function (destroyed instead if a run broke it). */
    public void release() {
        pool.release(slot, !broken);
    }

    /** Gives the sandbox back to be destroyed, not reused. */
    public void discard() {
        pool.release(slot, false);
    }

    /** {@link #release()}. */
    @Override
    public void close() {
        release();
    }
}
