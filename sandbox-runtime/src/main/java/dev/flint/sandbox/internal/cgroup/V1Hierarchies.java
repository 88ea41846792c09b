package dev.flint.sandbox.internal.cgroup;

import dev.flint.sandbox.SandboxException;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Where each cgroup v1 controller is mounted under a cgroup root. cpu and cpuacct are either two
 * mounts or one joint {@code cpu,cpuacct} mount (often reached through {@code cpu} and
 * {@code cpuacct} symlinks); in the joint case both fields hold the same path. A hierarchy counts
 * as mounted when its directory lists cgroup.procs, which an empty mount point does not.
 *
 */
record V1Hierarchies(Path memory, Path cpu, Path cpuacct, Path pids) {

    /** Finds the hierarchies under {@code root}, or throws HostUnsupported naming the missing ones. */
    static V1Hierarchies locate(Path root, CgroupFs fs) {
        Path memory = mounted(root, fs, "memory");
        Path cpu = mounted(root, fs, "cpu", "cpu,cpuacct", "cpuacct,cpu");
        Path cpuacct = mounted(root, fs, "cpuacct", "cpu,cpuacct", "cpuacct,cpu");
        Path pids = mounted(root, fs, "pids");
        List<String> missing = new ArrayList<>();
        if (memory == null) {
            missing.add("memory");
        }
        if (cpu == null) {
            missing.add("cpu");
        }
        if (cpuacct == null) {
            missing.add("cpuacct");
        }
        if (pids == null) {
            missing.add("pids");
        }
        if (missing.size() == 1) {
            throw new SandboxException.HostUnsupported("cgroup v1 " + missing.get(0)
                    + " controller not mounted at " + root.resolve(missing.get(0)),
                    "mount it or run on a cgroup v2 host");
        }
        if (!missing.isEmpty()) {
            throw new SandboxException.HostUnsupported("cgroup v1 controllers "
                    + String.join(", ", missing) + " not mounted under " + root,
                    "mount them or run on a cgroup v2 host");
        }
        if (sameDirectory(fs, cpu, cpuacct)) {
            cpuacct = cpu;
        }
        return new V1Hierarchies(memory, cpu, cpuacct, pids);
    }

    /**
     * Every distinct hierarchy, in the order processes are attached: memory first, so what the
     * process allocates next is charged to the sandbox.
     */
    List<Path> all() {
        // Not freezer: sandboxes end their processes with kill(-1) from their init (ADR 0002),
        // and every hierarchy costs a mkdir, an attach and an rmdir per sandbox.
        return List.copyOf(new LinkedHashSet<>(List.of(memory, cpu, cpuacct, pids)));
    }

    /** The hierarchies whose child cgroups {@link CgroupDriver#children} reports. */
    List<Path> forChildren() {
        return List.of(memory, pids, cpu);
    }

    private static Path mounted(Path root, CgroupFs fs, String... candidates) {
        for (String name : candidates) {
            Path dir = root.resolve(name);
            if (fs.exists(dir.resolve("cgroup.procs"))) {
                return dir;
            }
        }
        return null;
    }

    private static boolean sameDirectory(CgroupFs fs, Path a, Path b) {
        try {
            return fs.realPath(a).equals(fs.realPath(b));
        } catch (IOException e) {
            throw new SandboxException.HostUnsupported("cannot resolve " + a + " and " + b + ": "
                    + ControlFiles.reason(e), "check the cgroup v1 mounts of cpu and cpuacct", e);
        }
    }
}
