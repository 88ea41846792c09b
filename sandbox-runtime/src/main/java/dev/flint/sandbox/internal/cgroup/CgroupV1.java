package dev.flint.sandbox.internal.cgroup;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.TreeSet;

/**
 * cgroup v1: one hierarchy per controller, each cgroup a directory of the same relative path in
 * every hierarchy (memory, cpu, cpuacct unless joint with cpu, and pids).
 * Immutable and thread-safe; see {@link CgroupDriver} for the contract.
 */
public final class CgroupV1 implements CgroupDriver {

    private final V1Hierarchies hierarchies;
    private final ControlFiles files;
    private final CgroupTree tree;

    /** The v1 hierarchies under {@code root} (e.g. /sys/fs/cgroup); throws HostUnsupported if some are missing. */
    public CgroupV1(Path root) {
        this(V1Hierarchies.locate(root, CgroupFs.host()), CgroupFs.host());
    }

    CgroupV1(V1Hierarchies hierarchies, CgroupFs fs) {
        this.hierarchies = hierarchies;
        this.files = new ControlFiles(fs);
        this.tree = new CgroupTree(files);
    }

    @Override
    public CgroupVersion version() {
        return CgroupVersion.V1;
    }

    /**
     * Makes the directory in every hierarchy, then writes the limits: memory.limit_in_bytes and
     * memory.memsw.limit_in_bytes (when the kernel has swap accounting), cpu.cfs_period_us and
     * cpu.cfs_quota_us, pids.max.
     */
    @Override
    public Cgroup create(String relativePath, CgroupLimits limits) {
        CgroupTree.checkRelativePath(relativePath);
        Objects.requireNonNull(limits, "limits");
        V1Cgroup cgroup = new V1Cgroup(relativePath, hierarchies, files, tree);
        List<Path> created = new ArrayList<>();
        try {
            for (Path hierarchy : hierarchies.all()) {
                created.addAll(tree.makeDirs(hierarchy, relativePath));
            }
            cgroup.writeLimits(limits);
            return cgroup;
        } catch (RuntimeException e) {
            tree.removeCreated(created, e);
            throw e;
        }
    }

    @Override
    public Cgroup open(String relativePath) {
        return new V1Cgroup(CgroupTree.checkRelativePath(relativePath), hierarchies, files, tree);
    }

    @Override
    public List<String> children(String relativePath) {
        CgroupTree.checkRelativePath(relativePath);
        TreeSet<String> names = new TreeSet<>();
        for (Path hierarchy : hierarchies.forChildren()) {
            names.addAll(tree.childNames(hierarchy.resolve(relativePath)));
        }
        return List.copyOf(names);
    }

    @Override
    public void removeIfEmpty(String relativePath) {
        CgroupTree.checkRelativePath(relativePath);
        for (Path hierarchy : hierarchies.all()) {
            tree.tryRemove(hierarchy.resolve(relativePath));
        }
    }
}
