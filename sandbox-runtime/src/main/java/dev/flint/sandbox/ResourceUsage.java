package dev.flint.sandbox;

import java.time.Duration;

/**
 * What a run used.
 *
 * @param peakMemoryBytes the sandbox cgroup's memory high-water mark during the run: every process
 *     of the run, its scratch files (tmpfs pages are memory) and the page cache it caused
 * @param cpuTime user plus system CPU time of every process of the run (they are all reaped by the
 *     sandbox's init, so orphans count too)
 */
public record ResourceUsage(long peakMemoryBytes, Duration cpuTime) {}
