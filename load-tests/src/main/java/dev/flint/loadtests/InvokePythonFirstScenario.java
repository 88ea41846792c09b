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
import dev.flint.sandbox.HostProcess;
import dev.flint.sandbox.SandboxRuntime;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The first invocation of a newly deployed Python no-op (issue #10, W3): {@code invoke()} wall time
 * of {@code def main(args): return {}}, each iteration a function with code of its own (all code
 * layers made before timing), served by a stem cell of flint/python:3 whose interpreter is already
 * up (one is kept; the scenario waits, untimed, until it is ready before each invoke). Interleaved
 * per iteration with {@code python3 -c pass} spawned on the host and reaped: what starting an
 * interpreter for the function would cost at the least.
 */
final class InvokePythonFirstScenario implements Scenario {
    private static final long GAP_MILLIS = 3;

    @Override
    public String name() {
        return "invoke-python-first";
    }

    @Override
    public List<Metric> run(BenchContext ctx) throws Exception {
        int iterations = ctx.quick() ? 15 : 100;
        // Warm-up: the JVM compiles the invoker's stem-cell path, as in a server that has run a
        // while (interpreted, acquire and attach alone took ~0.7 ms more); its functions share one
        // code layer, the timed ones each have their own.
        int warmup = ctx.quick() ? 3 : 300;
        int warmInvocations = ctx.quick() ? 50 : 5000;
        ImageLayers python = InvokerBench.image(InvokerBench.baseStore(), BaseImages.PYTHON);
        ImageStore codeStore = InvokerBench.codeStore(ctx, name());
        List<Path> codes = new ArrayList<>();
        for (int i = 0; i < iterations + 1; i++) {
            codes.add(InvokerBench.codeLayer(codeStore, "main.py", "# deployment " + i + "\ndef main(args):\n    return {}\n"));
        }
        String[] pass = {"python3", "-c", "pass"};
        Samples baseline = new Samples("python3 -c pass on the host, to exit");
        Samples ours = new Samples("first invoke() of a new function from a stem cell");
        Samples init = new Samples("of which acquire + attach (record's initTime)");
        int notStem = 0;
        InvokerConfig config = InvokerConfig.defaults(python).withPool(PoolConfig.defaults().withStemCells(1, 1)
                .withIdleTtl(Duration.ofHours(1)).withMemoryBudget(1L << 40));
        try (SandboxRuntime rt = ctx.runtime();
             Invoker invoker = Invoker.start(rt, config, new SimpleMeterRegistry())) {
            invoker.prewarm(python);
            // As in invoke-shell: warm invocations of one function give the JVM's compiler the
            // thousands of runs of the shared path (request, conversation, record, release) that
            // stem cells cannot be made for in a bench, as a server that has been running has had.
            FunctionSpec hot = FunctionSpec.python(FunctionKey.parse("bench/hot-py"), "1", python, codes.get(0), "main.py",
                    Limits.defaults());
            for (int i = 0; i < warmInvocations; i++) {
                InvokerBench.succeeded(invoker.invoke(InvokerBench.invocation(hot)));
            }
            for (int i = -warmup; i < iterations; i++) {
                FunctionSpec f = FunctionSpec.python(FunctionKey.parse("bench/noop-py-" + (i + warmup)), "r1", python,
                        codes.get(Math.max(0, i + 1)), "main.py", Limits.defaults());
                InvokerBench.awaitStemCell(invoker, python);
                long b = HostProcess.run(RawPythonLoop.PYTHON, pass, Peers.ENV).wallTime().toNanos();
                Invocation invocation = InvokerBench.invocation(f); // made by the caller, not timed
                long t0 = System.nanoTime();
                ActivationRecord r = InvokerBench.succeeded(invoker.invoke(invocation));
                long o = System.nanoTime() - t0;
                Thread.sleep(GAP_MILLIS);
                if (i >= 0) {
                    if (r.startKind() != StartKind.STEM) {
                        notStem++;
                    } else {
                        baseline.add(b);
                        ours.add(o);
                        init.add(r.initTime().toNanos());
                    }
                }
                ctx.progress(name(), i + warmup + 1, iterations + warmup);
            }
        }
        ctx.keepSamples(name(), List.of(baseline, ours, init));
        double ratio = (double) ours.percentile(50) / baseline.percentile(50);
        return List.of(new Metric(name(), "Python no-op, first invoke() of a new function from a stem cell, p50 (paired ratio "
                + String.format("%.3f", ours.pairedRatio(baseline)) + "; " + ours.size() + " timed, " + notStem
                + " not from a stem cell)", ours.percentile(50) / 1000.0, "µs", baseline.name() + " p50",
                baseline.percentile(50) / 1000.0, ratio, "p50 <= 0.03x python3 -c pass", ratio <= 0.03));
    }
}
