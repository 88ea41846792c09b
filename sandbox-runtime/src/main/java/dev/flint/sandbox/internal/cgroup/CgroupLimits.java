package dev.flint.sandbox.internal.cgroup;

import dev.flint.sandbox.SandboxException;

/**
 * Limits for one sandbox cgroup. 0 means "no limit" for each field; for {@code cpuPeriodMicros}
 * it means the kernel's default period of {@value #DEFAULT_CPU_PERIOD_MICROS} µs.
 *
 * @param memoryBytes the most memory the cgroup may use, swap included (the sandbox never swaps)
 * @param cpuQuotaMicros the CPU time the cgroup may use per period, at least 1000 µs when set
 * @param cpuPeriodMicros the length of a CPU accounting period, 1000 to 1,000,000 µs when set
 * @param pidsMax the most processes and threads that may exist in the cgroup at once
 */
public record CgroupLimits(long memoryBytes, long cpuQuotaMicros, long cpuPeriodMicros, int pidsMax) {

    /** The CFS period the kernel uses when none is given: 100 ms. */
    public static final long DEFAULT_CPU_PERIOD_MICROS = 100_000;

    private static final long MIN_CPU_MICROS = 1_000;
    private static final long MAX_CPU_PERIOD_MICROS = 1_000_000;

    /** Rejects values the kernel would refuse, before any cgroup exists. */
    public CgroupLimits {
        if (memoryBytes < 0) {
            throw invalid("memoryBytes", "must be 0 (no limit) or positive, got " + memoryBytes);
        }
        if (cpuQuotaMicros != 0 && cpuQuotaMicros < MIN_CPU_MICROS) {
            throw invalid("cpuQuotaMicros",
                    "must be 0 (no limit) or at least " + MIN_CPU_MICROS + ", got " + cpuQuotaMicros);
        }
        if (cpuPeriodMicros != 0
                && (cpuPeriodMicros < MIN_CPU_MICROS || cpuPeriodMicros > MAX_CPU_PERIOD_MICROS)) {
            throw invalid("cpuPeriodMicros", "must be 0 (default) or between " + MIN_CPU_MICROS
                    + " and " + MAX_CPU_PERIOD_MICROS + ", got " + cpuPeriodMicros);
        }
        if (pidsMax < 0) {
            throw invalid("pidsMax", "must be 0 (no limit) or positive, got " + pidsMax);
        }
    }

    /** No limit at all. */
    public static CgroupLimits none() {
        return new CgroupLimits(0, 0, 0, 0);
    }

    /** The period to write: the one given, or the kernel's default when it is 0. */
    public long effectiveCpuPeriodMicros() {
        return cpuPeriodMicros == 0 ? DEFAULT_CPU_PERIOD_MICROS : cpuPeriodMicros;
    }

    private static SandboxException.InvalidSpec invalid(String field, String message) {
        return new SandboxException.InvalidSpec(field, message,
                "give 0 for no limit, or a value the kernel accepts (see the field's doc)");
    }
}
