package dev.flint.sandbox;

import dev.flint.sandbox.internal.InitChannel;
import dev.flint.sandbox.internal.InstanceIo;
import dev.flint.sandbox.internal.NativeMessage;
import java.time.Duration;

/**
 * A process that stays up in a sandbox across requests, such as a language runtime with a
 * function loaded (instance mode, DESIGN.md §6): it reads requests and writes answers on a stream
 * socket at its fd 3, and its stdout and stderr reach the JVM on pipes. Started by
 * {@link Sandbox#start}; while it is up the sandbox runs nothing else. Unlike a run, its scratch
 * root lives as long as it does: what one request leaves in /tmp the next one sees, unless the
 * process cleans up itself.
 *
 * <p>Not thread-safe: one {@link #converse} at a time; {@link Sandbox#kill()} ends it from any
 * thread.
 */
public final class Instance {
    private final Sandbox sandbox;
    private final InitChannel init;
    private final InstanceIo io;
    private Outcome endOutcome;
    private String endError = "";

    /** What the instance says during a {@link #converse}, as it arrives. */
    public interface Listener extends InstanceIo.Listener {
    }

    /** How a conversation ended. */
    public enum Result {
        /** The listener said it has what it waited for. */
        COMPLETE,
        /** The timeout passed first; the instance is still up (end it with {@link Sandbox#kill()} or destroy). */
        TIMED_OUT,
        /** The process ended: {@link #outcome()} says how. */
        ENDED
    }

    Instance(Sandbox sandbox, InitChannel init, InitChannel.InstanceFds fds, dev.flint.sandbox.internal.sys.Syscalls sys) {
        this.sandbox = sandbox;
        this.init = init;
        this.io = new InstanceIo(sys, init, fds);
    }

    /**
     * Sends {@code request} (may be empty) on the channel and delivers what comes back until the
     * listener is complete, the timeout passes or the process ends.
     */
    public Result converse(byte[] request, Duration timeout, Listener listener) {
        if (endOutcome != null) {
            return Result.ENDED;
        }
        InstanceIo.Result r;
        try {
            r = io.converse(request, System.nanoTime() + timeout.toNanos(), listener);
        } catch (RuntimeException e) {
            sandbox.destroyAfter(e);
            throw e;
        }
        return switch (r) {
            case COMPLETE -> Result.COMPLETE;
            case TIMED_OUT -> Result.TIMED_OUT;
            case ENDED -> {
                ended(init.takeDone());
                yield Result.ENDED;
            }
        };
    }

    private void ended(NativeMessage done) {
        Sandbox.Delta usage = sandbox.takeUsage();
        endError = done == null ? "" : done.get("error").orElse("");
        int signal = done == null ? 9 : (int) done.getLong("signal", 0);
        endOutcome = done == null ? Outcome.KILLED : Sandbox.outcomeOf(done, endError, usage.newOomKills(), signal);
        io.closeAll();
        sandbox.instanceEnded(this);
    }

    /**
     * {@link Sandbox#attach(java.nio.file.Path, String)} and then {@link #converse} with
     * {@code request}, the instance's first, which reads the code: init writes the request to the
     * channel itself once the code is in the instance's root, so the instance gets it without a
     * round trip to the JVM in between. A request init cannot carry (over
     * {@link #MAX_FORWARDED_REQUEST} bytes, not UTF-8, or with a NUL byte) goes the plain way:
     * attach, wait for init, send. A failed attach throws (the sandbox destroyed), as
     * {@code attach} does.
     */
    public Result attachAndConverse(java.nio.file.Path hostDir, String path, byte[] request, Duration timeout,
            Listener listener) {
        long deadline = System.nanoTime() + timeout.toNanos();
        String text = endOutcome == null && io.channelFd() >= 0 ? forwardable(request) : null;
        if (text == null) {
            sandbox.attach(hostDir, path);
        } else {
            sandbox.attachThenSend(hostDir, path, io.channelFd(), text);
            io.expectAttachAnswer();
        }
        return converse(text == null ? request : new byte[0], Duration.ofNanos(Math.max(0, deadline - System.nanoTime())),
                listener);
    }

    /** The largest first request init writes to the channel itself: far below a socket's buffer, so its write never waits. */
    public static final int MAX_FORWARDED_REQUEST = 16 * 1024;

    /** The request as the text init writes, byte for byte; null when it cannot be one. */
    private static String forwardable(byte[] request) {
        if (request.length > MAX_FORWARDED_REQUEST) {
            return null;
        }
        for (byte b : request) {
            if (b == 0) {
                return null;
            }
        }
        try {
            return java.nio.charset.StandardCharsets.UTF_8.newDecoder().decode(java.nio.ByteBuffer.wrap(request)).toString();
        } catch (java.nio.charset.CharacterCodingException e) {
            return null; // not UTF-8: re-encoding the text would not give these bytes
        }
    }

    /** Whether the process has ended (seen by a {@link #converse}). */
    public boolean ended() {
        return endOutcome != null;
    }

    /** How the process ended, or null while it is up. */
    public Outcome outcome() {
        return endOutcome;
    }

    /** init's words when the process could not start or was lost, else empty. */
    public String error() {
        return endError;
    }

    /**
     * What the sandbox used since the previous call (or the start): the peak memory, then reset so
     * that each request is measured on its own, and how many processes the OOM killer ended.
     */
    public Usage takeUsage() {
        Sandbox.Delta d = sandbox.takeUsage();
        return new Usage(d.peakBytes(), d.newOomKills());
    }

    /** @see #takeUsage() */
    public record Usage(long peakMemoryBytes, long oomKills) {}

    /** Closes the JVM's descriptors; the sandbox's destroy calls it. */
    void closeQuietly() {
        io.closeAll();
    }
}
