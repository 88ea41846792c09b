package dev.flint.sandbox.internal.cgroup;

import dev.flint.sandbox.SandboxException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

/** A cgroup v1 cgroup: one directory per hierarchy. Immutable; see {@link Cgroup} for the contract. */
final class V1Cgroup implements Cgroup {

    private final String relativePath;
    private final V1Hierarchies hierarchies;
    private final ControlFiles files;
    private final CgroupTree tree;
    private final MemoryController memory;
    /** Opened on first use; guarded by this. */
    private MemoryProbe probe;
    private final CpuController cpu;
    private final PidsController pidsController;

    V1Cgroup(String relativePath, V1Hierarchies hierarchies, ControlFiles files, CgroupTree tree) {
        this.relativePath = relativePath;
        this.hierarchies = hierarchies;
        this.files = files;
        this.tree = tree;
        this.memory = new MemoryController(CgroupVersion.V1, files);
        this.cpu = new CpuController(CgroupVersion.V1, files);
        this.pidsController = new PidsController(files);
    }

    /** Writes the limits of a cgroup just made: memory (then memsw), cpu period then quota, pids. */
    void writeLimits(CgroupLimits limits) {
        memory.applyLimit(memoryDir(), limits.memoryBytes());
        cpu.applyLimit(cpuDir(), limits.cpuQuotaMicros(), limits.effectiveCpuPeriodMicros());
        pidsController.applyLimit(pidsDir(), limits.pidsMax());
    }

    @Override
    public String relativePath() {
        return relativePath;
    }

    @Override
    public List<Path> procsFiles() {
        return dirs().stream().map(dir -> dir.resolve("cgroup.procs")).toList();
    }

    @Override
    public List<Integer> pids() {
        TreeSet<Integer> pids = new TreeSet<>();
        for (Path procs : procsFiles()) {
            pids.addAll(files.readPids(procs));
        }
        return List.copyOf(pids);
    }

    @Override
    public synchronized CgroupUsage usage() {
        MemoryUsage m = memoryUsage();
        return new CgroupUsage(m.peakBytes(), cpu.usageNanos(cpuacctDir()), m.oomKills());
    }

    @Override
    public void changeMemoryLimit(long previous, long bytes) {
        memory.changeLimit(memoryDir(), previous, bytes);
    }

    @Override
    public synchronized MemoryUsage memoryUsage() {
        MemoryProbe p = probe();
        return new MemoryUsage(p.peakBytes(), p.oomKills());
    }

    @Override
    public MemoryFiles memoryFiles() {
        return MemoryProbe.paths(CgroupVersion.V1, files, memoryDir());
    }

    @Override
    public Path taskCountFile() {
        return pidsDir().resolve("pids.current");
    }

    @Override
    public synchronized void resetPeak() {
        probe().resetPeak();
    }

    private MemoryProbe probe() {
        if (probe == null) {
            probe = MemoryProbe.open(CgroupVersion.V1, files, memoryDir());
        }
        return probe;
    }

    private synchronized void closeProbe() {
        if (probe != null) {
            probe.close();
            probe = null;
        }
    }

    /** Tries every hierarchy even when one fails, so a crash clean-up removes what it can. */
    @Override
    public void remove() {
        closeProbe();
        long deadline = CgroupTree.removalDeadline();
        SandboxException first = null;
        for (Path dir : dirs()) {
            try {
                tree.removeSubtree(dir, deadline);
            } catch (SandboxException e) {
                if (first == null) {
                    first = e;
                } else {
                    first.addSuppressed(e);
                }
            }
        }
        if (first != null) {
            throw first;
        }
    }

    @Override
    public boolean exists() {
        return dirs().stream().anyMatch(dir -> files.fs().isDirectory(dir));
    }

    @Override
    public String toString() {
        return "cgroup v1 " + relativePath;
    }

    Path memoryDir() {
        return hierarchies.memory().resolve(relativePath);
    }

    Path cpuDir() {
        return hierarchies.cpu().resolve(relativePath);
    }

    Path cpuacctDir() {
        return hierarchies.cpuacct().resolve(relativePath);
    }

    Path pidsDir() {
        return hierarchies.pids().resolve(relativePath);
    }

    /** This cgroup's directory in every hierarchy, in attach order. */
    private List<Path> dirs() {
        List<Path> dirs = new ArrayList<>();
        for (Path hierarchy : hierarchies.all()) {
            dirs.add(hierarchy.resolve(relativePath));
        }
        return dirs;
    }
}
