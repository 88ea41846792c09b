package dev.flint.loadtests;

import dev.flint.sandbox.RuntimeConfig;
import dev.flint.sandbox.SandboxRuntime;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** What every scenario gets: the rootfs, a work dir, quick mode, progress output, raw samples. */
final class BenchContext {
    /** The cgroup below which {@link #runtime()}'s sandboxes get theirs ({@code <parent>/<runtime>/<sandbox>}). */
    static final String CGROUP_PARENT = "flint-bench";
    private final Path rootfs;
    private final Path work;
    private final boolean quick;
    private final PrintStream progress;
    private final Map<String, List<Samples>> samples = new LinkedHashMap<>();
    private long lastProgress;

    BenchContext(Path rootfs, Path work, boolean quick, PrintStream progress) {
        this.rootfs = rootfs;
        this.work = work;
        this.quick = quick;
        this.progress = progress;
    }

    Path rootfs() {
        return rootfs;
    }

    Path work() {
        return work;
    }

    boolean quick() {
        return quick;
    }

    SandboxRuntime runtime() {
        return SandboxRuntime.start(RuntimeConfig.defaults().withStateDir(work.resolve("state")).withCgroupParent(CGROUP_PARENT));
    }

    /** Prints "scenario: done/total" at most every half second. */
    void progress(String scenario, int done, int total) {
        long now = System.nanoTime();
        if (done == total || now - lastProgress > 500_000_000L) {
            lastProgress = now;
            progress.printf("  %s: %d/%d%n", scenario, done, total);
        }
    }

    void keepSamples(String scenario, List<Samples> s) {
        samples.put(scenario, s);
    }

    Map<String, List<Samples>> samples() {
        return samples;
    }
}
