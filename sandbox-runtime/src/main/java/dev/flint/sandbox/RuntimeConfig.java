package dev.flint.sandbox;

import java.nio.file.Path;

/**
 * Where a {@link SandboxRuntime} keeps its things.
 *
 * @param stateDir runtime claims and init mount points; leftovers of crashed runtimes are found here
 * @param cgroupRoot where cgroupfs is mounted (a v2 mount, or the directory holding the v1 hierarchies)
 * @param cgroupParent the cgroup below which every runtime makes {@code <runtime>/<sandbox>}
 */
public record RuntimeConfig(Path stateDir, Path cgroupRoot, String cgroupParent) {

    public static RuntimeConfig defaults() {
        return new RuntimeConfig(Path.of("/run/flint/sandboxes"), Path.of("/sys/fs/cgroup"), "flint");
    }

    public RuntimeConfig withStateDir(Path dir) {
        return new RuntimeConfig(dir, cgroupRoot, cgroupParent);
    }

    public RuntimeConfig withCgroupParent(String parent) {
        return new RuntimeConfig(stateDir, cgroupRoot, parent);
    }
}
