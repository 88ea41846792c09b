package dev.flint.invoker;

import dev.flint.common.FlintException;
import java.time.Duration;

/**
 * The one error type of the invoker's boundary: what failed, about which function or field, and a
 * hint of what to do. The nested types are the cases a caller tells apart: a rejected value
 * ({@link Invalid}), admission refused at once ({@link TooManyRequests}, HTTP 429 at the gateway) or
 * after waiting ({@link QueueTimeout}).
 */
public abstract class InvokerException extends FlintException {
    private static final long serialVersionUID = 1L;

    protected InvokerException(String message, String hint) {
        super(message, hint, null);
    }

    protected InvokerException(String message, String hint, Throwable cause) {
        super(message, hint, cause);
    }

    /** A kind, limit or record field was rejected. */
    public static final class Invalid extends InvokerException {
        private static final long serialVersionUID = 1L;
        private final String field;

        public Invalid(String field, String message, String hint) {
            super(field + ": " + message, hint);
            this.field = field;
        }

        /** The rejected field, such as {@code timeout} or {@code kind}. */
        public String field() {
            return field;
        }
    }

    /** The function already runs at its concurrency limit and its queue of waiters is full. */
    public static final class TooManyRequests extends InvokerException {
        private static final long serialVersionUID = 1L;
        private final String function;
        private final int concurrency;
        private final int queued;

        public TooManyRequests(String function, int concurrency, int queued) {
            super("function " + function + " is at its limit: " + concurrency + " running and " + queued + " waiting",
                    "retry later, or raise the function's concurrency limit");
            this.function = function;
            this.concurrency = concurrency;
            this.queued = queued;
        }

        public String function() {
            return function;
        }

        /** The function's concurrency limit when the call was refused. */
        public int concurrency() {
            return concurrency;
        }

        /** Callers that were waiting for the function when the call was refused. */
        public int queued() {
            return queued;
        }
    }

    /** A caller waited for a free slot of the function until its deadline passed. */
    public static final class QueueTimeout extends InvokerException {
        private static final long serialVersionUID = 1L;
        private final String function;
        private final Duration waited;

        public QueueTimeout(String function, Duration waited) {
            super("waited " + waited.toMillis() + " ms for a free slot of " + function + "; its deadline passed",
                    "retry later, or raise the function's concurrency limit");
            this.function = function;
            this.waited = waited;
        }

        public String function() {
            return function;
        }

        /** How long the caller waited before giving up. */
        public Duration waited() {
            return waited;
        }
    }

    /** The thread waiting for a free slot of the function was interrupted (the invoker is stopping). */
    public static final class Interrupted extends InvokerException {
        private static final long serialVersionUID = 1L;
        private final String function;

        public Interrupted(String function, InterruptedException cause) {
            super("interrupted while waiting for a free slot of " + function, "the invoker is stopping; retry elsewhere",
                    cause);
            this.function = function;
        }

        public String function() {
            return function;
        }
    }
}
