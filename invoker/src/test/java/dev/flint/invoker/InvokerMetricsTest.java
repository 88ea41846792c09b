package dev.flint.invoker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.flint.pool.ImageLayers;
import dev.flint.pool.PoolSnapshot;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.core.instrument.distribution.DistributionStatisticConfig;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class InvokerMetricsTest {
    private static final Instant START = Instant.parse("2026-11-24T23:00:00Z");

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final Map<String, Boolean> histogramPublished = new ConcurrentHashMap<>();
    private final InvokerMetrics metrics = new InvokerMetrics(registry);

    InvokerMetricsTest() {
        // Notes what each timer asked for; the simple registry itself keeps no histogram buckets.
        registry.config().meterFilter(new MeterFilter() {
            @Override
            public DistributionStatisticConfig configure(Meter.Id id, DistributionStatisticConfig config) {
                histogramPublished.put(id.getName(), Boolean.TRUE.equals(config.isPercentileHistogram()));
                return config;
            }
        });
    }

    @Test
    void recorded_countsByStatusKindAndStart_andTimesEachPart() {
        metrics.recorded(record(Status.SUCCESS, StartKind.WARM, 120, 0, 0, 50_000_000), "python:3");
        metrics.recorded(record(Status.SUCCESS, StartKind.WARM, 80, 0, 0, 70_000_000), Kind.PYTHON);
        metrics.recorded(record(Status.TIMEOUT, StartKind.COLD, 1000, 7, 300, 90_000_000), "shell");

        assertEquals(2.0, registry.get("flint.invocations")
                .tags("status", "success", "kind", "python:3", "start", "warm").counter().count());
        assertEquals(1.0, registry.get("flint.invocations")
                .tags("status", "timeout", "kind", "shell", "start", "cold").counter().count());

        var warmPython = registry.get("flint.invocation.duration").tags("kind", "python:3", "start", "warm").timer();
        assertEquals(2, warmPython.count());
        assertEquals(200.0, warmPython.totalTime(TimeUnit.MILLISECONDS));
        assertEquals(Boolean.TRUE, histogramPublished.get("flint.invocation.duration"));
        assertEquals(Boolean.FALSE, histogramPublished.get("flint.invocation.wait"));

        var wait = registry.get("flint.invocation.wait").tags("kind", "shell").timer();
        assertEquals(7.0, wait.totalTime(TimeUnit.MILLISECONDS));
        var init = registry.get("flint.invocation.init").tags("kind", "shell", "start", "cold").timer();
        assertEquals(300.0, init.totalTime(TimeUnit.MILLISECONDS));

        var memory = registry.get("flint.invocation.memory.peak").tags("kind", "python:3").summary();
        assertEquals(2, memory.count());
        assertEquals(70_000_000.0, memory.max());
        assertEquals("bytes", memory.getId().getBaseUnit());
    }

    @Test
    void rejected_countsByReason() {
        metrics.rejected(InvokerMetrics.TOO_MANY_REQUESTS);
        metrics.rejected(InvokerMetrics.TOO_MANY_REQUESTS);
        metrics.rejected(InvokerMetrics.QUEUE_TIMEOUT);
        assertEquals(2.0, registry.get("flint.invocations.rejected").tag("reason", "too_many_requests").counter().count());
        assertEquals(1.0, registry.get("flint.invocations.rejected").tag("reason", "queue_timeout").counter().count());
    }

    @Test
    void bindPool_readsTheLatestSnapshotOnEachRead() {
        AtomicReference<PoolSnapshot> now = new AtomicReference<>(snapshot(1, 0));
        metrics.bindPool(now::get);
        assertEquals(3.0, registry.get("flint.pool.hits").tag("kind", "warm").functionCounter().count());

        now.set(snapshot(10, 1));

        assertEquals(30.0, registry.get("flint.pool.hits").tag("kind", "warm").functionCounter().count());
        assertEquals(20.0, registry.get("flint.pool.hits").tag("kind", "stem").functionCounter().count());
        assertEquals(10.0, registry.get("flint.pool.hits").tag("kind", "cold").functionCounter().count());
        assertEquals(5.0 + 2.0 + 1.0, registry.get("flint.pool.stem.ready").gauge().value());
        assertEquals(4.0, registry.get("flint.pool.warm.idle").gauge().value());
        assertEquals(6.0, registry.get("flint.pool.leased").gauge().value());
        assertEquals(1_000_000.0, registry.get("flint.pool.memory.bytes").gauge().value());
        assertEquals("bytes", registry.get("flint.pool.memory.bytes").gauge().getId().getBaseUnit());
        assertEquals(100.0, registry.get("flint.pool.created").functionCounter().count());
        assertEquals(90.0, registry.get("flint.pool.destroyed").functionCounter().count());
        assertEquals(11.0, registry.get("flint.pool.evicted").functionCounter().count());
        assertEquals(12.0, registry.get("flint.pool.expired").functionCounter().count());
        assertEquals(13.0, registry.get("flint.pool.failures").functionCounter().count());
        assertNull(registry.find("flint.pool.hits").tag("kind", "other").functionCounter());
    }

    @Test
    void bindPool_twice_isRefused() {
        metrics.bindPool(() -> snapshot(1, 0));
        assertThrows(IllegalStateException.class, () -> metrics.bindPool(() -> snapshot(2, 0)));
    }

    private static PoolSnapshot snapshot(long scale, int stemOffset) {
        Map<ImageLayers, Integer> ready = Map.of(
                ImageLayers.of(Path.of("/layers/python")), 4 + stemOffset,
                ImageLayers.of(Path.of("/layers/shell")), 2,
                ImageLayers.of(Path.of("/layers/node")), 1);
        return new PoolSnapshot(3 * scale, 2 * scale, scale, ready, 0, 4, 6, 1_000_000L,
                100, 90, 11, 12, 0, 0, 13);
    }

    private static ActivationRecord record(Status status, StartKind start, long durationMs, long waitMs, long initMs,
            long peak) {
        return new ActivationRecord("id", "guest/hello", status, JsonNodeFactory.instance.objectNode(), List.of(), false,
                START, START.plusMillis(durationMs), Duration.ofMillis(waitMs), Duration.ofMillis(initMs), start, peak);
    }
}
