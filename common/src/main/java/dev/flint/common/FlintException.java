package dev.flint.common;

/**
 * The shape every module's boundary error shares: what failed, about what, and a hint that says
 * what to do. Each module keeps its own error type (SandboxException, ImageException,
 * PoolException, ...) extending this one, so a caller can catch one module's errors, and the CLI
 * can print any of them the same way. Messages are lower-case without a trailing period.
 */
public class FlintException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final String hint;

    public FlintException(String message, String hint, Throwable cause) {
        super(message, cause);
        this.hint = hint == null ? "" : hint;
    }

    /** What to do about it; empty when there is nothing useful to say. */
    public String hint() {
        return hint;
    }

    /** The message followed by the hint, for people. */
    public String describe() {
        return hint.isEmpty() ? getMessage() : getMessage() + " (" + hint + ")";
    }
}
