package dev.flint.loadtests;

import dev.flint.sandbox.Sandbox;
import dev.flint.sandbox.SandboxRuntime;
import dev.flint.sandbox.SandboxSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Host memory per idle created sandbox: the growth of the host's used memory (/proc/meminfo:
 * MemTotal - MemFree - Buffers - page cache other than tmpfs) while N sandboxes exist, divided by
 * N. That is everything the host gives them, kernel objects included (namespaces, page tables,
 * slab, cgroup, tmpfs), and not file cache that unrelated I/O moves meanwhile. The median of three
 * rounds; the PSS of the sandboxes' processes (smaps_rollup) is shown beside it. Measured without
 * and with the next run's root built ahead.
 */
final class IdleMemoryScenario implements Scenario {

    @Override
    public String name() {
        return "idle-memory";
    }

    @Override
    public List<Metric> run(BenchContext ctx) throws Exception {
        int n = ctx.quick() ? 50 : 300;
        List<Metric> metrics = new ArrayList<>();
        for (boolean ahead : new boolean[] {false, true}) {
            SandboxSpec spec = SandboxSpec.builder().layer(ctx.rootfs()).memoryBytes(64 << 20).scratchBytes(16 << 20)
                    .prepareAhead(ahead).build();
            try (SandboxRuntime rt = ctx.runtime()) {
                rt.create(spec).destroy(); // warm the factory and the JNA paths
                double[] perSandbox = new double[ROUNDS];
                long pss = 0;
                for (int round = 0; round < ROUNDS; round++) {
                    System.gc();
                    Thread.sleep(300);
                    long before = usedMemory();
                    List<Sandbox> idle = new ArrayList<>();
                    for (int i = 0; i < n; i++) {
                        idle.add(rt.create(spec));
                    }
                    Thread.sleep(300);
                    perSandbox[round] = (usedMemory() - before) / 1024.0 / n;
                    pss = 0;
                    for (Sandbox s : idle) {
                        for (int pid : s.pids()) {
                            pss += pssOf(pid);
                        }
                        s.destroy();
                    }
                    Thread.sleep(300); // deferred teardown
                }
                java.util.Arrays.sort(perSandbox);
                double perSandboxKiB = perSandbox[ROUNDS / 2];
                metrics.add(new Metric(name(), "host memory per idle sandbox" + (ahead ? ", scratch prepared ahead" : ""),
                        perSandboxKiB, "KiB", "of which PSS of its processes", pss / 1024.0 / n,
                        Double.NaN, "<= 1024 KiB", perSandboxKiB <= 1024));
                ctx.progress(name(), ahead ? 2 : 1, 2);
            }
        }
        return metrics;
    }

    private static final int ROUNDS = 3;

    /** MemTotal - MemFree - Buffers - (Cached - Shmem), in bytes. */
    static long usedMemory() throws IOException {
        java.util.Map<String, Long> kib = new java.util.HashMap<>();
        for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
            int colon = line.indexOf(':');
            kib.put(line.substring(0, colon), Long.parseLong(line.substring(colon + 1).replaceAll("[^0-9]", "")));
        }
        long used = kib.get("MemTotal") - kib.get("MemFree") - kib.get("Buffers") - (kib.get("Cached") - kib.get("Shmem"));
        return used * 1024;
    }

    static long pssOf(int pid) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/smaps_rollup"))) {
                if (line.startsWith("Pss:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                }
            }
        } catch (IOException e) {
            return 0; // gone meanwhile
        }
        return 0;
    }
}
