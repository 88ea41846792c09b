package dev.flint.sandbox;

import dev.flint.common.FlintException;

/**
 * The one error type of the sandbox runtime's boundary. Every instance says what failed, about
 * what (a path, a field, a sandbox id), and carries a hint that says what to do.
 * Messages are lower-case without a trailing period, as everywhere in Flint.
 */
public class SandboxException extends FlintException {
    private static final long serialVersionUID = 1L;

    public SandboxException(String message, String hint) {
        super(message, hint, null);
    }

    public SandboxException(String message, String hint, Throwable cause) {
        super(message, hint, cause);
    }

    /** A spec or argument was rejected before anything was created. */
    public static final class InvalidSpec extends SandboxException {
        private static final long serialVersionUID = 1L;
        private final String field;

        public InvalidSpec(String field, String message, String hint) {
            super(field + ": " + message, hint);
            this.field = field;
        }

        /** The name of the rejected field, as in the builder or the CLI flag. */
        public String field() {
            return field;
        }
    }

    /** The host cannot run sandboxes: not root, a cgroup controller missing, a kernel feature off. */
    public static final class HostUnsupported extends SandboxException {
        private static final long serialVersionUID = 1L;

        public HostUnsupported(String message, String hint) {
            super(message, hint);
        }

        public HostUnsupported(String message, String hint, Throwable cause) {
            super(message, hint, cause);
        }
    }

    /** Creating, running in or destroying a sandbox failed on the way. */
    public static final class Failed extends SandboxException {
        private static final long serialVersionUID = 1L;

        public Failed(String message, String hint) {
            super(message, hint);
        }

        public Failed(String message, String hint, Throwable cause) {
            super(message, hint, cause);
        }
    }
}
