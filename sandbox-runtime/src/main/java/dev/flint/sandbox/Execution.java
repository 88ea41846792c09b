package dev.flint.sandbox;

import java.time.Duration;

/**
 * The result of one run. Captured output is empty when the spec streamed it to sinks instead.
 *
 * @param outcome how it ended
 * @param exitCode the main process's exit code when {@link Outcome#EXITED}, else -1
 * @param signal the signal that ended the main process, else 0
 * @param error why the command could not start, for {@link Outcome#EXEC_FAILED}; else empty
 * @param stdout captured standard output, at most the output limit
 * @param stderr captured standard error
 * @param outputTruncated whether output beyond the limit was dropped
 * @param usage peak memory and CPU time
 * @param wallTime from the request to the moment every process of the run was gone
 * @param timeToFirstOutput from the request to the first byte on stdout or stderr; null when none came
 */
public record Execution(
        Outcome outcome,
        int exitCode,
        int signal,
        String error,
        byte[] stdout,
        byte[] stderr,
        boolean outputTruncated,
        ResourceUsage usage,
        Duration wallTime,
        Duration timeToFirstOutput) {

    public String stdoutText() {
        return new String(stdout, java.nio.charset.StandardCharsets.UTF_8);
    }

    public String stderrText() {
        return new String(stderr, java.nio.charset.StandardCharsets.UTF_8);
    }

    /** The status a shell would report: the exit code, 128+signal, 124 for a timeout, 126/127 for exec failures. */
    public int shellStatus() {
        return switch (outcome) {
            case EXITED -> exitCode;
            case SIGNALED, OUT_OF_MEMORY, KILLED -> 128 + (signal == 0 ? 9 : signal);
            case TIMED_OUT -> 124;
            case EXEC_FAILED -> error.contains("No such file") ? 127 : 126;
        };
    }
}
