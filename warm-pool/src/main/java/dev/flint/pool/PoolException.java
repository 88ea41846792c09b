package dev.flint.pool;

import dev.flint.common.FlintException;

/**
 * The one error type of the warm pool's boundary: what failed, about what, and a hint of what to
 * do. A sandbox that could not be created reaches the caller as the runtime's own
 * {@code SandboxException}, unchanged.
 */
public class PoolException extends FlintException {
    private static final long serialVersionUID = 1L;

    public PoolException(String message, String hint) {
        super(message, hint, null);
    }

    public PoolException(String message, String hint, Throwable cause) {
        super(message, hint, cause);
    }

    /** A key, layer list or setting was rejected. */
    public static final class Invalid extends PoolException {
        private static final long serialVersionUID = 1L;
        private final String field;

        public Invalid(String field, String message, String hint) {
            super(field + ": " + message, hint);
            this.field = field;
        }

        /** The rejected field, as in {@link PoolConfig} or the type's name. */
        public String field() {
            return field;
        }
    }

    /** The pool was closed: nothing can be acquired from it any more. */
    public static final class Closed extends PoolException {
        private static final long serialVersionUID = 1L;

        public Closed() {
            super("the warm pool is closed", "start a new pool");
        }
    }
}
