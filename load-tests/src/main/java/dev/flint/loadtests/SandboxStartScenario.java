package dev.flint.loadtests;

import dev.flint.sandbox.Execution;
import dev.flint.sandbox.ProcessSpec;
import dev.flint.sandbox.Sandbox;
import dev.flint.sandbox.SandboxRuntime;
import dev.flint.sandbox.SandboxSpec;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Run in a pre-created sandbox, to the payload's first output byte, interleaved in every iteration
 * with the fork+exec floor, bwrap and crun on the same rootfs and payload ({@code busybox echo x}).
 * Two sandbox paths: a fresh scratch root made on the request, and one made ahead of it.
 */
final class SandboxStartScenario implements Scenario {
    private static final List<String> PAYLOAD = List.of("/bin/busybox", "echo", "x");
    private static final long GAP_MILLIS = 3;

    @Override
    public String name() {
        return "sandbox-start";
    }

    @Override
    public List<Metric> run(BenchContext ctx) throws IOException {
        int iterations = ctx.quick() ? 30 : 400;
        int warmup = ctx.quick() ? 5 : 40;
        Samples floor = new Samples("fork+exec floor");
        Samples fresh = new Samples("flint, fresh scratch on request");
        Samples ahead = new Samples("flint, scratch mounted ahead");
        Samples bwrap = new Samples("bwrap --unshare-all");
        Samples crun = new Samples("crun run");
        Samples first = new Samples("flint, first run of a new sandbox");
        boolean withBwrap = Peers.installed("bwrap");
        boolean withCrun = Peers.installed("crun") && Peers.installed("unshare");
        SandboxSpec base = SandboxSpec.builder().layer(ctx.rootfs()).memoryBytes(64 << 20).scratchBytes(16 << 20).build();
        ProcessSpec echo = ProcessSpec.builder(PAYLOAD).build();
        try (SandboxRuntime rt = ctx.runtime();
             Sandbox onRequest = rt.create(base.toBuilder().prepareAhead(false).build());
             Sandbox prepared = rt.create(base.toBuilder().prepareAhead(true).build());
             Peers peers = new Peers(ctx.rootfs(), ctx.work())) {
            for (int i = -warmup; i < iterations; i++) {
                boolean keep = i >= 0;
                long f = peers.floor(PAYLOAD);
                long a = firstByte(onRequest.run(echo));
                long b = firstByte(prepared.run(echo));
                long w = withBwrap ? peers.bwrap(PAYLOAD) : 0;
                long c = withCrun && (i % 4 == 0) ? peers.crun(PAYLOAD) : -1;
                long n = i % 4 == 2 ? firstRunOfNewSandbox(rt, base, echo) : -1;
                pause(); // let the peers' deferred teardown (netns clean-up runs in a kworker) finish
                if (keep) {
                    floor.add(f);
                    fresh.add(a);
                    ahead.add(b);
                    if (withBwrap) {
                        bwrap.add(w);
                    }
                    if (c >= 0) {
                        crun.add(c);
                    }
                    if (n >= 0) {
                        first.add(n);
                    }
                }
                ctx.progress(name(), i + warmup + 1, iterations + warmup);
            }
        }
        ctx.keepSamples(name(), List.of(floor, fresh, ahead, bwrap, crun, first));
        List<Metric> metrics = new ArrayList<>();
        metrics.add(versus(fresh, floor, "p50 <= 1.6x floor", 1.6, true));
        metrics.add(versus(ahead, floor, "p50 <= 1.1x floor", 1.1, true));
        if (withCrun) {
            metrics.add(faster(crun, fresh, "crun run p50 >= 10x flint's", 10));
        }
        if (withBwrap) {
            metrics.add(faster(bwrap, fresh, "bwrap p50 >= 4x flint's", 4));
        }
        return metrics;
    }

    /** A short gap, as in BASELINE.md's interleaved runs, so one path's async work does not land on the next. */
    private static void pause() {
        try {
            Thread.sleep(GAP_MILLIS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Shown, not judged: a new sandbox without prepareAhead also forks its run process on the request. */
    private static long firstRunOfNewSandbox(SandboxRuntime rt, SandboxSpec base, ProcessSpec echo) {
        try (Sandbox s = rt.create(base.toBuilder().prepareAhead(false).build())) {
            return firstByte(s.run(echo));
        }
    }

    private static long firstByte(Execution e) {
        if (e.timeToFirstOutput() == null) {
            throw new IllegalStateException("the sandboxed payload printed nothing: " + e);
        }
        return e.timeToFirstOutput().toNanos();
    }

    private Metric versus(Samples s, Samples floor, String target, double limit, boolean atMost) {
        double ratio = (double) s.percentile(50) / floor.percentile(50);
        return new Metric(name(), s.name() + " p50 (paired ratio " + String.format("%.2f", s.pairedRatio(floor)) + ")",
                s.percentile(50) / 1000.0, "µs", floor.name() + " p50", floor.percentile(50) / 1000.0, ratio, target,
                atMost ? ratio <= limit : ratio >= limit);
    }

    /** How many times faster flint's path is than a peer: peer p50 / flint p50. */
    private Metric faster(Samples peer, Samples flint, String target, double atLeast) {
        double ratio = (double) peer.percentile(50) / flint.percentile(50);
        return new Metric(name(), peer.name() + " p50 / " + flint.name() + " p50", peer.percentile(50) / 1000.0, "µs",
                flint.name() + " p50", flint.percentile(50) / 1000.0, ratio, target, ratio >= atLeast);
    }
}
