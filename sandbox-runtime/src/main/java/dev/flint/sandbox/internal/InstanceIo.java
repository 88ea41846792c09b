package dev.flint.sandbox.internal;

import dev.flint.sandbox.SandboxException;
import dev.flint.sandbox.internal.sys.SyscallException;
import dev.flint.sandbox.internal.sys.Syscalls;
import java.util.Arrays;

/**
 * Moves the bytes of one instance (a process that stays up across requests): sends a request on
 * its channel and hands whatever comes back on the channel, stdout and stderr to a listener,
 * watching init's control socket for the instance's end, all from one poll loop on the caller's
 * thread. Not thread-safe: one conversation at a time.
 */
public final class InstanceIo {
    private static final int CHUNK = 65536;

    private final Syscalls sys;
    private final InitChannel init;
    private final int[] fds; // stdout, stderr, channel; -1 once closed
    private final byte[] chunk = new byte[CHUNK];
    private boolean ended;
    private boolean attachPending;

    /** What the instance says, as it arrives. */
    public interface Listener {
        void channel(byte[] data, int offset, int length);

        void output(boolean stderr, byte[] data, int offset, int length);

        /** Asked after every delivery: true ends the conversation. */
        boolean complete();
    }

    /** How a conversation ended. */
    public enum Result {
        /** The listener said so. */
        COMPLETE,
        /** The deadline passed first; the instance is still up. */
        TIMED_OUT,
        /** The instance's process ended (init's DONE is in {@link InitChannel#takeDone()}). */
        ENDED
    }

    public InstanceIo(Syscalls sys, InitChannel init, InitChannel.InstanceFds fds) {
        this.sys = sys;
        this.init = init;
        this.fds = new int[] {fds.stdout(), fds.stderr(), fds.channel()};
        sys.setNonBlocking(fds.channel());
    }

    public boolean ended() {
        return ended;
    }

    /** The JVM's end of the channel, for init to write a request to after an attach; -1 once closed. */
    public int channelFd() {
        return fds[2];
    }

    /**
     * Marks that init was asked to attach code and then write this conversation's request: until
     * the next conversation ends, an error from init is that attach's or that write's, and ends the
     * conversation with an exception instead of leaving it to wait for an answer that cannot come.
     */
    public void expectAttachAnswer() {
        attachPending = true;
    }

    /** Sends {@code request} on the channel, then delivers until the listener is satisfied, the deadline, or the end. */
    public Result converse(byte[] request, long deadlineNanos, Listener listener) {
        if (ended) {
            return Result.ENDED;
        }
        try {
            return pump(request, deadlineNanos, listener);
        } finally {
            attachPending = false;
        }
    }

    private Result pump(byte[] request, long deadlineNanos, Listener listener) {
        ended = init.hasPendingDone(); // it ended while the JVM waited for init on something else (an attach)
        int sent = 0;
        int[] pollFds = new int[4];
        short[] events = new short[4];
        short[] revents = new short[4];
        for (;;) {
            int n = 0;
            for (int fd : fds) {
                if (fd >= 0) {
                    pollFds[n] = fd;
                    events[n++] = (short) (Syscalls.POLLIN | (fd == fds[2] && sent < request.length ? Syscalls.POLLOUT : 0));
                }
            }
            pollFds[n] = init.controlFd();
            events[n++] = Syscalls.POLLIN;
            long now = System.nanoTime();
            if (now >= deadlineNanos) {
                return Result.TIMED_OUT;
            }
            int wait = (int) Math.min(Integer.MAX_VALUE, Math.max(1, (deadlineNanos - now) / 1_000_000));
            if (sys.poll(Arrays.copyOf(pollFds, n), Arrays.copyOf(events, n), revents, wait) == 0) {
                continue;
            }
            for (int i = 0; i < n; i++) {
                if (revents[i] == 0) {
                    continue;
                }
                int fd = pollFds[i];
                if (fd == init.controlFd()) {
                    NativeMessage m = init.readControl();
                    if (m.op() == NativeMessage.DONE) {
                        ended = true;
                    } else if (m.op() == NativeMessage.ERROR && attachPending && !ended) {
                        String error = m.get("error").orElse(m.toString());
                        throw new SandboxException.Failed("could not attach code: " + error, Hints.forNativeError(error));
                    }
                } else if (fd == fds[2] && (revents[i] & Syscalls.POLLOUT) != 0 && sent < request.length) {
                    sent = write(request, sent);
                } else {
                    read(fd == fds[0] ? 0 : fd == fds[1] ? 1 : 2, listener);
                }
            }
            if (listener.complete()) {
                return Result.COMPLETE;
            }
            if (ended && fds[0] < 0 && fds[1] < 0) {
                return Result.ENDED; // outputs drained to end of file: nothing more will come
            }
        }
    }

    private int write(byte[] request, int sent) {
        try {
            int n = sys.write(fds[2], request, sent, request.length - sent);
            return n < 0 ? sent : sent + n;
        } catch (SyscallException e) {
            if (e.errno() == SyscallException.EPIPE) {
                return request.length; // the instance is gone: its DONE follows
            }
            throw e;
        }
    }

    private void read(int which, Listener listener) {
        int n;
        try {
            n = sys.read(fds[which], chunk, CHUNK);
        } catch (SyscallException e) {
            if (e.errno() == SyscallException.EAGAIN) {
                return;
            }
            n = 0; // ECONNRESET and the like: the instance is gone
        }
        if (n <= 0) {
            if (n == 0) {
                sys.close(fds[which]);
                fds[which] = -1;
            }
            return;
        }
        if (which == 2) {
            listener.channel(chunk, 0, n);
        } else {
            listener.output(which == 1, chunk, 0, n);
        }
    }

    /** Closes the JVM's ends; safe more than once. */
    public void closeAll() {
        for (int i = 0; i < fds.length; i++) {
            if (fds[i] >= 0) {
                sys.close(fds[i]);
                fds[i] = -1;
            }
        }
    }
}
