package dev.flint.sandbox.internal.cgroup;

import java.nio.file.Path;
import java.util.List;

/**
 * Makes and finds cgroups below one cgroup root: {@link CgroupV1} (one hierarchy per controller)
 * or {@link CgroupV2} (the unified hierarchy). {@link #detect} picks the one the host offers.
 *
 * <p>Thread-safety: implementations are immutable and thread-safe. Concurrent {@link #create}
 * calls for different paths may share parents; a second create of the same path fails.
 *
 * <p>Relative paths are slash-separated names below the root ({@code flint/rt-1/sb-2}); each name
 * is letters, digits, {@code . _ -}, not starting with a dot or a dash. Other paths are rejected
 * with {@link dev.flint.sandbox.SandboxException.InvalidSpec}.
 */
public interface CgroupDriver {

    /**
     * v2 when {@code <root>/cgroup.controllers} exists and lists memory, cpu and pids; else v1
     * when memory, cpu, cpuacct (or a joint cpu,cpuacct) and pids hierarchies are mounted under
     * root; else {@link dev.flint.sandbox.SandboxException.HostUnsupported} naming what is missing.
     */
    static CgroupDriver detect(Path cgroupRoot) {
        return CgroupDetection.detect(cgroupRoot, CgroupFs.host());
    }

    CgroupVersion version();

    /**
     * Creates {@code relativePath}, parents as needed, in every hierarchy it needs, and writes the
     * limits. The cgroup itself must not exist yet. On failure, removes every directory this call
     * created and throws.
     */
    Cgroup create(String relativePath, CgroupLimits limits);

    /** An existing cgroup, e.g. for clean-up after a crash; writes nothing and checks nothing. */
    Cgroup open(String relativePath);

    /**
     * Names of the direct child cgroups of {@code relativePath}, sorted; empty if it does not exist.
     * v1: the union over the memory, pids and cpu hierarchies.
     */
    List<String> children(String relativePath);

    /**
     * Removes {@code relativePath} in every hierarchy where it is empty (no processes, no child
     * cgroups), leaving it alone where it is not: for parents several runtimes share.
     */
    void removeIfEmpty(String relativePath);
}
