package dev.flint.sandbox.internal.cgroup;

import java.nio.file.Path;
import java.util.List;

/** A cgroup v2 cgroup: one directory holding every controller's files. Immutable; see {@link Cgroup}. */
final class V2Cgroup implements Cgroup {

    private final String relativePath;
    private final Path dir;
    private final ControlFiles files;
    private final CgroupTree tree;
    private final MemoryController memory;
    /** Opened on first use; guarded by this. */
    private MemoryProbe probe;
    private final CpuController cpu;
    private final PidsController pids;

    V2Cgroup(String relativePath, Path dir, ControlFiles files, CgroupTree tree) {
        this.relativePath = relativePath;
        this.dir = dir;
        this.files = files;
        this.tree = tree;
        this.memory = new MemoryController(CgroupVersion.V2, files);
        this.cpu = new CpuController(CgroupVersion.V2, files);
        this.pids = new PidsController(files);
    }

    /** Writes the limits of a cgroup just made: memory.max and memory.swap.max, cpu.max, pids.max. */
    void writeLimits(CgroupLimits limits) {
        memory.applyLimit(dir, limits.memoryBytes());
        cpu.applyLimit(dir, limits.cpuQuotaMicros(), limits.effectiveCpuPeriodMicros());
        pids.applyLimit(dir, limits.pidsMax());
    }

    Path dir() {
        return dir;
    }

    @Override
    public String relativePath() {
        return relativePath;
    }

    @Override
    public List<Path> procsFiles() {
        return List.of(dir.resolve("cgroup.procs"));
    }

    @Override
    public List<Integer> pids() {
        return files.readPids(dir.resolve("cgroup.procs")).stream().sorted().distinct().toList();
    }

    @Override
    public synchronized CgroupUsage usage() {
        MemoryUsage m = memoryUsage();
        return new CgroupUsage(m.peakBytes(), cpu.usageNanos(dir), m.oomKills());
    }

    @Override
    public void changeMemoryLimit(long previous, long bytes) {
        memory.changeLimit(dir, previous, bytes);
    }

    @Override
    public synchronized MemoryUsage memoryUsage() {
        MemoryProbe p = probe();
        return new MemoryUsage(p.peakBytes(), p.oomKills());
    }

    @Override
    public MemoryFiles memoryFiles() {
        return MemoryProbe.paths(CgroupVersion.V2, files, dir);
    }

    @Override
    public Path taskCountFile() {
        return dir.resolve("pids.current");
    }

    @Override
    public synchronized void resetPeak() {
        probe().resetPeak();
    }

    private MemoryProbe probe() {
        if (probe == null) {
            probe = MemoryProbe.open(CgroupVersion.V2, files, dir);
        }
        return probe;
    }

    private synchronized void closeProbe() {
        if (probe != null) {
            probe.close();
            probe = null;
        }
    }

    @Override
    public void remove() {
        closeProbe();
        tree.removeSubtree(dir, CgroupTree.removalDeadline());
    }

    @Override
    public boolean exists() {
        return files.fs().isDirectory(dir);
    }

    @Override
    public String toString() {
        return "cgroup v2 " + relativePath;
    }
}
