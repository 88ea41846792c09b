package dev.flint.sandbox.internal.cgroup;

import dev.flint.sandbox.SandboxException;
import java.nio.file.Path;

/**
 * The CPU bandwidth limit and CPU time used. On v1 the limit lives in the cpu hierarchy and the
 * usage in cpuacct (which may be the same joint mount); callers pass the matching directory. On v2
 * both are in the cgroup's only directory. Thread-safe (stateless).
 */
final class CpuController {

    private final CgroupVersion version;
    private final ControlFiles files;

    CpuController(CgroupVersion version, ControlFiles files) {
        this.version = version;
        this.files = files;
    }

    /**
     * Allows {@code quotaMicros} of CPU time per {@code periodMicros} (quota 0 = no limit).
     * {@code dir} is the cgroup's directory in the cpu hierarchy (v1) or its only directory (v2).
     */
    void applyLimit(Path dir, long quotaMicros, long periodMicros) {
        if (version == CgroupVersion.V1) {
            // period first, so the kernel checks and applies the quota against the period we want.
            files.write(dir.resolve("cpu.cfs_period_us"), Long.toString(periodMicros));
            files.write(dir.resolve("cpu.cfs_quota_us"), quotaMicros == 0 ? "-1" : Long.toString(quotaMicros));
        } else {
            String quota = quotaMicros == 0 ? "max" : Long.toString(quotaMicros);
            files.write(dir.resolve("cpu.max"), quota + " " + periodMicros);
        }
    }

    /**
     * CPU time used, in nanoseconds. {@code dir} is the cgroup's directory in the cpuacct
     * hierarchy (v1) or its only directory (v2).
     */
    long usageNanos(Path dir) {
        if (version == CgroupVersion.V1) {
            return files.readLong(dir.resolve("cpuacct.usage"));
        }
        Path stat = dir.resolve("cpu.stat");
        long micros = files.readKeyed(stat, "usage_usec").orElseThrow(() -> new SandboxException.Failed(
                "no usage_usec line in " + stat, "check that the kernel provides cgroup v2 cpu.stat"));
        return micros * 1_000;
    }
}
