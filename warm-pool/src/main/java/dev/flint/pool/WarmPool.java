package dev.flint.pool;

import dev.flint.pool.internal.PoolCore;
import dev.flint.pool.internal.SandboxFactory;
import dev.flint.sandbox.Sandbox;
import dev.flint.sandbox.SandboxRuntime;
import dev.flint.sandbox.SandboxSpec;
import java.time.InstantSource;
import java.util.function.BiConsumer;
import java.util.function.Function;

/**
 * Sandboxes ready before requests (docs/pool.md): per base image a number of pre-created, unbound
 * <b>stem cells</b>, refilled in the background, and per function the <b>warm</b> sandboxes it used
 * before, reused only for that function, expired after an idle TTL and evicted least recently used
 * above the memory budget. {@link #acquire} takes warm, then a stem cell, then creates one on the
 * request (slower, never an error when the pool is empty).
 *
 * <p>Thread-safe: any number of threads may acquire and release at once; concurrent acquires
 * overlap (the pool's lock is held only for bookkeeping, never while a sandbox is created or
 * destroyed). The pool does not limit how many leases a function holds: a caller that wants a
 * per-function limit (the invoker) takes a permit before {@link #acquire} and gives it back after
 * the release. The pool does not own the runtime: close the pool, then the runtime.
 */
public final class WarmPool implements AutoCloseable {
    private final PoolCore<Sandbox> core;

    private WarmPool(PoolCore<Sandbox> core) {
        this.core = core;
    }

    /** A pool whose sandboxes get {@link SandboxSpec}'s defaults (prepared ahead) on the image's layers. */
    public static WarmPool start(SandboxRuntime runtime, PoolConfig config) {
        return start(runtime, config, image -> SandboxSpec.builder().layers(image.dirs()).build(), InstantSource.system());
    }

    /**
     * A pool creating sandboxes with {@code specs} (limits per image; its layers should be the
     * image's, and {@code prepareAhead} set so a stem cell's first run only execs).
     */
    public static WarmPool start(SandboxRuntime runtime, PoolConfig config, Function<ImageLayers, SandboxSpec> specs,
            InstantSource clock) {
        return start(runtime, config, specs, (image, sandbox) -> { }, clock);
    }

    /**
     * A pool whose every new sandbox, stem cell or cold, is first handed to {@code prepare} (on the
     * thread that created it: a refill thread or the acquiring caller), for instance to start a
     * language runtime in it. A sandbox whose preparation throws is destroyed; the acquire that
     * needed it gets the exception.
     */
    public static WarmPool start(SandboxRuntime runtime, PoolConfig config, Function<ImageLayers, SandboxSpec> specs,
            BiConsumer<ImageLayers, Sandbox> prepare, InstantSource clock) {
        SandboxFactory<Sandbox> factory = new SandboxFactory<>() {
            @Override
            public Sandbox create(ImageLayers image) {
                Sandbox sandbox = runtime.create(specs.apply(image));
                try {
                    prepare.accept(image, sandbox);
                    return sandbox;
                } catch (RuntimeException e) {
                    try {
                        sandbox.destroy();
                    } catch (RuntimeException suppressed) {
                        e.addSuppressed(suppressed);
                    }
                    throw e;
                }
            }

            @Override
            public void destroy(Sandbox sandbox) {
                sandbox.destroy();
            }

            /** Per image, once: the spec function may check the layers on disk. */
            private final java.util.concurrent.ConcurrentHashMap<ImageLayers, Long> memory = new java.util.concurrent.ConcurrentHashMap<>();

            @Override
            public long memoryBytes(ImageLayers image) {
                return memory.computeIfAbsent(image, i -> specs.apply(i).memoryBytes());
            }
        };
        return new WarmPool(new PoolCore<>(factory, config, clock));
    }

    /**
     * A sandbox for {@code function} on {@code image}: warm, else a stem cell, else created now.
     * The caller must give it back ({@link Lease#release()}, {@link Lease#discard()}).
     *
     * @throws dev.flint.sandbox.SandboxException when a sandbox had to be created and could not be
     * @throws PoolException.Closed when the pool is closed
     */
    public Lease acquire(FunctionKey function, ImageLayers image) {
        return new Lease(core, core.acquire(function, image));
    }

    /** Makes the image known, so its minimum of stem cells is created now and kept. */
    public void prewarm(ImageLayers image) {
        core.prewarm(image);
    }

    /** Expires and refills now, as the background ticker does every tick interval. */
    public void tick() {
        core.tick();
    }

    public PoolSnapshot snapshot() {
        return core.snapshot();
    }

    /** Destroys every sandbox of the pool, leased ones included, and stops its threads. Idempotent. */
    @Override
    public void close() {
        core.close();
    }
}
