package dev.flint.gateway.state;

import dev.flint.common.FlintException;

/**
 * The state store's boundary error: Kafka could not be reached, did not acknowledge a write in
 * time, or the embedded broker could not start. The message says what failed and about what; the
 * hint says what to do.
 */
public final class StateException extends FlintException {
    private static final long serialVersionUID = 1L;

    public StateException(String message, String hint, Throwable cause) {
        super(message, hint, cause);
    }

    public StateException(String message, String hint) {
        this(message, hint, null);
    }

    /** Kafka at {@code bootstrapServers} did not answer {@code what} within {@code timeoutMillis}. */
    static StateException unavailable(String what, String bootstrapServers, long timeoutMillis, Throwable cause) {
        return new StateException(
                "state store unavailable: kafka at " + bootstrapServers + " did not " + what
                        + " within " + timeoutMillis + " ms",
                "check that kafka is running and reachable at " + bootstrapServers
                        + "; a write that timed out may still be applied later",
                cause);
    }
}
