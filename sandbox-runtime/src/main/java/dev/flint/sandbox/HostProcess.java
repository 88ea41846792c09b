package dev.flint.sandbox;

import dev.flint.sandbox.internal.sys.LinuxSyscalls;
import dev.flint.sandbox.internal.sys.Syscalls;
import java.time.Duration;

/**
 * A plain host process, started with posix_spawn (fork+exec) from this JVM with no isolation at
 * all: the floor that sandbox runs are measured against, and the way benchmarks start peers
 * (crun, bwrap) on the same footing. Not for running untrusted code.
 */
public final class HostProcess {
    private static final Syscalls SYS = new LinuxSyscalls();

    private HostProcess() {
    }

    /**
     * How a host process went.
     *
     * @param timeToFirstOutput from just before the spawn to the first stdout byte; null if none came
     * @param wallTime from just before the spawn until the process was reaped
     * @param stdout everything it printed, up to 64 KiB
     * @param status its wait status
     */
    public record Result(Duration timeToFirstOutput, Duration wallTime, byte[] stdout, int status) {}

    /** Runs {@code argv} with an empty stdin and stderr on /dev/null, to its end. */
    public static Result run(String path, String[] argv, String[] env) {
        int[] out = SYS.pipe();
        long start = System.nanoTime();
        int pid;
        try {
            pid = SYS.spawnWithStdio(path, argv, env, -1, out[1], -1);
        } finally {
            SYS.close(out[1]);
        }
        byte[] buffer = new byte[65536];
        int total = 0;
        long first = -1;
        try {
            while (total < buffer.length) {
                byte[] chunk = new byte[buffer.length - total];
                int n = SYS.read(out[0], chunk, chunk.length);
                if (n == 0) {
                    break;
                }
                if (first < 0) {
                    first = System.nanoTime() - start;
                }
                System.arraycopy(chunk, 0, buffer, total, n);
                total += n;
            }
        } finally {
            SYS.close(out[0]);
        }
        int status = SYS.waitpid(pid);
        long wall = System.nanoTime() - start;
        return new Result(first < 0 ? null : Duration.ofNanos(first), Duration.ofNanos(wall),
                java.util.Arrays.copyOf(buffer, total), status);
    }
}
