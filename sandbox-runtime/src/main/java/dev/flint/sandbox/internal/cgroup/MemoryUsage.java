package dev.flint.sandbox.internal.cgroup;

/**
 * A cgroup's memory figures as read after each request by {@link Cgroup#memoryUsage()}.
 *
 * @param peakBytes the highest use since the cgroup was made or its last {@link Cgroup#resetPeak()}
 * @param oomKills how many processes the OOM killer has killed in the cgroup so far
 */
public record MemoryUsage(long peakBytes, long oomKills) {}
