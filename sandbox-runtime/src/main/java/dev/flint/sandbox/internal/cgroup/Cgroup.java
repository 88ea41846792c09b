package dev.flint.sandbox.internal.cgroup;

import java.nio.file.Path;
import java.util.List;

/**
 * One cgroup, in every hierarchy it lives in (v1: one directory per controller; v2: one directory).
 * Get it from {@link CgroupDriver#create} or {@link CgroupDriver#open}.
 *
 * <p>Thread-safety: instances are immutable handles that cache nothing, so every method may be
 * called from any thread; each call reads or writes the control files afresh. Calling
 * {@link #remove()} while another thread attaches processes is the caller's race to avoid.
 *
 * <p>The owner must call {@link #remove()} once the last process in the cgroup is gone.
 */
public interface Cgroup {

    /** The path below the cgroup root(s), e.g. {@code flint/rt-1/sb-2}. */
    String relativePath();

    /**
     * The cgroup.procs file of every hierarchy of this cgroup (v1: memory, cpu, cpuacct and pids,
     * each once; v2: one). A process is attached by writing its pid to each.
     */
    List<Path> procsFiles();

    /** Pids now in the cgroup, the union over hierarchies, sorted; empty when it does not exist. */
    List<Integer> pids();

    /** Peak memory, CPU time and OOM kills, read now. */
    CgroupUsage usage();

    /** Peak memory and OOM kills, through control files kept open (it is read after every request). */
    MemoryUsage memoryUsage();

    /** The files {@link #memoryUsage} reads, for a sandbox's init to read itself after each run. */
    MemoryFiles memoryFiles();

    /**
     * The pids controller's count of the tasks in the cgroup ({@code pids.current}), which a
     * sandbox's init reads to tell whether any process but itself is left.
     */
    Path taskCountFile();

    /**
     * Restarts the peak-memory count. v1 always can; v2 only on kernels 6.12 and later, elsewhere
     * this does nothing.
     */
    void resetPeak();

    /** Changes the memory limit (swap included) of the cgroup in use from {@code previous} to {@code bytes}. */
    void changeMemoryLimit(long previous, long bytes);

    /**
     * Removes the cgroup (and any child cgroups below it) in every hierarchy, deepest first. A
     * cgroup whose last process is still exiting is busy for a moment: this retries for about
     * 2 s, then throws {@link dev.flint.sandbox.SandboxException.Failed} listing the pids still
     * there. Removing a cgroup that does not exist is not an error.
     */
    void remove();

    /** Whether the cgroup's directory exists (v1: in at least one hierarchy). */
    boolean exists();
}
