package dev.flint.sandbox.internal.sys;

/** A failed system call: which one, on what, and the errno. */
public final class SyscallException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public static final int EINTR = 4;
    public static final int EAGAIN = 11;
    public static final int ENOENT = 2;
    public static final int EACCES = 13;
    public static final int ENOTDIR = 20;
    public static final int ENAMETOOLONG = 36;
    public static final int ELOOP = 40;
    public static final int EPIPE = 32;

    private final int errno;

    public SyscallException(String call, int errno, String errnoText) {
        super(call + ": " + errnoText + " (errno " + errno + ")");
        this.errno = errno;
    }

    /** Whether a path lookup failed for the path's own sake: missing, not a directory, not reachable. */
    public static boolean isBadPath(int errno) {
        return errno == ENOENT || errno == ENOTDIR || errno == EACCES || errno == ENAMETOOLONG || errno == ELOOP;
    }

    public int errno() {
        return errno;
    }
}
