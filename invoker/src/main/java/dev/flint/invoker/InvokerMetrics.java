package dev.flint.invoker;

import dev.flint.pool.PoolSnapshot;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.function.Supplier;
import java.util.function.ToDoubleFunction;

/**
 * The invoker's meters, on a Micrometer registry: one count and timing per activation (tagged by
 * status, kind and start), rejections by reason, and the warm pool's counters and sizes read from
 * its snapshots when the registry is scraped.
 *
 * <p>Meters: {@code flint.invocations} (status, kind, start), {@code flint.invocation.duration}
 * (kind, start; with a percentile histogram), {@code flint.invocation.wait} (kind),
 * {@code flint.invocation.init} (kind, start), {@code flint.invocation.memory.peak} (kind; bytes),
 * {@code flint.invocations.rejected} (reason); after {@link #bindPool}, {@code flint.pool.hits}
 * (kind = warm, stem, cold), {@code flint.pool.created}, {@code .destroyed}, {@code .evicted},
 * {@code .expired}, {@code .failures} (function counters) and {@code flint.pool.stem.ready},
 * {@code .warm.idle}, {@code .leased}, {@code .memory.bytes} (gauges).
 *
 * <p>Thread-safe: the registry is.
 */
public final class InvokerMetrics {
    /** The {@code reason} of a call refused because the function's queue was full. */
    public static final String TOO_MANY_REQUESTS = "too_many_requests";
    /** The {@code reason} of a call that waited in the queue until its deadline. */
    public static final String QUEUE_TIMEOUT = "queue_timeout";

    private final MeterRegistry registry;
    /** Held here because function counters keep only a weak reference to what they read. */
    private volatile Supplier<PoolSnapshot> pool;

    public InvokerMetrics(MeterRegistry registry) {
        if (registry == null) {
            throw new InvokerException.Invalid("registry", "missing", "pass a MeterRegistry");
        }
        this.registry = registry;
    }

    /** The meters of one (status, kind, start) combination, built once: registering costs more than recording. */
    private record Meters(Counter count, Timer duration, Timer waiting, Timer init, DistributionSummary memory) {}

    private record MeterKey(Status status, String kind, StartKind start) {}

    private final java.util.concurrent.ConcurrentHashMap<MeterKey, Meters> meters = new java.util.concurrent.ConcurrentHashMap<>();

    /** Counts and times one finished activation of the given kind (as {@link Kind#canonical()}). */
    public void recorded(ActivationRecord r, String kind) {
        Meters m = meters.computeIfAbsent(new MeterKey(r.status(), kind, r.startKind()), this::register);
        m.count().increment();
        m.duration().record(r.duration());
        m.waiting().record(r.waitTime());
        m.init().record(r.initTime());
        m.memory().record(r.peakMemoryBytes());
    }

    private Meters register(MeterKey key) {
        String start = key.start().text();
        return new Meters(
                Counter.builder("flint.invocations")
                        .description("activations finished")
                        .tags("status", key.status().text(), "kind", key.kind(), "start", start)
                        .register(registry),
                Timer.builder("flint.invocation.duration")
                        .description("how long activations ran")
                        .tags("kind", key.kind(), "start", start)
                        .publishPercentileHistogram()
                        .register(registry),
                Timer.builder("flint.invocation.wait")
                        .description("how long activations waited for a free concurrency slot")
                        .tags("kind", key.kind())
                        .register(registry),
                Timer.builder("flint.invocation.init")
                        .description("how long sandboxes and function code took to start")
                        .tags("kind", key.kind(), "start", start)
                        .register(registry),
                DistributionSummary.builder("flint.invocation.memory.peak")
                        .description("peak memory use of activations' sandboxes")
                        .baseUnit("bytes")
                        .tags("kind", key.kind())
                        .register(registry));
    }

    /** As {@link #recorded(ActivationRecord, String)} with the kind's canonical name. */
    public void recorded(ActivationRecord r, Kind kind) {
        recorded(r, kind.canonical());
    }

    /** Counts one refused call; {@code reason} is {@link #TOO_MANY_REQUESTS} or {@link #QUEUE_TIMEOUT}. */
    public void rejected(String reason) {
        Counter.builder("flint.invocations.rejected")
                .description("calls refused before running")
                .tag("reason", reason)
                .register(registry)
                .increment();
    }

    /**
     * Binds the pool's meters to its snapshots, taken each time a meter is read. Call once; the
     * supplier must be cheap (the pool's snapshot is one short lock).
     */
    public synchronized void bindPool(Supplier<PoolSnapshot> snapshots) {
        if (snapshots == null) {
            throw new InvokerException.Invalid("snapshots", "missing", "pass the pool's snapshot method");
        }
        if (pool != null) {
            throw new IllegalStateException("the pool's meters are bound already");
        }
        pool = snapshots;
        hits("warm", PoolSnapshot::warmHits);
        hits("stem", PoolSnapshot::stemHits);
        hits("cold", PoolSnapshot::coldHits);
        counter("flint.pool.created", "sandboxes created", PoolSnapshot::created);
        counter("flint.pool.destroyed", "sandboxes destroyed", PoolSnapshot::destroyed);
        counter("flint.pool.evicted", "idle warm sandboxes evicted for the memory budget", PoolSnapshot::evicted);
        counter("flint.pool.expired", "idle warm sandboxes expired after the idle TTL", PoolSnapshot::expired);
        counter("flint.pool.failures", "sandbox creations and destructions that failed", PoolSnapshot::failures);
        gauge("flint.pool.stem.ready", "ready stem cells, all images", null,
                s -> s.stemCellsReady().values().stream().mapToLong(Integer::longValue).sum());
        gauge("flint.pool.warm.idle", "idle warm sandboxes", null, PoolSnapshot::idleWarm);
        gauge("flint.pool.leased", "sandboxes leased now", null, PoolSnapshot::leased);
        gauge("flint.pool.memory.bytes", "memory limits of idle warm and leased sandboxes", "bytes",
                PoolSnapshot::warmBytes);
    }

    private void hits(String kind, ToDoubleFunction<PoolSnapshot> read) {
        Supplier<PoolSnapshot> snapshots = pool;
        FunctionCounter.builder("flint.pool.hits", snapshots, s -> read.applyAsDouble(s.get()))
                .description("pool acquires by where the sandbox came from")
                .tag("kind", kind)
                .register(registry);
    }

    private void counter(String name, String description, ToDoubleFunction<PoolSnapshot> read) {
        Supplier<PoolSnapshot> snapshots = pool;
        FunctionCounter.builder(name, snapshots, s -> read.applyAsDouble(s.get()))
                .description(description)
                .register(registry);
    }

    private void gauge(String name, String description, String baseUnit, ToDoubleFunction<PoolSnapshot> read) {
        Supplier<PoolSnapshot> snapshots = pool;
        Gauge.builder(name, snapshots, s -> read.applyAsDouble(s.get()))
                .description(description)
                .baseUnit(baseUnit)
                .strongReference(true)
                .register(registry);
    }
}
