package dev.flint.sandbox;

import java.io.OutputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * One process to run in a sandbox. Immutable; {@link #builder(List)} validates every field.
 *
 * @param argv the command and its arguments; a command without '/' is looked up in the PATH of env
 * @param env the whole environment of the process (nothing of the host's is passed)
 * @param cwd working directory inside the sandbox, absolute
 * @param stdin bytes fed to standard input, which is then closed
 * @param timeout wall-clock limit; on expiry every process of the sandbox is killed
 * @param outputLimitBytes most bytes of stdout plus stderr kept (or streamed); the rest is dropped and
 *     the execution marked truncated
 * @param stdoutSink where stdout goes as it arrives, or null to capture it into the {@link Execution}
 * @param stderrSink the same for stderr
 * @param outputAtEnd read the output when the run ends, not as it arrives, for at most the first
 *     {@link #OUTPUT_AT_END_WINDOW} of the run: a short run then wakes the caller once, at its end,
 *     instead of once per write and again at each end of file (a process that fills a pipe in that
 *     window waits for the rest of it); a sink gets the output that late, and
 *     {@link Execution#firstOutput()} is when it was read
 */
public record ProcessSpec(
        List<String> argv,
        Map<String, String> env,
        String cwd,
        byte[] stdin,
        Duration timeout,
        long outputLimitBytes,
        OutputStream stdoutSink,
        OutputStream stderrSink,
        boolean outputAtEnd) {

    /** How long {@code outputAtEnd} holds off reading a run's output when it has not ended. */
    public static final Duration OUTPUT_AT_END_WINDOW = Duration.ofMillis(5);

    public static final Map<String, String> DEFAULT_ENV = Map.of(
            "PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
            "HOME", "/tmp");
    private static final Pattern ENV_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
    private static final Duration MAX_TIMEOUT = Duration.ofHours(24);
    /** What fits in one request datagram with room for the other fields. */
    static final int MAX_COMMAND_BYTES = 60_000;

    public ProcessSpec {
        argv = List.copyOf(argv);
        env = Map.copyOf(env);
        stdin = stdin.clone();
    }

    public static Builder builder(List<String> argv) {
        return new Builder(argv);
    }

    public static Builder builder(String... argv) {
        return new Builder(List.of(argv));
    }

    @Override
    public byte[] stdin() {
        return stdin.clone();
    }

    /** Defaults: PATH and HOME only, cwd /, empty stdin, 60 s timeout, 10 MiB output, captured. */
    public static final class Builder {
        private final List<String> argv;
        private final Map<String, String> env = new LinkedHashMap<>(DEFAULT_ENV);
        private String cwd = "/";
        private byte[] stdin = new byte[0];
        private Duration timeout = Duration.ofSeconds(60);
        private long outputLimitBytes = 10L * 1024 * 1024;
        private OutputStream stdoutSink;
        private OutputStream stderrSink;
        private boolean outputAtEnd;

        private Builder(List<String> argv) {
            this.argv = new ArrayList<>(argv);
        }

        public Builder env(String name, String value) {
            env.put(name, value);
            return this;
        }

        public Builder cwd(String dir) {
            this.cwd = dir;
            return this;
        }

        public Builder stdin(byte[] bytes) {
            this.stdin = bytes.clone();
            return this;
        }

        public Builder timeout(Duration limit) {
            this.timeout = limit;
            return this;
        }

        public Builder outputLimitBytes(long bytes) {
            this.outputLimitBytes = bytes;
            return this;
        }

        /** Reads the output when the run ends, within {@link #OUTPUT_AT_END_WINDOW} (see the record). */
        public Builder readOutputAtEnd() {
            this.outputAtEnd = true;
            return this;
        }

        /** Streams output to these as it arrives instead of capturing it. */
        public Builder streamTo(OutputStream stdout, OutputStream stderr) {
            this.stdoutSink = stdout;
            this.stderrSink = stderr;
            return this;
        }

        public ProcessSpec build() {
            if (argv.isEmpty() || argv.get(0).isEmpty()) {
                throw invalid("argv", "no command given", "put the command after --, e.g. -- /bin/echo hi");
            }
            int bytes = 0;
            for (String a : argv) {
                if (a.indexOf('\0') >= 0) {
                    throw invalid("argv", "an argument contains a NUL byte", "arguments are C strings");
                }
                bytes += a.length() + 5;
            }
            for (Map.Entry<String, String> e : env.entrySet()) {
                if (!ENV_NAME.matcher(e.getKey()).matches()) {
                    throw invalid("env", "'" + e.getKey() + "' is not a variable name", "use K=V with K like [A-Za-z_][A-Za-z0-9_]*");
                }
                if (e.getValue().indexOf('\0') >= 0) {
                    throw invalid("env", e.getKey() + " contains a NUL byte", "values are C strings");
                }
                bytes += e.getKey().length() + e.getValue().length() + 6;
            }
            if (bytes > MAX_COMMAND_BYTES) {
                throw invalid("argv", "command line and environment take " + bytes + " bytes, at most " + MAX_COMMAND_BYTES,
                        "pass large data on stdin instead");
            }
            if (cwd == null || !cwd.startsWith("/") || cwd.indexOf('\0') >= 0) {
                throw invalid("cwd", "'" + cwd + "' is not an absolute path", "e.g. /tmp");
            }
            if (timeout == null || timeout.isNegative() || timeout.isZero() || timeout.compareTo(MAX_TIMEOUT) > 0) {
                throw invalid("timeout", timeout + " is outside (0, 24h]", "e.g. --timeout 5s");
            }
            if (timeout.toMillis() < 1) {
                throw invalid("timeout", timeout + " is below a millisecond", "e.g. --timeout 100ms");
            }
            if (outputLimitBytes < 0) {
                throw invalid("outputLimit", outputLimitBytes + " is negative", "0 keeps no output");
            }
            return new ProcessSpec(argv, env, cwd, stdin, timeout, outputLimitBytes, stdoutSink, stderrSink, outputAtEnd);
        }

        private static SandboxException.InvalidSpec invalid(String field, String message, String hint) {
            return new SandboxException.InvalidSpec(field, message, hint);
        }
    }
}
