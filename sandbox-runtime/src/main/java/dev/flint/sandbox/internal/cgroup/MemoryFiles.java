package dev.flint.sandbox.internal.cgroup;

import java.nio.file.Path;

/**
 * A cgroup's memory files read after every run: its peak use since the last reset, and the file
 * whose "oom_kill N" line counts its OOM kills (v1 memory.oom_control, v2 memory.events).
 */
public record MemoryFiles(Path peak, Path events) {}
