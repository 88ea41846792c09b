package dev.flint.loadtests;

import dev.flint.images.BaseImages;
import dev.flint.images.ImageStore;
import dev.flint.invoker.FunctionSpec;
import dev.flint.invoker.Invoker;
import dev.flint.invoker.InvokerConfig;
import dev.flint.invoker.Limits;
import dev.flint.pool.FunctionKey;
import dev.flint.pool.ImageLayers;
import dev.flint.pool.PoolConfig;
import dev.flint.sandbox.SandboxRuntime;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

/**
 * Host memory of idle warm Python sandboxes (issue #10, W6): N distinct Python no-ops (each with
 * code of its own) are invoked once each, by {@value #CALLERS} threads, on an invoker without stem
 * cells (so every sandbox under the runtime's cgroup is one of the N) and with a budget and an idle
 * TTL that keep them all; each then holds a started interpreter with its function loaded. Measured:
 * the memory usage of the runtime's cgroup (cgroup v1 {@code memory.usage_in_bytes}, v2
 * {@code memory.current}, which count every cgroup below it: the sandboxes' processes' pages, the
 * page cache and kernel memory charged to them, the zygote's, and what retired zygotes' copies
 * still share, charged to their removed cgroups: ADR 0015's addendum), and the growth of the
 * host's used memory as {@link IdleMemoryScenario} counts it. Baseline for scale: the PSS of one
 * idle host {@code python3}.
 */
final class IdlePythonScenario implements Scenario {
    private static final int CALLERS = 4;
    private static final long MIB = 1L << 20;
    private static final long TARGET_PER_SANDBOX = 4 * MIB;

    @Override
    public String name() {
        return "idle-python";
    }

    @Override
    public List<Metric> run(BenchContext ctx) throws Exception {
        int n = ctx.quick() ? 50 : 1000;
        ImageLayers python = InvokerBench.image(InvokerBench.baseStore(), BaseImages.PYTHON);
        ImageStore codeStore = InvokerBench.codeStore(ctx, name());
        List<FunctionSpec> functions = new ArrayList<>();
        Limits limits = Limits.defaults().withMemoryBytes(128 * MIB);
        for (int i = 0; i < n; i++) {
            Path code = InvokerBench.codeLayer(codeStore, "main.py", "# function " + i + "\ndef main(args):\n    return {}\n");
            functions.add(FunctionSpec.python(FunctionKey.parse("bench/idle-py-" + i), "r1", python, code, "main.py", limits));
            ctx.progress(name() + " code layers", i + 1, n);
        }
        long hostPythonPss = idleHostPythonPss();
        InvokerConfig config = InvokerConfig.defaults(python).withSandboxMemory(128 * MIB, 16 * MIB)
                .withPool(PoolConfig.defaults().withStemCells(0, 0).withIdleTtl(Duration.ofHours(2)).withMemoryBudget(1L << 40));
        long cgroupBytes;
        long zygoteBytes;
        long hostGrowth;
        long pss;
        int sandboxes;
        long took;
        try (SandboxRuntime rt = ctx.runtime();
             Invoker invoker = Invoker.start(rt, config, new SimpleMeterRegistry())) {
            System.gc();
            Thread.sleep(300);
            long before = IdleMemoryScenario.usedMemory();
            long t0 = System.nanoTime();
            invokeEachOnce(ctx, invoker, functions);
            took = System.nanoTime() - t0;
            Thread.sleep(1000); // let the last answers' pages and the kernel's deferred work settle
            hostGrowth = IdleMemoryScenario.usedMemory() - before;
            List<Path> all = runtimeCgroups();
            // a zygote's cgroup (ADR 0015) holds the pages its copies share: counted in the total
            List<Path> zygotes = all.stream().filter(c -> c.getFileName().toString().startsWith("zygote-")).toList();
            List<Path> cgroups = all.stream().filter(c -> !zygotes.contains(c)).toList();
            sandboxes = cgroups.size();
            if (sandboxes != n || invoker.poolSnapshot().idleWarm() != n) {
                throw new IllegalStateException("expected " + n + " idle warm sandboxes, found " + sandboxes
                        + " memory cgroups and " + invoker.poolSnapshot());
            }
            zygoteBytes = 0;
            for (Path cg : zygotes) {
                zygoteBytes += usage(cg);
            }
            cgroupBytes = 0;
            for (Path runtime : all.stream().map(Path::getParent).distinct().toList()) {
                cgroupBytes += usage(runtime); // hierarchical: retired zygotes' pages are counted only here
            }
            pss = 0;
            for (Path cg : all) {
                for (String pid : Files.readAllLines(cg.resolve("cgroup.procs"))) {
                    pss += IdleMemoryScenario.pssOf(Integer.parseInt(pid.trim()));
                }
            }
        }
        System.err.printf("  %s: %d sandboxes made and invoked in %.1f s%n", name(), n, took / 1e9);
        double perKiB = cgroupBytes / 1024.0 / n;
        double growthKiB = hostGrowth / 1024.0 / n;
        double baseKiB = hostPythonPss / 1024.0;
        long targetTotal = n * TARGET_PER_SANDBOX;
        return List.of(
                new Metric(name(), "memory cgroup usage per idle warm Python sandbox (the runtime's cgroup / " + n
                        + ", the current zygote's " + Math.round(zygoteBytes / 1024.0) + " KiB included; PSS of the processes "
                        + Math.round(pss / 1024.0 / n) + " KiB)", perKiB, "KiB",
                        "PSS of one idle host python3", baseKiB, perKiB / baseKiB, "<= 4096 KiB per sandbox (4 GiB per 1000)",
                        cgroupBytes <= targetTotal),
                new Metric(name(), "memory cgroup usage of " + n + " idle warm Python sandboxes, total", cgroupBytes / (double) MIB,
                        "MiB", n + " x PSS of one idle host python3", n * baseKiB / 1024.0, cgroupBytes / (n * (double) hostPythonPss),
                        "<= " + (targetTotal / MIB) + " MiB (4 GiB per 1000)", cgroupBytes <= targetTotal),
                new Metric(name(), "host used memory (/proc/meminfo) growth per idle warm Python sandbox", growthKiB, "KiB",
                        "PSS of one idle host python3", baseKiB, growthKiB / baseKiB, "<= 4096 KiB per sandbox (4 GiB per 1000)",
                        hostGrowth <= targetTotal));
    }

    /** Invokes each function once from {@value #CALLERS} threads; each leaves its sandbox warm. */
    private void invokeEachOnce(BenchContext ctx, Invoker invoker, List<FunctionSpec> functions) throws Exception {
        AtomicInteger next = new AtomicInteger();
        AtomicInteger done = new AtomicInteger();
        ExecutorService callers = Executors.newFixedThreadPool(CALLERS);
        try {
            List<Future<?>> jobs = new ArrayList<>();
            for (int t = 0; t < CALLERS; t++) {
                jobs.add(callers.submit(() -> {
                    for (int i = next.getAndIncrement(); i < functions.size(); i = next.getAndIncrement()) {
                        InvokerBench.succeeded(invoker.invoke(InvokerBench.invocation(functions.get(i))));
                        int d = done.incrementAndGet();
                        synchronized (ctx) {
                            ctx.progress(name(), d, functions.size());
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> j : jobs) {
                j.get();
            }
        } finally {
            callers.shutdownNow();
        }
    }

    /** The sandboxes' and zygotes' memory cgroups: {@code <parent>/<runtime>/<child>} in the memory hierarchy. */
    private static List<Path> runtimeCgroups() throws IOException {
        Path parent = memoryHierarchy().resolve(BenchContext.CGROUP_PARENT);
        List<Path> leaves = new ArrayList<>();
        try (Stream<Path> runtimes = Files.list(parent)) {
            for (Path runtime : runtimes.filter(Files::isDirectory).toList()) {
                try (Stream<Path> sandboxes = Files.list(runtime)) {
                    sandboxes.filter(Files::isDirectory).forEach(leaves::add);
                }
            }
        }
        return leaves;
    }

    private static Path memoryHierarchy() {
        Path v1 = Path.of("/sys/fs/cgroup/memory");
        return Files.isDirectory(v1) ? v1 : Path.of("/sys/fs/cgroup");
    }

    private static long usage(Path cgroup) throws IOException {
        Path v1 = cgroup.resolve("memory.usage_in_bytes");
        return Long.parseLong(Files.readString(Files.exists(v1) ? v1 : cgroup.resolve("memory.current")).trim());
    }

    /** PSS of a host python3 started with no script, idle on its stdin. */
    private static long idleHostPythonPss() throws IOException, InterruptedException {
        Process p = new ProcessBuilder(RawPythonLoop.PYTHON, "-c", "import sys; sys.stdin.readline()")
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        try {
            Thread.sleep(500);
            long pss = IdleMemoryScenario.pssOf((int) p.pid());
            if (pss == 0) {
                throw new IllegalStateException("no PSS for the host python3 (pid " + p.pid() + ")");
            }
            return pss;
        } finally {
            p.getOutputStream().close();
            p.waitFor();
        }
    }
}
