package dev.flint.sandbox.internal;

import dev.flint.sandbox.internal.sys.SyscallException;
import dev.flint.sandbox.internal.sys.Syscalls;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;

/**
 * Moves one run's bytes: feeds stdin, drains stdout and stderr (capped), and watches a control
 * socket for the message that ends the run, all from one poll loop on the caller's thread.
 * Not thread-safe: one instance per run.
 */
final class RunIo {
    private static final int CHUNK = 65536;

    private final Syscalls sys;
    private final long limit;
    private final Stream out;
    private final Stream err;
    /** Read buffer, the thread's own: zeroing a new 64 KiB one per run cost more than the run's reads. */
    private static final ThreadLocal<byte[]> CHUNKS = ThreadLocal.withInitial(() -> new byte[CHUNK]);
    private final byte[] chunk = CHUNKS.get();
    private long delivered;
    private boolean truncated;
    private long firstOutputNanos = -1;

    /** Where one output stream goes: a caller's sink, or a capture buffer. */
    private static final class Stream {
        final int fd;
        final OutputStream sink;
        final ByteArrayOutputStream captured;
        boolean open = true;

        Stream(int fd, OutputStream sink) {
            this.fd = fd;
            this.sink = sink;
            this.captured = sink == null ? new ByteArrayOutputStream() : null;
        }

        byte[] bytes() {
            return captured == null ? new byte[0] : captured.toByteArray();
        }
    }

    RunIo(Syscalls sys, long limit, int stdoutFd, OutputStream stdoutSink, int stderrFd, OutputStream stderrSink) {
        this.sys = sys;
        this.limit = limit;
        this.out = new Stream(stdoutFd, stdoutSink);
        this.err = new Stream(stderrFd, stderrSink);
    }

    /** What ends the run: a message on the control socket, watched alongside the pipes. */
    interface Control {
        int fd();

        /** Called when the control fd is readable; returns true when the run is over. */
        boolean onReadable();

        /**
         * Once over: whether no process of the run can write any more although the pipes may not
         * have reached their end of file yet (a pre-started shell reported its end before its exit):
         * what they hold is all there is.
         */
        default boolean outputsComplete() {
            return false;
        }

        /** Called when the deadline passes; returns the next deadline, or throws to give up. */
        long onDeadline(long nowNanos);
    }

    /**
     * Runs the loop until the control says the run is over and both outputs reached end of file.
     * stdinFd is the write end of the process's stdin (already non-blocking), or -1. Until
     * {@code outputFromNanos} the outputs are read only once the run is over (ProcessSpec's
     * outputAtEnd); 0 reads them from the start. {@code meanwhile}, when not null, runs once the
     * process has as much of its stdin as the pipe takes at once: requests that can go while the
     * run goes on.
     */
    void pump(int stdinFd, byte[] stdin, Control control, long deadlineNanos, long startNanos, long outputFromNanos,
            Runnable meanwhile) {
        boolean[] stdinOpen = {stdinFd >= 0};
        try {
            pumpUntilOver(stdinFd, stdin, stdinOpen, control, deadlineNanos, startNanos, outputFromNanos, meanwhile);
        } finally {
            if (stdinOpen[0]) {
                sys.close(stdinFd);
            }
        }
    }

    private void pumpUntilOver(int stdinFd, byte[] stdin, boolean[] stdinState, Control control, long deadlineNanos,
            long startNanos, long outputFromNanos, Runnable meanwhile) {
        int stdinOffset = 0;
        boolean over = false;
        boolean stdinOpen = stdinState[0];
        if (meanwhile != null) {
            if (stdinOpen) { // the process may be waiting for it
                stdinOffset = feed(stdinFd, stdin, stdinOffset, Syscalls.POLLOUT);
                stdinOpen = stillFeeding(stdinFd, stdin, stdinOffset);
                stdinState[0] = stdinOpen;
            }
            meanwhile.run();
        }
        int[] fds = new int[4];
        short[] events = new short[4];
        short[] revents = new short[4];
        while (!over || out.open || err.open) {
            long now = System.nanoTime();
            boolean holdOutput = !over && outputFromNanos != 0 && now - outputFromNanos < 0;
            int n = 0;
            int ctlAt = -1;
            int outAt = -1;
            int errAt = -1;
            int inAt = -1;
            if (!over) {
                ctlAt = n;
                fds[n] = control.fd();
                events[n++] = Syscalls.POLLIN;
            }
            if (out.open && !holdOutput) {
                outAt = n;
                fds[n] = out.fd;
                events[n++] = Syscalls.POLLIN;
            }
            if (err.open && !holdOutput) {
                errAt = n;
                fds[n] = err.fd;
                events[n++] = Syscalls.POLLIN;
            }
            if (stdinOpen) {
                inAt = n;
                fds[n] = stdinFd;
                events[n++] = Syscalls.POLLOUT;
            }
            if (now >= deadlineNanos) {
                deadlineNanos = control.onDeadline(now);
                continue;
            }
            long until = holdOutput ? Math.min(deadlineNanos, outputFromNanos + 999_999) : deadlineNanos;
            int wait = (int) Math.min(Integer.MAX_VALUE, Math.max(1, (until - now) / 1_000_000));
            int[] active = java.util.Arrays.copyOf(fds, n);
            if (sys.poll(active, java.util.Arrays.copyOf(events, n), revents, wait) == 0) {
                continue;
            }
            if (outAt >= 0 && revents[outAt] != 0) {
                drain(out, startNanos);
            }
            if (errAt >= 0 && revents[errAt] != 0) {
                drain(err, startNanos);
            }
            if (inAt >= 0 && revents[inAt] != 0) {
                stdinOffset = feed(stdinFd, stdin, stdinOffset, revents[inAt]);
                stdinOpen = stillFeeding(stdinFd, stdin, stdinOffset);
                stdinState[0] = stdinOpen;
            }
            if (ctlAt >= 0 && revents[ctlAt] != 0) {
                over = control.onReadable();
                if (over && control.outputsComplete()) {
                    drainHeld(out, startNanos);
                    drainHeld(err, startNanos);
                }
            }
            if (over && stdinOpen) {
                sys.close(stdinFd);
                stdinOpen = false;
                stdinState[0] = false;
            }
        }
    }

    /** Whether stdin has more to take after {@code offset}; else it is closed (all written, or the reader left). */
    private boolean stillFeeding(int fd, byte[] data, int offset) {
        if (offset >= 0 && offset < data.length) {
            return true;
        }
        sys.close(fd);
        return false;
    }

    private int feed(int fd, byte[] data, int offset, short revents) {
        if ((revents & (Syscalls.POLLERR | Syscalls.POLLHUP)) != 0) {
            return -1; // the reader went away: the process did not want the rest
        }
        try {
            int n = sys.write(fd, data, offset, Math.min(CHUNK, data.length - offset));
            return n < 0 ? offset : offset + n;
        } catch (SyscallException e) {
            if (e.errno() == SyscallException.EPIPE) {
                return -1;
            }
            throw e;
        }
    }

    /** Reads what the pipe holds now, without waiting for its end of file, then closes it. */
    private void drainHeld(Stream s, long startNanos) {
        short[] revents = new short[1];
        while (s.open && sys.poll(new int[] {s.fd}, new short[] {Syscalls.POLLIN}, revents, 0) > 0) {
            drain(s, startNanos);
        }
        if (s.open) {
            s.open = false;
            sys.close(s.fd);
        }
    }

    private void drain(Stream s, long startNanos) {
        int n = sys.read(s.fd, chunk, CHUNK);
        if (n == 0) {
            s.open = false;
            sys.close(s.fd);
            return;
        }
        if (firstOutputNanos < 0) {
            firstOutputNanos = System.nanoTime() - startNanos;
        }
        int keep = (int) Math.max(0, Math.min(n, limit - delivered));
        if (keep < n) {
            truncated = true;
        }
        delivered += keep;
        if (keep == 0) {
            return;
        }
        if (s.captured != null) {
            s.captured.write(chunk, 0, keep);
        } else {
            try {
                s.sink.write(chunk, 0, keep);
                s.sink.flush();
            } catch (IOException e) {
                // The caller's sink failed (a closed terminal, say): keep draining so the run ends.
            }
        }
    }

    /** Closes whatever is still open; safe after pump, needed when pump threw. */
    void closeAll() {
        for (Stream s : new Stream[] {out, err}) {
            if (s.open) {
                s.open = false;
                sys.close(s.fd);
            }
        }
    }

    byte[] stdout() {
        return out.bytes();
    }

    byte[] stderr() {
        return err.bytes();
    }

    boolean truncated() {
        return truncated;
    }

    /** Nanoseconds from start to the first output byte, or -1. */
    long firstOutputNanos() {
        return firstOutputNanos;
    }
}
