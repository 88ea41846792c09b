package dev.flint.sandbox.internal;

import dev.flint.sandbox.ProcessSpec;
import dev.flint.sandbox.SandboxException;
import dev.flint.sandbox.internal.sys.SyscallException;
import dev.flint.sandbox.internal.sys.Syscalls;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The JVM's side of one sandbox's init: its control socket and a pidfd. Not thread-safe; the
 * owning Sandbox serialises calls.
 */
public final class InitChannel implements AutoCloseable {
    /** How long past a run's own timeout the JVM waits for init before it gives up on the sandbox. */
    private static final Duration GRACE = Duration.ofSeconds(5);
    /** How long destroy waits for init to exit before it lets cgroup removal retry on its own. */
    private static final Duration EXIT_WAIT = Duration.ofSeconds(2);

    private final Syscalls sys;
    private final int control;
    private final int pid;
    private final int pidfd;
    private final byte[] buffer = new byte[NativeMessage.MAX_BYTES];
    /** Guards {@link #closed} against {@link #kill()} from another thread. */
    private final Object lifecycle = new Object();
    private volatile boolean closed;
    /** A DONE that came while the JVM waited for something else. */
    private NativeMessage pendingDone;

    /** How a run ended, as init reported it, plus what the JVM collected. */
    public record RunResult(
            NativeMessage done, byte[] stdout, byte[] stderr, boolean truncated, long wallNanos, long firstOutputNanos) {}

    public InitChannel(Syscalls sys, int control, int pid, int pidfd) {
        this.sys = sys;
        this.control = control;
        this.pid = pid;
        this.pidfd = pidfd;
    }

    public int pid() {
        return pid;
    }

    /** Waits for init's set-up to finish; throws with init's own words when a step failed. */
    public void awaitReady(Duration timeout) {
        NativeMessage m = receive(timeout);
        if (m == null) {
            throw new SandboxException.Failed("sandbox set-up did not finish within " + timeout.toMillis() + " ms",
                    "the host may be overloaded; try again");
        }
        if (m.op() != NativeMessage.READY) {
            String error = m.get("error").orElse(m.toString());
            throw new SandboxException.Failed("sandbox set-up failed: " + error, Hints.forNativeError(error));
        }
    }

    /** A message from init and the descriptors that came with it, which are the caller's. */
    private record Reply(NativeMessage message, int[] fds) {}

    /** The next message from init, or null when none came within {@code timeout}. */
    private Reply await(Duration timeout) {
        short[] revents = new short[1];
        if (sys.poll(new int[] {control}, new short[] {Syscalls.POLLIN}, revents, (int) timeout.toMillis()) == 0) {
            return null;
        }
        Syscalls.Received r = sys.receive(control, buffer);
        if (r.length() == 0) {
            closeAll(r.fds());
            throw new SandboxException.Failed("the sandbox's init exited", "destroy the sandbox and create a new one");
        }
        return new Reply(NativeMessage.decode(buffer, r.length()), r.fds());
    }

    /** {@link #await} without descriptors (any that came are closed). */
    private NativeMessage receive(Duration timeout) {
        Reply r = await(timeout);
        if (r == null) {
            return null;
        }
        closeAll(r.fds());
        return r.message();
    }

    /** Sends a request to init; the descriptors stay the caller's. A dead init is a {@link SandboxException.Failed}. */
    private void send(NativeMessage request, int... fds) {
        byte[] data = request.encode();
        if (data.length >= NativeMessage.MAX_BYTES) { // init's buffer keeps one byte for a final NUL
            throw new SandboxException.InvalidSpec("request", "the request to init takes " + data.length + " bytes, at most "
                    + (NativeMessage.MAX_BYTES - 1), "shorten the command line and environment");
        }
        try {
            sys.send(control, data, data.length, fds);
        } catch (SyscallException e) {
            throw new SandboxException.Failed("the sandbox's init is gone: " + e.getMessage(),
                    "destroy the sandbox and create a new one", e);
        }
    }

    /**
     * Attaches a detached mount (the caller's, closed here) at {@code path} of the current run's
     * root and of every later one. A DONE that arrives meanwhile (a running instance ended) is kept
     * for {@link #takeDone()}.
     */
    public void attach(int tree, String path) {
        sendAttach(tree, attachOf(path), -1);
        long deadline = System.nanoTime() + GRACE.toNanos();
        for (;;) {
            long left = Math.max(1, (deadline - System.nanoTime()) / 1_000_000);
            NativeMessage m = receive(Duration.ofMillis(left));
            if (m == null) {
                throw new SandboxException.Failed("the sandbox's init did not answer an attach",
                        "the sandbox is broken: destroy it");
            }
            switch (m.op()) {
                case NativeMessage.ATTACHED:
                    return;
                case NativeMessage.DONE:
                    pendingDone = m;
                    break;
                default:
                    String error = m.get("error").orElse(m.toString());
                    throw new SandboxException.Failed("could not attach code: " + error, Hints.forNativeError(error));
            }
        }
    }

    /**
     * Sends the attach without waiting for init's answer: a run sent after it starts only once the
     * attach is done, and init refuses it (a failed run) when the attach failed. Init answers only
     * a failure (which the run's own wait skips): an answer would wake this side during the run for
     * nothing.
     */
    public void sendAttach(int tree, String path) {
        sendAttach(tree, attachOf(path).put("quiet", 1), -1);
    }

    /**
     * Sends the attach with {@code then}, which init writes to {@code channel} (the JVM's end of an
     * instance's channel, passed along, not closed) once the code is attached. Init answers only a
     * failure: an error message, which the conversation waiting for the instance's answer sees.
     */
    public void sendAttach(int tree, String path, int channel, String then) {
        sendAttach(tree, attachOf(path).put("then", then), channel);
    }

    private static NativeMessage.Builder attachOf(String path) {
        return NativeMessage.builder(NativeMessage.ATTACH).put("path", path);
    }

    /** Sends the attach with the tree (closed here) and, when not -1, a channel (left open). */
    private void sendAttach(int tree, NativeMessage.Builder attach, int channel) {
        try {
            send(attach.build(), channel < 0 ? new int[] {tree} : new int[] {tree, channel});
        } finally {
            sys.close(tree);
        }
    }

    /** The descriptors of a started instance, the JVM's ends: stdout, stderr and the channel. */
    public record InstanceFds(int stdout, int stderr, int channel) {}

    /**
     * Starts a process that stays up across requests: stdin empty, stdout and stderr on pipes, fd 3
     * a stream socket whose other end is returned. Init reports its end with a DONE.
     */
    public InstanceFds start(ProcessSpec spec) {
        int[] in = sys.pipe();
        int[] out = sys.pipe();
        int[] err = sys.pipe();
        int[] channel = sys.streamPair();
        try {
            send(execRequest(spec), in[0], out[1], err[1], channel[1]);
        } catch (SandboxException e) {
            closeAll(out[0], err[0], channel[0]);
            throw e;
        } finally {
            closeAll(in[0], in[1], out[1], err[1], channel[1]);
        }
        return new InstanceFds(out[0], err[0], channel[0]);
    }

    /**
     * The prepared run's namespaces for a zygote's copy to join (ADR 0015), in init's order: mnt
     * (the run's fresh root), ipc, uts, net, cgroup, pid. The caller closes them.
     */
    public int[] lend() {
        send(NativeMessage.builder(NativeMessage.LEND).build());
        Reply r = await(GRACE);
        if (r == null) {
            throw new SandboxException.Failed("the sandbox's init did not lend its namespaces", "the sandbox is broken: destroy it");
        }
        NativeMessage m = r.message();
        if (m.op() != NativeMessage.LENT || r.fds().length != 6) {
            closeAll(r.fds());
            String error = m.get("error").orElse(m.toString());
            throw new SandboxException.Failed("the sandbox cannot take a zygote's copy: " + error, Hints.forNativeError(error));
        }
        return r.fds();
    }

    /**
     * Has the prepared run process wait for a zygote's copy (its pidfd, closed here) instead of
     * exec'ing: when the copy ends, or {@code lifetime} passes, init ends the run and reports a DONE
     * as for {@link #start}.
     */
    public void watch(int pidfd, Duration lifetime) {
        try {
            send(NativeMessage.builder(NativeMessage.EXEC).put("timeout_ms", lifetime.toMillis()).put("watch", 1).build(), pidfd);
        } finally {
            sys.close(pidfd);
        }
    }

    /** The control socket, for a caller polling it alongside an instance's descriptors. */
    public int controlFd() {
        return control;
    }

    /** Reads one message from init now readable on the control socket; keeps a DONE for {@link #takeDone()}. */
    public NativeMessage readControl() {
        Syscalls.Received r = sys.receive(control, buffer);
        for (int fd : r.fds()) {
            sys.close(fd);
        }
        if (r.length() == 0) {
            throw new SandboxException.Failed("the sandbox's init exited", "destroy the sandbox and create a new one");
        }
        NativeMessage m = NativeMessage.decode(buffer, r.length());
        if (m.op() == NativeMessage.DONE) {
            pendingDone = m;
        }
        return m;
    }

    /** Whether a DONE was read and not taken yet. */
    public boolean hasPendingDone() {
        return pendingDone != null;
    }

    /** The DONE of an instance that ended, once, or null. */
    public NativeMessage takeDone() {
        NativeMessage d = pendingDone;
        pendingDone = null;
        return d;
    }

    /** Runs one process to its end and returns init's report and the output. */
    public RunResult run(ProcessSpec spec) {
        long start = System.nanoTime();
        RunFds fds = sendWithPipes(execRequest(spec));
        return collect(fds, spec, start, null);
    }

    /** The JVM's ends of a run's stdio: stdin's write end, stdout's and stderr's read ends. */
    public record RunFds(int stdin, int stdout, int stderr) {}

    /** Sends an exec-shaped request with fresh stdio pipes; returns the JVM's ends. */
    private RunFds sendWithPipes(NativeMessage request) {
        int[] in = sys.pipe();
        int[] out = sys.pipe();
        int[] err = sys.pipe();
        try {
            send(request, in[0], out[1], err[1]);
        } catch (SandboxException e) {
            closeAll(in[1], out[0], err[0]);
            throw e;
        } finally {
            closeAll(in[0], out[1], err[1]);
        }
        return new RunFds(in[1], out[0], err[0]);
    }

    /**
     * Has the next run's process exec {@code spec}'s command now, ahead of its request: it gets
     * stdio on pipes (whose ends are returned) and fd 3, a pipe that stays empty until
     * {@link #runPrestarted} writes the request's text. Init does not answer; a failure shows at
     * that run.
     */
    public RunFds prestart(ProcessSpec spec) {
        return sendWithPipes(execRequest(spec, NativeMessage.PRESTART));
    }

    /**
     * Starts the pre-started process (the caller's {@code fds}, closed here): {@code text} goes to
     * its fd 3, {@code spec}'s stdin to its stdin, and its output to {@code spec}'s sinks, within
     * {@code spec}'s timeout. Null when there was no pre-started process to start (it died, or
     * could not be started): the sandbox is sound and the request can run the plain way.
     */
    public RunResult runPrestarted(RunFds fds, String text, ProcessSpec spec) {
        return runPrestarted(fds, text, spec, null);
    }

    /**
     * {@link #runPrestarted(RunFds, String, ProcessSpec)}, and once the run has its stdin, sends
     * {@code meanwhile}'s requests (a {@link #prestart} of the next process, which init then does
     * when this run ends): the JVM would otherwise only wait for init meanwhile.
     */
    public RunResult runPrestarted(RunFds fds, String text, ProcessSpec spec, Runnable meanwhile) {
        long start = System.nanoTime();
        short[] revents = new short[2];
        if (sys.poll(new int[] {fds.stdout(), fds.stderr()}, new short[] {Syscalls.POLLIN, Syscalls.POLLIN}, revents, 0) > 0) {
            // It wrote or ended before its start (it could not exec, or died): none of that may
            // reach this request's output. Init drops it when the plain run comes.
            closeAll(fds.stdin(), fds.stdout(), fds.stderr());
            return null;
        }
        try {
            send(NativeMessage.builder(NativeMessage.START).put("timeout_ms", spec.timeout().toMillis())
                    .put("text", text).build());
        } catch (SandboxException e) {
            closeAll(fds.stdin(), fds.stdout(), fds.stderr());
            throw e;
        }
        RunResult r = collect(fds, spec, start, meanwhile);
        return "prestart".equals(r.done().get("stage").orElse("")) ? null : r;
    }

    private RunResult collect(RunFds fds, ProcessSpec spec, long start, Runnable meanwhile) {
        byte[] stdin = spec.stdin();
        int stdinFd = fds.stdin();
        try {
            if (stdin.length == 0) {
                sys.close(stdinFd);
                stdinFd = -1;
            } else {
                sys.setNonBlocking(stdinFd);
            }
        } catch (RuntimeException e) {
            closeAll(fds.stdout(), fds.stderr());
            if (stdinFd >= 0) {
                sys.close(stdinFd);
            }
            throw e;
        }
        RunIo io = new RunIo(sys, spec.outputLimitBytes(), fds.stdout(), spec.stdoutSink(), fds.stderr(), spec.stderrSink());
        DoneWatcher watcher = new DoneWatcher();
        try {
            long outputFrom = spec.outputAtEnd() ? start + ProcessSpec.OUTPUT_AT_END_WINDOW.toNanos() : 0;
            io.pump(stdinFd, stdin, watcher, start + spec.timeout().plus(GRACE).toNanos(), start, outputFrom, meanwhile);
        } finally {
            io.closeAll();
        }
        return new RunResult(watcher.done, io.stdout(), io.stderr(), io.truncated(), System.nanoTime() - start,
                io.firstOutputNanos());
    }

    private static NativeMessage execRequest(ProcessSpec spec) {
        return execRequest(spec, NativeMessage.EXEC);
    }

    private static NativeMessage execRequest(ProcessSpec spec, char op) {
        List<String> env = new ArrayList<>();
        for (Map.Entry<String, String> e : spec.env().entrySet()) {
            env.add(e.getKey() + "=" + e.getValue());
        }
        return NativeMessage.builder(op)
                .put("timeout_ms", spec.timeout().toMillis())
                .put("cwd", spec.cwd())
                .putAll("arg", spec.argv())
                .putAll("env", env)
                .build();
    }

    /** Watches the control socket for DONE; past the deadline it asks init to kill, then gives up. */
    private final class DoneWatcher implements RunIo.Control {
        NativeMessage done;
        boolean killSent;

        @Override
        public int fd() {
            return control;
        }

        @Override
        public boolean onReadable() {
            Syscalls.Received r = sys.receive(control, buffer);
            for (int fd : r.fds()) {
                sys.close(fd);
            }
            if (r.length() == 0) {
                throw new SandboxException.Failed("the sandbox's init exited during a run",
                        "destroy the sandbox and create a new one");
            }
            NativeMessage m = NativeMessage.decode(buffer, r.length());
            if (m.op() != NativeMessage.DONE) {
                return false;
            }
            done = m;
            return true;
        }

        @Override
        public boolean outputsComplete() {
            return done != null && done.getLong("early", 0) == 1;
        }

        @Override
        public long onDeadline(long now) {
            if (!killSent) {
                killSent = true;
                kill();
                return now + GRACE.toNanos();
            }
            throw new SandboxException.Failed("the sandbox's init did not end the run",
                    "the sandbox is broken: destroy it");
        }
    }

    /** Asks init to kill every process of the current run. */
    public void kill() {
        byte[] k = NativeMessage.builder(NativeMessage.KILL).build().encode();
        synchronized (lifecycle) {
            if (closed) {
                return; // the descriptor number may belong to someone else by now
            }
            try {
                sys.send(control, k, k.length);
            } catch (SyscallException e) {
                // init is gone already: nothing left to kill
            }
        }
    }

    private void closeAll(int... fds) {
        for (int fd : fds) {
            sys.close(fd);
        }
    }

    /** Kills init (and with it every process of its pid namespace) and closes the descriptors. */
    @Override
    public void close() {
        synchronized (lifecycle) {
            closeOnce();
        }
    }

    private void closeOnce() {
        if (closed) {
            return;
        }
        closed = true;
        sys.killAndAwait(pidfd, (int) EXIT_WAIT.toMillis()); // then no rmdir retries while the pid namespace goes
        sys.close(control);
        sys.close(pidfd);
    }
}
