package dev.flint.sandbox.internal.sys;

import com.sun.jna.LastErrorException;
import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Pointer;
import com.sun.jna.StringArray;

/**
 * {@link Syscalls} through JNA's direct mapping, the variadic calls (fcntl, open, syscall) with
 * one fixed signature each. Linux x86_64/aarch64 layouts.
 */
public final class LinuxSyscalls implements Syscalls {

    private static final int AF_UNIX = 1;
    private static final int SOCK_STREAM = 1;
    private static final int SOCK_SEQPACKET = 5;
    private static final int SOCK_CLOEXEC = 0x80000;
    private static final int O_CLOEXEC = 0x80000;
    private static final int O_NONBLOCK = 0x800;
    private static final int O_RDONLY = 0;
    private static final int O_WRONLY = 1;
    private static final int F_GETFL = 3;
    private static final int F_SETFL = 4;
    private static final int F_DUPFD_CLOEXEC = 1030;
    private static final int F_ADD_SEALS = 1033;
    private static final int SEALS_ALL = 0x1 | 0x2 | 0x4 | 0x8; // seal, shrink, grow, write
    private static final int MFD_CLOEXEC = 1;
    private static final int MFD_ALLOW_SEALING = 2;
    private static final int MSG_NOSIGNAL = 0x4000;
    private static final int MSG_CMSG_CLOEXEC = 0x40000000;
    private static final long SYS_PIDFD_SEND_SIGNAL = 424;
    private static final long SYS_OPEN_TREE = 428;
    private static final long SYS_MOUNT_SETATTR = 442;
    private static final int AT_FDCWD = -100;
    private static final int AT_EMPTY_PATH = 0x1000;
    private static final int OPEN_TREE_CLONE = 1;
    private static final long MOUNT_ATTR_RDONLY_NOSUID_NODEV = 0x1 | 0x2 | 0x4;
    /** struct mount_attr: attr_set, attr_clr, propagation, userns_fd, all u64. */
    private static final int MOUNT_ATTR_SIZE = 32;
    /** A zygote fork request carries the most: stdio and channel, six namespaces, a procs file per hierarchy. */
    private static final int MAX_FDS = 24;
    /** Keeps the fd handed to posix_spawn's dup2 away from 3, where dup2 would be a no-op. */
    private static final int SPAWN_FD_FLOOR = 10;
    private static final int NULL_FD = -1;
    private static final int INHERIT_FD = -2;

    /** Direct-mapped calls; JNA binds them once. */
    private static final class Direct {
        static {
            Native.register(NativeLibrary.getInstance("c"));
        }

        static native int socketpair(int domain, int type, int protocol, int[] sv) throws LastErrorException;
        static native int pipe2(int[] fds, int flags) throws LastErrorException;
        static native int close(int fd) throws LastErrorException;
        static native long sendmsg(int fd, Pointer msg, int flags) throws LastErrorException;
        static native long recvmsg(int fd, Pointer msg, int flags) throws LastErrorException;
        static native long read(int fd, Pointer buf, long count) throws LastErrorException;
        static native long write(int fd, Pointer buf, long count) throws LastErrorException;
        static native int poll(Pointer fds, long nfds, int timeout) throws LastErrorException;
        static native int waitpid(int pid, int[] status, int options) throws LastErrorException;
        static native int kill(int pid, int sig) throws LastErrorException;
        static native int memfd_create(String name, int flags) throws LastErrorException;
        static native int geteuid();
        static native int posix_spawn(int[] pid, String path, Pointer actions, Pointer attr,
                Pointer argv, Pointer envp);
        static native int posix_spawn_file_actions_init(Pointer actions);
        static native int posix_spawn_file_actions_destroy(Pointer actions);
        static native int posix_spawn_file_actions_adddup2(Pointer actions, int fd, int newfd);
        static native int posix_spawn_file_actions_addopen(Pointer actions, int fd, String path,
                int flags, int mode);
    }

    /*
     * The variadic calls (fcntl, open, syscall), direct-mapped with the fixed arguments each use
     * passes, one class per signature. On Linux x86_64 and aarch64 variadic integer and pointer
     * arguments travel exactly as fixed ones do, and these glibc functions read no vector
     * registers. JNA's interface mapping took ~85 us per open_tree + mount_setattr of an attach.
     */
    private static final class Fcntl {
        static {
            Native.register(NativeLibrary.getInstance("c"));
        }

        static native int fcntl(int fd, int cmd, int arg) throws LastErrorException;
        static native int open(String path, int flags, int mode) throws LastErrorException;
    }

    private static final class OpenTree {
        static {
            Native.register(NativeLibrary.getInstance("c"));
        }

        static native long syscall(long number, int dirfd, String path, int flags) throws LastErrorException;
    }

    private static final class MountSetattr {
        static {
            Native.register(NativeLibrary.getInstance("c"));
        }

        static native long syscall(long number, int dirfd, String path, int flags, long[] attr, long size)
                throws LastErrorException;
    }

    private static final class PidfdSendSignal {
        static {
            Native.register(NativeLibrary.getInstance("c"));
        }

        static native long syscall(long number, int pidfd, int signal, Pointer info, int flags) throws LastErrorException;
    }

    @Override
    public int[] seqpacketPair() {
        int[] sv = new int[2];
        try {
            Direct.socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv);
        } catch (LastErrorException e) {
            throw failed("socketpair", e);
        }
        return sv;
    }

    @Override
    public int[] streamPair() {
        int[] sv = new int[2];
        try {
            Direct.socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv);
        } catch (LastErrorException e) {
            throw failed("socketpair", e);
        }
        return sv;
    }

    @Override
    public int detachedReadOnlyTree(String path) {
        int fd;
        try {
            fd = (int) OpenTree.syscall(SYS_OPEN_TREE, AT_FDCWD, path, OPEN_TREE_CLONE | O_CLOEXEC);
        } catch (LastErrorException e) {
            throw failed("open_tree " + path, e);
        }
        try {
            long[] attr = new long[MOUNT_ATTR_SIZE / 8];
            attr[0] = MOUNT_ATTR_RDONLY_NOSUID_NODEV;
            MountSetattr.syscall(SYS_MOUNT_SETATTR, fd, "", AT_EMPTY_PATH, attr, MOUNT_ATTR_SIZE);
            return fd;
        } catch (LastErrorException e) {
            close(fd);
            throw failed("mount_setattr " + path, e);
        }
    }

    @Override
    public int[] pipe() {
        int[] fds = new int[2];
        try {
            Direct.pipe2(fds, O_CLOEXEC);
        } catch (LastErrorException e) {
            throw failed("pipe2", e);
        }
        return fds;
    }

    @Override
    public void close(int fd) {
        try {
            Direct.close(fd);
        } catch (LastErrorException e) {
            throw failed("close " + fd, e);
        }
    }

    @Override
    public void send(int socket, byte[] data, int length, int... fds) {
        if (fds.length > MAX_FDS) {
            throw new IllegalArgumentException("at most " + MAX_FDS + " descriptors per message");
        }
        Memory m = scratch(MESSAGE, MsgHeader.SIZE + length);
        MsgHeader.fill(m, m.share(MsgHeader.SIZE), length);
        m.write(MsgHeader.SIZE, data, 0, length);
        MsgHeader.attach(m, fds);
        sendmsgRetrying(socket, m);
    }

    private static void sendmsgRetrying(int socket, Memory m) {
        while (true) {
            try {
                Direct.sendmsg(socket, MsgHeader.header(m), MSG_NOSIGNAL);
                return;
            } catch (LastErrorException e) {
                if (e.getErrorCode() != SyscallException.EINTR) {
                    throw failed("sendmsg", e);
                }
            }
        }
    }

    @Override
    public Received receive(int socket, byte[] buffer) {
        Memory m = scratch(MESSAGE, MsgHeader.SIZE + buffer.length);
        m.clear(MsgHeader.SIZE);
        MsgHeader.fill(m, m.share(MsgHeader.SIZE), buffer.length);
        MsgHeader.expectFds(m, MAX_FDS);
        long n;
        while (true) {
            try {
                n = Direct.recvmsg(socket, MsgHeader.header(m), MSG_CMSG_CLOEXEC);
                break;
            } catch (LastErrorException e) {
                if (e.getErrorCode() != SyscallException.EINTR) {
                    throw failed("recvmsg", e);
                }
            }
        }
        int[] fds = MsgHeader.receivedFds(m);
        if (MsgHeader.truncated(m)) {
            for (int fd : fds) {
                close(fd);
            }
            throw new SyscallException("recvmsg", 90, "message too long");
        }
        m.read(MsgHeader.SIZE, buffer, 0, (int) n);
        return new Received((int) n, fds);
    }

    @Override
    public int read(int fd, byte[] buffer, int length) {
        Memory m = scratch(length);
        while (true) {
            try {
                int n = (int) Direct.read(fd, m, length);
                m.read(0, buffer, 0, n);
                return n;
            } catch (LastErrorException e) {
                if (e.getErrorCode() != SyscallException.EINTR) {
                    throw failed("read " + fd, e);
                }
            }
        }
    }

    @Override
    public int write(int fd, byte[] buffer, int offset, int length) {
        Memory m = scratch(length);
        m.write(0, buffer, offset, length);
        while (true) {
            try {
                return (int) Direct.write(fd, m, length);
            } catch (LastErrorException e) {
                if (e.getErrorCode() == SyscallException.EAGAIN) {
                    return -1;
                }
                if (e.getErrorCode() != SyscallException.EINTR) {
                    throw failed("write " + fd, e);
                }
            }
        }
    }

    /**
     * This thread's native buffer of at least {@code length} bytes, for read, write and poll: the
     * warm path calls them several times per invocation, and a native allocation (with its cleaner)
     * per call cost more than the call.
     */
    private static Memory scratch(long length) {
        return scratch(SCRATCH, length);
    }

    /** The thread's native buffer of {@code holder}, grown to {@code length} when smaller (reused: no malloc per call). */
    private static Memory scratch(ThreadLocal<Memory> holder, long length) {
        Memory m = holder.get();
        if (m.size() < length) {
            m = new Memory(Math.max(length, 2 * m.size()));
            holder.set(m);
        }
        return m;
    }

    private static final ThreadLocal<Memory> SCRATCH = ThreadLocal.withInitial(() -> new Memory(64 * 1024));
    /** For sendmsg and recvmsg: the header block and a payload of up to one message. */
    private static final ThreadLocal<Memory> MESSAGE = ThreadLocal.withInitial(() -> new Memory(MsgHeader.SIZE + 64 * 1024));
    private static final ThreadLocal<Memory> POLL_FDS = ThreadLocal.withInitial(() -> new Memory(8L * 16));

    @Override
    public void setNonBlocking(int fd) {
        try {
            int flags = Fcntl.fcntl(fd, F_GETFL, 0);
            Fcntl.fcntl(fd, F_SETFL, flags | O_NONBLOCK);
        } catch (LastErrorException e) {
            throw failed("fcntl O_NONBLOCK " + fd, e);
        }
    }

    @Override
    public int poll(int[] fds, short[] events, short[] revents, int timeoutMillis) {
        Memory m = fds.length <= 16 ? POLL_FDS.get() : new Memory(8L * fds.length);
        {
            for (int i = 0; i < fds.length; i++) {
                m.setInt(8L * i, fds[i]);
                m.setShort(8L * i + 4, events[i]);
                m.setShort(8L * i + 6, (short) 0);
            }
            int n;
            try {
                n = Direct.poll(m, fds.length, timeoutMillis);
            } catch (LastErrorException e) {
                if (e.getErrorCode() == SyscallException.EINTR) {
                    n = 0;
                } else {
                    throw failed("poll", e);
                }
            }
            for (int i = 0; i < fds.length; i++) {
                revents[i] = m.getShort(8L * i + 6);
            }
            return n;
        }
    }

    @Override
    public int spawn(String path, String[] argv, int fd) {
        return spawnMapping(path, argv, new String[0], new int[] {NULL_FD, NULL_FD, INHERIT_FD, fd});
    }

    @Override
    public int spawnWithStdio(String path, String[] argv, String[] env, int stdin, int stdout, int stderr) {
        return spawnMapping(path, argv, env, new int[] {nullIfNone(stdin), nullIfNone(stdout), nullIfNone(stderr)});
    }

    private static int nullIfNone(int fd) {
        return fd < 0 ? NULL_FD : fd;
    }

    /**
     * posix_spawn with the child's descriptor i set from {@code childFds[i]}: an fd of ours,
     * {@link #NULL_FD} for /dev/null, or {@link #INHERIT_FD} to leave it as this process has it.
     * Each fd of ours is first copied above {@link #SPAWN_FD_FLOOR}, so no dup2 is a no-op that
     * would leave the close-on-exec flag on.
     */
    private int spawnMapping(String path, String[] argv, String[] env, int[] childFds) {
        int[] high = new int[childFds.length];
        java.util.Arrays.fill(high, -1);
        try (Memory actions = new Memory(512)) {
            actions.clear();
            Direct.posix_spawn_file_actions_init(actions);
            for (int i = 0; i < childFds.length; i++) {
                if (childFds[i] == NULL_FD) {
                    Direct.posix_spawn_file_actions_addopen(actions, i, "/dev/null", i == 0 ? O_RDONLY : O_WRONLY, 0);
                } else if (childFds[i] != INHERIT_FD) {
                    high[i] = Fcntl.fcntl(childFds[i], F_DUPFD_CLOEXEC, SPAWN_FD_FLOOR);
                    Direct.posix_spawn_file_actions_adddup2(actions, high[i], i);
                }
            }
            int[] pid = new int[1];
            int rc = Direct.posix_spawn(pid, path, actions, Pointer.NULL, new StringArray(argv), new StringArray(env));
            Direct.posix_spawn_file_actions_destroy(actions);
            if (rc != 0) {
                throw new SyscallException("posix_spawn " + path, rc, "error " + rc);
            }
            return pid[0];
        } catch (LastErrorException e) {
            throw failed("fcntl F_DUPFD_CLOEXEC", e);
        } finally {
            for (int fd : high) {
                if (fd >= 0) {
                    close(fd);
                }
            }
        }
    }

    @Override
    public int waitpid(int pid) {
        int[] status = new int[1];
        while (true) {
            try {
                Direct.waitpid(pid, status, 0);
                return status[0];
            } catch (LastErrorException e) {
                if (e.getErrorCode() != SyscallException.EINTR) {
                    throw failed("waitpid " + pid, e);
                }
            }
        }
    }

    @Override
    public void pidfdSendSignal(int pidfd, int signal) {
        try {
            PidfdSendSignal.syscall(SYS_PIDFD_SEND_SIGNAL, pidfd, signal, Pointer.NULL, 0);
        } catch (LastErrorException e) {
            throw failed("pidfd_send_signal", e);
        }
    }

    @Override
    public void kill(int pid, int signal) {
        try {
            Direct.kill(pid, signal);
        } catch (LastErrorException e) {
            throw failed("kill " + pid, e);
        }
    }

    @Override
    public int sealedMemfd(String name, byte[] content) {
        int fd;
        try {
            fd = Direct.memfd_create(name, MFD_CLOEXEC | MFD_ALLOW_SEALING);
        } catch (LastErrorException e) {
            throw failed("memfd_create", e);
        }
        int off = 0;
        while (off < content.length) {
            off += write(fd, content, off, content.length - off);
        }
        try {
            Fcntl.fcntl(fd, F_ADD_SEALS, SEALS_ALL);
        } catch (LastErrorException e) {
            close(fd);
            throw failed("seal memfd", e);
        }
        return fd;
    }

    @Override
    public int geteuid() {
        return Direct.geteuid();
    }

    @Override
    public int openForWriting(String path) {
        try {
            return Fcntl.open(path, O_WRONLY | O_CLOEXEC, 0);
        } catch (LastErrorException e) {
            throw failed("open " + path, e);
        }
    }

    private static SyscallException failed(String call, LastErrorException e) {
        String text = e.getMessage();
        int bracket = text == null ? -1 : text.indexOf(']');
        return new SyscallException(call, e.getErrorCode(),
                bracket >= 0 ? text.substring(bracket + 1).trim() : String.valueOf(text));
    }
}
