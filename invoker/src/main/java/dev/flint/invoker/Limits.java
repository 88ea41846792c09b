package dev.flint.invoker;

import java.time.Duration;

/**
 * What one function may use per activation, and how many of its activations may run at once.
 * Immutable; {@link #defaults()} and the {@code with...} methods; a bad value is an
 * {@link InvokerException.Invalid} naming the field ({@code timeout}, {@code memory}, {@code logs},
 * {@code concurrency}).
 *
 * @param timeout how long one activation may run, in [1 ms, 24 h]
 * @param memoryBytes the sandbox's memory limit, in [16 MiB, 64 GiB]
 * @param logBytes most bytes of log lines kept per activation, in [0, 1 GiB]; more are dropped
 * @param concurrency activations of the function that may run at once, in [1, 1000]
 */
public record Limits(Duration timeout, long memoryBytes, long logBytes, int concurrency) {
    private static final long MIB = 1L << 20;
    private static final long GIB = 1L << 30;
    private static final Duration MIN_TIMEOUT = Duration.ofMillis(1);
    private static final Duration MAX_TIMEOUT = Duration.ofHours(24);
    private static final long MIN_MEMORY = 16 * MIB;
    private static final long MAX_MEMORY = 64 * GIB;
    private static final long MAX_LOGS = GIB;
    private static final int MAX_CONCURRENCY = 1000;

    public Limits {
        if (timeout == null || timeout.compareTo(MIN_TIMEOUT) < 0 || timeout.compareTo(MAX_TIMEOUT) > 0) {
            throw new InvokerException.Invalid("timeout", timeout + " is outside 1 ms..24 h",
                    "give a timeout between 1 ms and 24 h, e.g. 60 s");
        }
        if (memoryBytes < MIN_MEMORY || memoryBytes > MAX_MEMORY) {
            throw new InvokerException.Invalid("memory", memoryBytes + " bytes is outside 16 MiB..64 GiB",
                    "give a memory limit between 16 MiB and 64 GiB, e.g. 256 MiB");
        }
        if (logBytes < 0 || logBytes > MAX_LOGS) {
            throw new InvokerException.Invalid("logs", logBytes + " bytes is outside 0..1 GiB",
                    "give a log limit between 0 and 1 GiB, e.g. 10 MiB");
        }
        if (concurrency < 1 || concurrency > MAX_CONCURRENCY) {
            throw new InvokerException.Invalid("concurrency", concurrency + " is outside 1..1000",
                    "give a concurrency between 1 and 1000");
        }
    }

    /** OpenWhisk's defaults: 60 s, 256 MiB, 10 MiB of logs, one activation at a time. */
    public static Limits defaults() {
        return new Limits(Duration.ofSeconds(60), 256 * MIB, 10 * MIB, 1);
    }

    public Limits withTimeout(Duration newTimeout) {
        return new Limits(newTimeout, memoryBytes, logBytes, concurrency);
    }

    public Limits withMemoryBytes(long bytes) {
        return new Limits(timeout, bytes, logBytes, concurrency);
    }

    public Limits withLogBytes(long bytes) {
        return new Limits(timeout, memoryBytes, bytes, concurrency);
    }

    public Limits withConcurrency(int newConcurrency) {
        return new Limits(timeout, memoryBytes, logBytes, newConcurrency);
    }
}
