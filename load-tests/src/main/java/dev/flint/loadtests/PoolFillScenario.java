package dev.flint.loadtests;

import dev.flint.sandbox.HostProcess;
import dev.flint.sandbox.Sandbox;
import dev.flint.sandbox.SandboxRuntime;
import dev.flint.sandbox.SandboxSpec;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Pool fill: sandboxes created per second (namespaces incl. net, cgroup attached, root set up,
 * init parked), by eight threads on two cores (creation waits on the kernel and on init), in rounds of {@code perRound}. Between rounds the
 * sandboxes are destroyed (not timed) and the kernel's deferred teardown (network namespaces are
 * cleaned up by a kworker, cgroups released by another) is waited for, until the host's CPUs are
 * idle again, so each round measures creation and not the last round's teardown. A first round
 * warms the JIT and is not counted. Baseline in the same run: fork+exec+reap of busybox true.
 */
final class PoolFillScenario implements Scenario {
    private static final int THREADS = 8;
    /** At least this long between rounds, and then until the host is idle (the teardown done), at most the max. */
    private static final long QUIESCE_MILLIS = 300;
    private static final long MAX_QUIESCE_MILLIS = 10_000;

    @Override
    public String name() {
        return "pool-fill";
    }

    @Override
    public List<Metric> run(BenchContext ctx) throws Exception {
        int rounds = ctx.quick() ? 2 : 10;
        int perRound = ctx.quick() ? 50 : 200;
        SandboxSpec spec = SandboxSpec.builder().layer(ctx.rootfs()).memoryBytes(64 << 20).scratchBytes(16 << 20)
                .prepareAhead(false).build();
        long createdNanos = 0;
        long floorNanos = 0;
        int created = 0;
        ExecutorService pool = Executors.newFixedThreadPool(THREADS);
        List<Long> quietNanos = new ArrayList<>();
        try (SandboxRuntime rt = ctx.runtime()) {
            for (int r = -1; r < rounds; r++) {
                long floor = floorRound(ctx, perRound);
                List<Sandbox> made = Collections.synchronizedList(new ArrayList<>());
                long start = System.nanoTime();
                List<Future<?>> jobs = new ArrayList<>();
                for (int t = 0; t < THREADS; t++) {
                    jobs.add(pool.submit(() -> {
                        for (int i = 0; i < perRound / THREADS; i++) {
                            made.add(rt.create(spec));
                        }
                        return null;
                    }));
                }
                for (Future<?> j : jobs) {
                    j.get();
                }
                long took = System.nanoTime() - start;
                for (Sandbox s : made) {
                    s.destroy();
                }
                long quiet = HostLoad.awaitQuiet(QUIESCE_MILLIS, MAX_QUIESCE_MILLIS);
                quietNanos.add(quiet);
                if (r >= 0) {
                    createdNanos += took;
                    floorNanos += floor;
                    created += made.size();
                }
                ctx.progress(name(), r + 2, rounds + 1);
            }
        } finally {
            pool.shutdownNow();
        }
        double rate = created / (createdNanos / 1e9);
        double floorRate = (double) perRound * rounds / (floorNanos / 1e9);
        long[] waits = quietNanos.stream().mapToLong(Long::longValue).sorted().toArray();
        String teardown = String.format("; between rounds the host was idle again after %.0f ms (median; max %.0f)",
                waits[waits.length / 2] / 1e6, waits[waits.length - 1] / 1e6);
        return List.of(new Metric(name(), "sandboxes created per second (8 threads)" + teardown, rate, "/s",
                "fork+exec+reap of busybox true per second (1 thread)", floorRate, rate / floorRate,
                ">= 500 per second sustained", rate >= 500));
    }

    private static long floorRound(BenchContext ctx, int n) {
        String path = ctx.rootfs() + "/bin/busybox";
        long start = System.nanoTime();
        for (int i = 0; i < n; i++) {
            HostProcess.run(path, new String[] {"/bin/busybox", "true"}, Peers.ENV);
        }
        return System.nanoTime() - start;
    }
}
