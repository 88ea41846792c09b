package dev.flint.loadtests;

import dev.flint.images.BaseImages;
import dev.flint.images.ImageStore;
import dev.flint.invoker.ActivationRecord;
import dev.flint.invoker.FunctionSpec;
import dev.flint.invoker.Invocation;
import dev.flint.invoker.Invoker;
import dev.flint.invoker.InvokerConfig;
import dev.flint.invoker.Limits;
import dev.flint.invoker.StartKind;
import dev.flint.pool.FunctionKey;
import dev.flint.pool.ImageLayers;
import dev.flint.pool.PoolConfig;
import dev.flint.sandbox.SandboxRuntime;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Warm Python invocations (issue #10, W4-W5) of a no-op ({@code def main(args): return {}}).
 * (a) Overhead: {@code invoke()} wall time on a warm sandbox from one caller, after 20,000
 * warm-up invocations (about 4 s: until the JIT compiler has compiled the warm path with C2, as
 * in a server that has been running; after 500 the same path was 1.6x slower), interleaved per iteration with a raw round trip to a host {@code python3} that answers a JSON
 * line on a pipe ({@link RawPythonLoop}): the floor of any warm hand-off, shown for scale; the
 * target is absolute. (b) Throughput: {@value #CALLERS} threads invoke one function for a fixed
 * time, its concurrency limit allowing several warm sandboxes; each of {@link #CONCURRENCIES} is
 * tried (after a warm-up phase of its own) and the best kept. Baseline: round trips per second of
 * one host python from one thread.
 */
final class InvokePythonWarmScenario implements Scenario {
    private static final int CALLERS = 16;
    private static final int[] CONCURRENCIES = {4, 8};
    private static final String NOOP = "def main(args):\n    return {}\n";

    @Override
    public String name() {
        return "invoke-python-warm";
    }

    @Override
    public List<Metric> run(BenchContext ctx) throws Exception {
        int iterations = ctx.quick() ? 300 : 3000;
        int warmup = ctx.quick() ? 100 : 20_000;
        long phaseNanos = (ctx.quick() ? 2 : 10) * 1_000_000_000L;
        long warmPhaseNanos = (ctx.quick() ? 1 : 2) * 1_000_000_000L;
        ImageLayers python = InvokerBench.image(InvokerBench.baseStore(), BaseImages.PYTHON);
        ImageStore codeStore = InvokerBench.codeStore(ctx, name());
        Path code = InvokerBench.codeLayer(codeStore, "main.py", NOOP);
        Samples raw = new Samples("raw round trip to a host python3 on a pipe");
        Samples ours = new Samples("warm invoke(), one caller");
        int notWarm = 0;
        double rawRate;
        List<String> tried = new ArrayList<>();
        double best = 0;
        int bestConcurrency = 0;
        InvokerConfig config = InvokerConfig.defaults(python).withPool(PoolConfig.defaults().withStemCells(1, 8)
                .withIdleTtl(Duration.ofHours(1)).withMemoryBudget(1L << 40));
        try (SandboxRuntime rt = ctx.runtime();
             Invoker invoker = Invoker.start(rt, config, new SimpleMeterRegistry());
             RawPythonLoop host = new RawPythonLoop()) {
            invoker.prewarm(python);
            FunctionSpec f = FunctionSpec.python(FunctionKey.parse("bench/noop-py"), "r1", python, code, "main.py",
                    Limits.defaults());
            for (int i = -warmup; i < iterations; i++) {
                long b = host.roundTrip();
                Invocation invocation = InvokerBench.invocation(f); // made by the caller, not timed
                long t0 = System.nanoTime();
                ActivationRecord r = InvokerBench.succeeded(invoker.invoke(invocation));
                long o = System.nanoTime() - t0;
                if (i >= 0) {
                    if (r.startKind() != StartKind.WARM) {
                        notWarm++;
                    } else {
                        raw.add(b);
                        ours.add(o);
                    }
                }
                ctx.progress(name(), i + warmup + 1, iterations + warmup + CONCURRENCIES.length);
            }
            rawRate = host.rate(phaseNanos / 4);
            ExecutorService callers = Executors.newFixedThreadPool(CALLERS);
            try {
                for (int k = 0; k < CONCURRENCIES.length; k++) {
                    int c = CONCURRENCIES[k];
                    FunctionSpec g = FunctionSpec.python(FunctionKey.parse("bench/noop-py-c" + c), "r1", python, code, "main.py",
                            Limits.defaults().withConcurrency(c));
                    invokeFor(invoker, g, callers, warmPhaseNanos); // fills its warm sandboxes, warms the JIT
                    double rate = invokeFor(invoker, g, callers, phaseNanos);
                    tried.add(String.format("%,.0f/s at %d", rate, c));
                    if (rate > best) {
                        best = rate;
                        bestConcurrency = c;
                    }
                    ctx.progress(name(), iterations + warmup + k + 1, iterations + warmup + CONCURRENCIES.length);
                }
            } finally {
                callers.shutdownNow();
            }
        }
        ctx.keepSamples(name(), List.of(raw, ours));
        double p50Micros = ours.percentile(50) / 1000.0;
        return List.of(
                new Metric(name(), "Python no-op, warm invoke() p50, one caller (" + ours.size() + " timed, " + notWarm
                        + " not warm)", p50Micros, "µs", raw.name() + " p50", raw.percentile(50) / 1000.0,
                        (double) ours.percentile(50) / raw.percentile(50), "p50 <= 200 µs (absolute)", p50Micros <= 200),
                new Metric(name(), "Python no-op, warm invocations per second, " + CALLERS + " callers, one function, concurrency "
                        + bestConcurrency + " (tried: " + String.join(", ", tried) + ")", best, "/s",
                        "raw round trips per second, one host python3, one thread", rawRate, best / rawRate, ">= 10,000/s",
                        best >= 10_000));
    }

    /** Invocations per second that {@value #CALLERS} callers complete on {@code f} in {@code nanos}. */
    private static double invokeFor(Invoker invoker, FunctionSpec f, ExecutorService callers, long nanos) throws Exception {
        long start = System.nanoTime();
        long end = start + nanos;
        List<Future<Long>> jobs = new ArrayList<>();
        for (int t = 0; t < CALLERS; t++) {
            jobs.add(callers.submit(() -> {
                long n = 0;
                while (System.nanoTime() < end) {
                    InvokerBench.succeeded(invoker.invoke(InvokerBench.invocation(f)));
                    n++;
                }
                return n;
            }));
        }
        long total = 0;
        for (Future<Long> j : jobs) {
            total += j.get();
        }
        return total / ((System.nanoTime() - start) / 1e9);
    }
}
