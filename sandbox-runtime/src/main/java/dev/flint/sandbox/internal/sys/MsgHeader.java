package dev.flint.sandbox.internal.sys;

import com.sun.jna.Memory;
import com.sun.jna.Pointer;

/**
 * The layout of {@code struct msghdr} with one {@code iovec} and one SCM_RIGHTS control message
 * in a single native block: [iovec 16][msghdr 56][cmsg: 16 + 4 per fd, up to 24 fds] then the
 * payload at {@link #SIZE}.
 * LP64 Linux only, which is all the runtime supports.
 */
final class MsgHeader {
    static final int SIZE = 184;
    private static final int IOV = 0;
    private static final int HDR = 16;
    private static final int CMSG = 72;
    private static final int CMSG_HEADER = 16;
    private static final int SOL_SOCKET = 1;
    private static final int SCM_RIGHTS = 1;
    private static final int MSG_TRUNC = 0x20;
    private static final int MSG_CTRUNC = 0x8;

    private MsgHeader() {
    }

    /** The struct msghdr to pass to sendmsg/recvmsg. */
    static Pointer header(Memory m) {
        return m.share(HDR);
    }

    static void fill(Memory m, Pointer payload, int length) {
        m.setPointer(IOV, payload);
        m.setLong(IOV + 8, length);
        m.setPointer(HDR, Pointer.NULL);          // msg_name
        m.setInt(HDR + 8, 0);                     // msg_namelen
        m.setPointer(HDR + 16, m.share(IOV));     // msg_iov
        m.setLong(HDR + 24, 1);                   // msg_iovlen
        m.setPointer(HDR + 32, Pointer.NULL);     // msg_control
        m.setLong(HDR + 40, 0);                   // msg_controllen
        m.setInt(HDR + 48, 0);                    // msg_flags
    }

    static void attach(Memory m, int[] fds) {
        if (fds.length == 0) {
            return;
        }
        m.setLong(CMSG, CMSG_HEADER + 4L * fds.length);   // cmsg_len = CMSG_LEN
        m.setInt(CMSG + 8, SOL_SOCKET);
        m.setInt(CMSG + 12, SCM_RIGHTS);
        for (int i = 0; i < fds.length; i++) {
            m.setInt(CMSG + CMSG_HEADER + 4L * i, fds[i]);
        }
        m.setPointer(HDR + 32, m.share(CMSG));
        m.setLong(HDR + 40, space(fds.length));
    }

    static void expectFds(Memory m, int max) {
        m.setPointer(HDR + 32, m.share(CMSG));
        m.setLong(HDR + 40, space(max));
    }

    static int[] receivedFds(Memory m) {
        long controlLength = m.getLong(HDR + 40);
        if (controlLength < CMSG_HEADER || m.getInt(CMSG + 8) != SOL_SOCKET || m.getInt(CMSG + 12) != SCM_RIGHTS) {
            return new int[0];
        }
        int count = (int) ((m.getLong(CMSG) - CMSG_HEADER) / 4);
        int[] fds = new int[count];
        for (int i = 0; i < count; i++) {
            fds[i] = m.getInt(CMSG + CMSG_HEADER + 4L * i);
        }
        return fds;
    }

    static boolean truncated(Memory m) {
        return (m.getInt(HDR + 48) & (MSG_TRUNC | MSG_CTRUNC)) != 0;
    }

    /** CMSG_SPACE for n ints: header plus data rounded up to 8. */
    private static long space(int n) {
        return CMSG_HEADER + ((4L * n + 7) & ~7L);
    }
}
