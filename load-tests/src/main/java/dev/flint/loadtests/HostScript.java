package dev.flint.loadtests;

import dev.flint.sandbox.internal.sys.LinuxSyscalls;
import dev.flint.sandbox.internal.sys.Syscalls;

/**
 * The exec-mode floor: posix_spawn (fork+exec) of a host process from this JVM, no isolation,
 * its stdin a pipe holding the request, its stdout read to the end, then reaped. It is what exec
 * mode does for one invocation with the sandbox taken away. {@code HostProcess} gives its
 * processes an empty stdin, so this uses the runtime's {@code Syscalls} (whose
 * {@code spawnWithStdio} exists for benchmarks' baselines) directly.
 */
final class HostScript {
    private static final Syscalls SYS = new LinuxSyscalls();

    private HostScript() {
    }

    /** Runs {@code argv} with {@code stdin} on its stdin to its end; returns the wall time in ns and fails unless it exits 0. */
    static long run(String path, String[] argv, byte[] stdin) {
        int[] in = SYS.pipe();
        int[] out = SYS.pipe();
        long start = System.nanoTime();
        int pid;
        try {
            pid = SYS.spawnWithStdio(path, argv, Peers.ENV, in[0], out[1], -1);
        } finally {
            SYS.close(in[0]);
            SYS.close(out[1]);
        }
        try {
            SYS.write(in[1], stdin, 0, stdin.length); // a few bytes: the pipe holds them before the child reads
        } finally {
            SYS.close(in[1]);
        }
        byte[] buffer = new byte[4096];
        try {
            while (SYS.read(out[0], buffer, buffer.length) > 0) {
                // drain to EOF, as the invoker reads a function's output
            }
        } finally {
            SYS.close(out[0]);
        }
        int status = SYS.waitpid(pid);
        long wall = System.nanoTime() - start;
        if (status != 0) {
            throw new IllegalStateException(String.join(" ", argv) + " ended with wait status " + status);
        }
        return wall;
    }
}
