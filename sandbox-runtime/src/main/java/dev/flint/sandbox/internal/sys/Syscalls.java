package dev.flint.sandbox.internal.sys;

/**
 * Every host-side system call the runtime makes, in one place, so that unit tests can use a
 * recording fake and assert the exact sequence without root. File-system work on cgroupfs and the
 * state directory goes through java.nio instead; what needs a new namespace is done by flint-init.
 *
 * <p>Methods throw {@link SyscallException} carrying the errno. Implementations are thread-safe.
 */
public interface Syscalls {

    int SIGKILL = 9;
    short POLLIN = 0x1;
    short POLLOUT = 0x4;
    short POLLERR = 0x8;
    short POLLHUP = 0x10;
    short POLLNVAL = 0x20;

    /** A connected AF_UNIX SOCK_SEQPACKET pair, both ends close-on-exec. */
    int[] seqpacketPair();

    /** A connected AF_UNIX SOCK_STREAM pair, both ends close-on-exec. */
    int[] streamPair();

    /**
     * A detached copy of the directory tree at {@code path} (open_tree with OPEN_TREE_CLONE), made
     * read-only, nosuid and nodev: a mount that can be handed to a sandbox's init to attach.
     */
    int detachedReadOnlyTree(String path);

    /** A pipe {read, write}, both ends close-on-exec. */
    int[] pipe();

    void close(int fd);

    /** Sends one datagram with the given descriptors attached (SCM_RIGHTS). */
    void send(int socket, byte[] data, int length, int... fds);

    /** Receives one datagram; length 0 means the peer closed. Received descriptors are close-on-exec. */
    Received receive(int socket, byte[] buffer);

    /** Reads at most {@code length} bytes into buffer at 0; 0 at end of file. */
    int read(int fd, byte[] buffer, int length);

    /** Writes; returns the count written, or -1 when the descriptor would block. */
    int write(int fd, byte[] buffer, int offset, int length);

    void setNonBlocking(int fd);

    /**
     * Waits for events; {@code revents} receives what happened to each fd.
     *
     * @return the number of descriptors with events, 0 on timeout
     */
    int poll(int[] fds, short[] events, short[] revents, int timeoutMillis);

    /**
     * Starts {@code path} with {@code argv}, an empty environment, stdin and stdout on /dev/null,
     * stderr inherited, and {@code fd} as its descriptor 3. Nothing else is inherited usefully:
     * the program closes what it does not know.
     *
     * @return the pid
     */
    int spawn(String path, String[] argv, int fd);

    /**
     * Starts a plain host process (no sandbox) with the given descriptors as its stdin, stdout and
     * stderr (-1: /dev/null) and the given environment. For baselines and peers in benchmarks.
     *
     * @return the pid
     */
    int spawnWithStdio(String path, String[] argv, String[] env, int stdin, int stdout, int stderr);

    /** Reaps a child of this process; returns its wait status. */
    int waitpid(int pid);

    void pidfdSendSignal(int pidfd, int signal);

    /**
     * SIGKILL through a pidfd, then waits up to {@code millis} for the process to have exited (a
     * pidfd turns readable then), so that its cgroup can go at once. A process gone already is fine.
     */
    default void killAndAwait(int pidfd, int millis) {
        try {
            pidfdSendSignal(pidfd, SIGKILL);
            poll(new int[] {pidfd}, new short[] {POLLIN}, new short[1], millis);
        } catch (SyscallException e) {
            // exited and reaped already
        }
    }

    void kill(int pid, int signal);

    /** A sealed, close-on-exec memfd holding {@code content}; its path is /proc/self/fd/N. */
    int sealedMemfd(String name, byte[] content);

    int geteuid();

    /** Opens an existing file for writing, close-on-exec (a cgroup's procs file, handed to a zygote). */
    int openForWriting(String path);

    /** A received datagram and the descriptors that came with it. */
    record Received(int length, int[] fds) {}
}
