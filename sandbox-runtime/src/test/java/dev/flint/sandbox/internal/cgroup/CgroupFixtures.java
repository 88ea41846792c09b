package dev.flint.sandbox.internal.cgroup;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Cgroup roots laid out in temporary directories. A hierarchy's root lists the control files its
 * child cgroups get (see {@link FixtureCgroupFs#mkdir}), so a test shapes a "kernel" by choosing
 * them, e.g. no memory.memsw.limit_in_bytes for a kernel without swap accounting.
 */
final class CgroupFixtures {

    static final String[] MEMORY_V1 = {"memory.limit_in_bytes", "memory.memsw.limit_in_bytes",
        "memory.max_usage_in_bytes", "memory.usage_in_bytes", "memory.oom_control"};
    static final String[] CPU_V1 = {"cpu.cfs_period_us", "cpu.cfs_quota_us", "cpu.shares"};
    static final String[] CPUACCT_V1 = {"cpuacct.usage", "cpuacct.stat"};
    static final String[] PIDS_V1 = {"pids.max", "pids.current"};
    static final String[] FREEZER_V1 = {"freezer.state"};
    static final String[] V2_FILES = {"cgroup.subtree_control", "memory.max", "memory.swap.max",
        "memory.peak", "memory.current", "memory.events", "cpu.max", "cpu.stat", "pids.max", "pids.current"};

    private CgroupFixtures() {}

    /**
     * The layout of the Debian 12 build host: v1 memory (with memsw), cpu, cpuacct, pids and freezer
     * each mounted on its own, plus a cgroup2 at unified that owns no useful controller.
     */
    static Path hybridHost(Path root) {
        hierarchy(root, "memory", MEMORY_V1);
        hierarchy(root, "cpu", CPU_V1);
        hierarchy(root, "cpuacct", CPUACCT_V1);
        hierarchy(root, "pids", PIDS_V1);
        hierarchy(root, "freezer", FREEZER_V1);
        hierarchy(root, "unified", "cgroup.controllers", "cgroup.subtree_control");
        write(root.resolve("unified/cgroup.controllers"), "hugetlb\n");
        return root;
    }

    /** A v1 host whose cpu and cpuacct share the mount cpu,cpuacct, reached through two symlinks. */
    static Path jointCpuHost(Path root, boolean withSymlinks) {
        hierarchy(root, "memory", MEMORY_V1);
        hierarchy(root, "cpu,cpuacct", concat(CPU_V1, CPUACCT_V1));
        hierarchy(root, "pids", PIDS_V1);
        if (withSymlinks) {
            try {
                Files.createSymbolicLink(root.resolve("cpu"), Path.of("cpu,cpuacct"));
                Files.createSymbolicLink(root.resolve("cpuacct"), Path.of("cpu,cpuacct"));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return root;
    }

    /** A pure v2 host: cgroup2 at the root, with these controllers available and none enabled yet. */
    static Path v2Host(Path root, String controllers) {
        hierarchy(root, ".", concat(new String[] {"cgroup.controllers"}, V2_FILES));
        write(root.resolve("cgroup.controllers"), controllers + "\n");
        return root;
    }

    /** A mounted hierarchy: a directory with cgroup.procs and the given control files, all empty. */
    static void hierarchy(Path root, String name, String... controlFiles) {
        try {
            Path dir = Files.createDirectories(root.resolve(name));
            Files.createFile(dir.resolve("cgroup.procs"));
            for (String file : controlFiles) {
                Files.createFile(dir.resolve(file));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static void write(Path file, String content) {
        try {
            Files.writeString(file, content);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static void delete(Path file) {
        try {
            Files.delete(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String[] concat(String[] a, String[] b) {
        String[] all = new String[a.length + b.length];
        System.arraycopy(a, 0, all, 0, a.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        return all;
    }
}
