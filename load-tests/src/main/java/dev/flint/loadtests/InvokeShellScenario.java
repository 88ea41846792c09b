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
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A shell no-op's invocation from a stem cell (issue #10, W1-W2): {@code invoke()} wall time of
 * {@code read -r x; echo '{}'} on flint/busybox, each iteration a new revision of the function, so
 * it takes the image's stem cell (one is kept; the scenario waits, untimed, until it is ready
 * before each invoke, and counts invocations that did not start from one instead of timing them).
 * Interleaved per iteration with the floor: posix_spawn of the busybox-static {@code sh} of the
 * bundled rootfs on the same script, fed the same stdin, read to the end and reaped; every 4th
 * iteration {@code crun run} of the same command (the bundled busybox rootfs as its root, not the
 * image's layers; time to its first output byte, which favours crun).
 */
final class InvokeShellScenario implements Scenario {
    private static final String SCRIPT = "read -r x; echo '{}'\n";
    private static final byte[] PAYLOAD = "{}".getBytes(StandardCharsets.UTF_8); // what exec mode writes for {}
    private static final long GAP_MILLIS = 3;

    @Override
    public String name() {
        return "invoke-shell";
    }

    @Override
    public List<Metric> run(BenchContext ctx) throws Exception {
        int iterations = ctx.quick() ? 20 : 200;
        // Warm-up: the JVM compiles the invoker's stem-cell path, as in a server that has run a
        // while (interpreted, acquire and attach alone took ~0.7 ms more).
        int warmup = ctx.quick() ? 5 : 300;
        int warmInvocations = ctx.quick() ? 50 : 5000;
        ImageLayers busybox = InvokerBench.image(InvokerBench.baseStore(), BaseImages.BUSYBOX);
        ImageStore codeStore = InvokerBench.codeStore(ctx, name());
        Path code = InvokerBench.codeLayer(codeStore, "main.sh", SCRIPT);
        Path hostScript = Files.writeString(ctx.work().resolve("invoke-shell-main.sh"), SCRIPT);
        String sh = ctx.rootfs() + "/bin/busybox";
        String[] floorArgv = {"sh", hostScript.toString()};
        boolean withCrun = Peers.installed("crun") && Peers.installed("unshare");
        Samples floor = new Samples("fork+exec of busybox sh on the script, to exit");
        Samples ours = new Samples("invoke() from a stem cell");
        Samples crun = new Samples("crun run of the same command, to first byte");
        Samples init = new Samples("of which acquire + attach (record's initTime)");
        int notStem = 0;
        // Large budget and TTL: no eviction (a destroy inside a timed release) during the run.
        InvokerConfig config = InvokerConfig.defaults(null).withPool(PoolConfig.defaults().withStemCells(1, 1)
                .withIdleTtl(Duration.ofHours(1)).withMemoryBudget(1L << 40));
        try (SandboxRuntime rt = ctx.runtime();
             Invoker invoker = Invoker.start(rt, config, new SimpleMeterRegistry());
             Peers peers = new Peers(ctx.rootfs(), ctx.work())) {
            invoker.prewarm(busybox);
            // The JVM's compiler needs thousands of invocations for the shared path (acquire,
            // run, record, release), more than stem cells can be made for in a bench: warm
            // invocations of one function give them, as a server that has been running has had.
            FunctionSpec hot = FunctionSpec.shell(FunctionKey.parse("bench/hot-sh"), "1", busybox, code, "main.sh", Limits.defaults());
            for (int i = 0; i < warmInvocations; i++) {
                InvokerBench.succeeded(invoker.invoke(InvokerBench.invocation(hot)));
            }
            for (int i = -warmup; i < iterations; i++) {
                FunctionSpec f = FunctionSpec.shell(FunctionKey.parse("bench/noop-sh"), "r" + (i + warmup), busybox, code,
                        "main.sh", Limits.defaults());
                InvokerBench.awaitStemCell(invoker, busybox);
                // The gaps let the background work settle (a new stem cell's init starting its
                // shell; after an invocation, its sandbox's next root and shell), so that it takes
                // no CPU from the timed paths: the floor, ours, crun.
                Thread.sleep(GAP_MILLIS);
                long b = HostScript.run(sh, floorArgv, PAYLOAD);
                Invocation invocation = InvokerBench.invocation(f); // made by the caller, not timed
                long t0 = System.nanoTime();
                ActivationRecord r = InvokerBench.succeeded(invoker.invoke(invocation));
                long o = System.nanoTime() - t0;
                Thread.sleep(GAP_MILLIS);
                long c = withCrun && i % 4 == 0 ? peers.crun(List.of("/bin/sh", "-c", SCRIPT.strip())) : -1;
                Thread.sleep(GAP_MILLIS);
                if (i >= 0) {
                    if (r.startKind() != StartKind.STEM) {
                        notStem++;
                    } else {
                        floor.add(b);
                        ours.add(o);
                        init.add(r.initTime().toNanos());
                        if (c >= 0) {
                            crun.add(c);
                        }
                    }
                }
                ctx.progress(name(), i + warmup + 1, iterations + warmup);
            }
        }
        ctx.keepSamples(name(), List.of(floor, ours, init, crun));
        List<Metric> metrics = new ArrayList<>();
        double ratio = (double) ours.percentile(50) / floor.percentile(50);
        metrics.add(new Metric(name(), "shell no-op, invoke() wall time from a stem cell, p50 (paired ratio "
                + String.format("%.2f", ours.pairedRatio(floor)) + "; " + ours.size() + " timed, " + notStem + " not from a stem cell)",
                ours.percentile(50) / 1000.0, "µs", floor.name() + " p50", floor.percentile(50) / 1000.0, ratio,
                "p50 <= 2x fork+exec", ratio <= 2));
        if (withCrun) {
            double slower = (double) crun.percentile(50) / ours.percentile(50);
            metrics.add(new Metric(name(), "crun run p50 (bundled busybox rootfs, to first byte) / invoke() p50",
                    crun.percentile(50) / 1000.0, "µs", "invoke() from a stem cell p50", ours.percentile(50) / 1000.0, slower,
                    "crun run p50 >= 10x ours", slower >= 10));
        }
        return metrics;
    }
}
