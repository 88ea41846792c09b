package dev.flint.sandbox.internal.cgroup;

/**
 * What a cgroup used, read in one go by {@link Cgroup#usage()}.
 *
 * @param peakMemoryBytes the highest memory use since the cgroup was made or since the last
 *     {@link Cgroup#resetPeak()} (on v2 kernels older than 6.12 the reset is not possible, so it is
 *     the peak since creation)
 * @param cpuNanos the CPU time used by every process that was ever in the cgroup, in nanoseconds
 * @param oomKills how many processes the kernel's OOM killer has killed in the cgroup so far
 */
public record CgroupUsage(long peakMemoryBytes, long cpuNanos, long oomKills) {}
