package dev.flint.sandbox;

/** How a run ended. Exactly one applies; the order of precedence is the order listed. */
public enum Outcome {
    /** The wall-clock timeout expired; every process of the sandbox was killed. */
    TIMED_OUT,
    /** The memory limit was hit and the kernel's OOM killer ended a process of the run. */
    OUT_OF_MEMORY,
    /** The caller asked for the run to be killed. */
    KILLED,
    /** The command could not be started: not found, not executable, or a bad working directory. */
    EXEC_FAILED,
    /** The main process died of a signal. */
    SIGNALED,
    /** The main process exited; see {@link Execution#exitCode()}. */
    EXITED
}
