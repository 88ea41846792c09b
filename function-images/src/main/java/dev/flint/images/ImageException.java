package dev.flint.images;

import dev.flint.common.FlintException;
import java.nio.file.Path;

/**
 * The one error type of the function-images boundary. Every instance says what failed, about what
 * (a reference, a digest, a path, a tar entry), and carries a hint that says what to do. Messages
 * are lower-case without a trailing period, as everywhere in Flint.
 */
public class ImageException extends FlintException {
    private static final long serialVersionUID = 1L;

    public ImageException(String message, String hint) {
        super(message, hint, null);
    }

    public ImageException(String message, String hint, Throwable cause) {
        super(message, hint, cause);
    }

    /** An image reference that does not follow the grammar. */
    public static final class InvalidReference extends ImageException {
        private static final long serialVersionUID = 1L;

        public InvalidReference(String text, String why, String hint) {
            super("bad image reference '" + text + "': " + why, hint);
        }
    }

    /** A digest that is not {@code sha256:<64 hex>}. */
    public static final class InvalidDigest extends ImageException {
        private static final long serialVersionUID = 1L;

        public InvalidDigest(String text, String why) {
            super("bad digest '" + text + "': " + why, "digests look like sha256:<64 lower-case hex digits>");
        }
    }

    /** No store directory where one was expected. */
    public static final class StoreMissing extends ImageException {
        private static final long serialVersionUID = 1L;
        private final Path root;

        public StoreMissing(Path root) {
            super("no image store at " + root,
                    "build an image first (flint image build busybox), or point at a store with --store DIR or FLINT_STORE");
            this.root = root;
        }

        public Path root() {
            return root;
        }
    }

    /** No image with this reference in the store. */
    public static final class NotFound extends ImageException {
        private static final long serialVersionUID = 1L;
        private final ImageRef ref;

        public NotFound(ImageRef ref, Path root) {
            super("no image " + ref + " in the store at " + root,
                    "flint image list shows what is there; flint image build busybox|python builds the base images");
            this.ref = ref;
        }

        public ImageRef ref() {
            return ref;
        }
    }

    /** Content that was to be stored under one digest has another: never stored. */
    public static final class DigestMismatch extends ImageException {
        private static final long serialVersionUID = 1L;
        private final LayerDigest expected;
        private final LayerDigest actual;

        public DigestMismatch(LayerDigest expected, LayerDigest actual) {
            super("content expected to be " + expected + " is " + actual + "; not stored",
                    "the source is damaged or is not what was announced: fetch or build it again");
            this.expected = expected;
            this.actual = actual;
        }

        public LayerDigest expected() {
            return expected;
        }

        public LayerDigest actual() {
            return actual;
        }
    }

    /**
     * A stored entry that is damaged or incomplete: a blob whose content no longer has its digest, a
     * layer directory whose unpacking never finished or whose files changed, a missing blob. It is
     * never used.
     */
    public static final class Corrupt extends ImageException {
        private static final long serialVersionUID = 1L;
        private final LayerDigest digest;

        public Corrupt(LayerDigest digest, String what, String hint) {
            super(what + " (" + digest + ")", hint);
            this.digest = digest;
        }

        /** The digest of the damaged entry. */
        public LayerDigest digest() {
            return digest;
        }
    }

    /** A layer tar with an entry the store will not unpack; names the entry and says which kind of refusal it is. */
    public static final class BadLayer extends ImageException {
        private static final long serialVersionUID = 1L;
        private final String entry;
        private final Kind kind;

        /** Why an entry was refused; each is a class of attack or damage the unpacker stops. */
        public enum Kind {
            /** the path would leave the layer root: absolute, {@code ..}, or through a symlink */
            ESCAPE,
            /** a hard link whose target escapes or is not a file unpacked before it in the same layer */
            HARDLINK,
            /** a device node, fifo or socket */
            SPECIAL_FILE,
            /** the layer is over a limit: uncompressed bytes, entries, or gzip compression ratio */
            LIMIT,
            /** the tar or gzip stream is damaged or truncated */
            MALFORMED,
            /** the entry contradicts one unpacked before it (replaces a directory) */
            CONFLICT,
            /** anything else, such as a name that is no C string or a zip that lists a path twice */
            OTHER
        }

        public BadLayer(String entry, String why, String hint) {
            this(Kind.OTHER, entry, why, hint);
        }

        public BadLayer(Kind kind, String entry, String why, String hint) {
            this(kind, entry, why, hint, null);
        }

        public BadLayer(Kind kind, String entry, String why, String hint, Throwable cause) {
            super("layer entry '" + entry + "': " + why, hint, cause);
            this.entry = entry;
            this.kind = kind;
        }

        public String entry() {
            return entry;
        }

        public Kind kind() {
            return kind;
        }
    }

    /** Building an image failed at a named step. */
    public static final class BuildFailed extends ImageException {
        private static final long serialVersionUID = 1L;

        public BuildFailed(String step, String message, String hint) {
            super(step + ": " + message, hint);
        }

        public BuildFailed(String step, String message, String hint, Throwable cause) {
            super(step + ": " + message, hint, cause);
        }
    }

    /** The store's file system failed under it (I/O error, no space, permissions). */
    public static final class StoreFailed extends ImageException {
        private static final long serialVersionUID = 1L;

        public StoreFailed(String what, Path path, Throwable cause) {
            super(what + " " + path + ": " + cause, "check the store directory's space and permissions", cause);
        }
    }

    /** A registry refused a request or answered with something Flint cannot use. */
    public static class RegistryFailed extends ImageException {
        private static final long serialVersionUID = 1L;
        private final int status;

        public RegistryFailed(String message, int status, String hint) {
            super(message, hint);
            this.status = status;
        }

        public RegistryFailed(String message, String hint, Throwable cause) {
            super(message, hint, cause);
            this.status = 0;
        }

        /** The HTTP status, 0 when the request got no answer. */
        public int status() {
            return status;
        }
    }

    /** The registry wants credentials, or refused the ones given (HTTP 401 or 403). */
    public static final class Unauthorized extends RegistryFailed {
        private static final long serialVersionUID = 1L;

        public Unauthorized(String registry, int status, boolean hadCredentials) {
            super((hadCredentials ? "registry " + registry + " refused the credentials given"
                    : "registry " + registry + " needs credentials") + " (HTTP " + status + ")", status,
                    hadCredentials ? "check --user USER:PASS or FLINT_REGISTRY_AUTH" : "give --user USER:PASS or set FLINT_REGISTRY_AUTH=USER:PASS");
        }
    }
}
