package dev.flint.sandbox.internal.cgroup;

import java.nio.file.Path;

/**
 * The memory controller's limit (swap included), set at creation and changed later; the peak and
 * OOM kills are read through {@link MemoryProbe}, which keeps those files open. Knows both
 * versions' file names; every method takes the cgroup's directory in the memory hierarchy (v1) or
 * its only directory (v2). Thread-safe (stateless).
 */
final class MemoryController {

    private final CgroupVersion version;
    private final ControlFiles files;

    MemoryController(CgroupVersion version, ControlFiles files) {
        this.version = version;
        this.files = files;
    }

    /** Limits memory to {@code bytes} (0 = no limit) and keeps the cgroup off swap. */
    void applyLimit(Path dir, long bytes) {
        if (version == CgroupVersion.V1) {
            String value = bytes == 0 ? "-1" : Long.toString(bytes);
            // memory before memsw: the kernel refuses a memsw limit below the memory limit.
            files.write(dir.resolve("memory.limit_in_bytes"), value);
            Path memsw = dir.resolve("memory.memsw.limit_in_bytes");
            if (files.exists(memsw)) {
                files.write(memsw, value); // memory + swap = memory: no swap, as OpenWhisk does
            }
        } else {
            files.write(dir.resolve("memory.max"), bytes == 0 ? "max" : Long.toString(bytes));
            Path swap = dir.resolve("memory.swap.max");
            if (files.exists(swap)) {
                files.write(swap, "0");
            }
        }
    }

    /**
     * Changes the limit of a cgroup in use from {@code previous} to {@code bytes} (both non-zero).
     * On v1 the memory+swap limit may never be below the memory limit, so going up it is raised
     * first, and going down lowered last.
     */
    void changeLimit(Path dir, long previous, long bytes) {
        if (version == CgroupVersion.V2 || bytes <= previous) {
            applyLimit(dir, bytes);
            return;
        }
        Path memsw = dir.resolve("memory.memsw.limit_in_bytes");
        if (files.exists(memsw)) {
            files.write(memsw, Long.toString(bytes));
        }
        files.write(dir.resolve("memory.limit_in_bytes"), Long.toString(bytes));
    }
}
