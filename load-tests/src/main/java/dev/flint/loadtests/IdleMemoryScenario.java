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
 * Host memory per idle created sandbox, counted as the drop of MemAvailable (/proc/meminfo) while N
 * sandboxes exist, divided by N: everything the host gives them, kernel objects included
 * (namespaces, page tables, cgroup, tmpfs). The PSS of their processes (smaps_rollup) is shown
 * beside it. Measured without and with the next run's scratch root prepared ahead.
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
                System.gc();
                Thread.sleep(300);
                long before = memAvailable();
                List<Sandbox> idle = new ArrayList<>();
                for (int i = 0; i < n; i++) {
                    idle.add(rt.create(spec));
                }
                Thread.sleep(300);
                long after = memAvailable();
                long pss = 0;
                for (Sandbox s : idle) {
                    for (int pid : s.pids()) {
                        pss += pssOf(pid);
                    }
                }
                double perSandboxKiB = (before - after) / 1024.0 / n;
                metrics.add(new Metric(name(), "host memory per idle sandbox" + (ahead ? ", scratch prepared ahead" : ""),
                        perSandboxKiB, "KiB", "of which PSS of its processes", pss / 1024.0 / n,
                        Double.NaN, "<= 1024 KiB", perSandboxKiB <= 1024));
                for (Sandbox s : idle) {
                    s.destroy();
                }
                ctx.progress(name(), ahead ? 2 : 1, 2);
            }
        }
        return metrics;
    }

    /** MemAvailable in bytes. */
    static long memAvailable() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
            if (line.startsWith("MemAvailable:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
            }
        }
        throw new IOException("no MemAvailable in /proc/meminfo");
    }

    private static long pssOf(int pid) {
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
