package dev.flint.sandbox;

import dev.flint.sandbox.internal.NativeMessage;
import dev.flint.sandbox.internal.cgroup.Cgroup;
import dev.flint.sandbox.internal.sys.SyscallException;
import dev.flint.sandbox.internal.sys.Syscalls;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * A runtime process kept up once per image that forks a copy of itself into a sandbox instead of
 * a new process being started there (ADR 0015): every copy shares what the zygote imported,
 * copy-on-write, so an idle instance costs only the pages it has written. Started by
 * {@link SandboxRuntime#startZygote}; a copy is made by {@link Sandbox#start(Zygote, String, Duration)}.
 *
 * <p>The zygote runs as root in the host's pid namespace (joining a sandbox takes setns and a
 * cgroup write), in a mount namespace of its own whose root is its image, read-only; it never runs
 * a function's code. Each copy gives up what a sandbox's run process gives up before it calls the
 * program's entry point. Thread-safe: forks are serialised.
 */
public final class Zygote implements AutoCloseable {
    /** The Python prelude a zygote's program starts with: it defines {@code flint_zygote_main(entry)}. */
    public static final String PRELUDE = load();

    private static final Duration READY_WAIT = Duration.ofSeconds(30);
    private static final Duration FORK_WAIT = Duration.ofSeconds(10);
    private static final Duration EXIT_WAIT = Duration.ofSeconds(2);

    private final Syscalls sys;
    private final int control;
    private final int pid;
    private final int pidfd;
    private final Cgroup cgroup;
    private final byte[] buffer = new byte[NativeMessage.MAX_BYTES];
    private boolean closed;

    Zygote(Syscalls sys, int control, int pid, int pidfd, Cgroup cgroup) {
        this.sys = sys;
        this.control = control;
        this.pid = pid;
        this.pidfd = pidfd;
        this.cgroup = cgroup;
    }

    private static String load() {
        try (InputStream in = Zygote.class.getResourceAsStream("/dev/flint/sandbox/zygote.py")) {
            if (in == null) {
                throw new IllegalStateException("zygote.py is missing from the sandbox runtime's jar");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The zygote's pid on the host. */
    public int pid() {
        return pid;
    }

    /** The zygote's cgroup below the cgroup root(s), where the memory its copies share is charged. */
    public String cgroupPath() {
        return cgroup.relativePath();
    }

    /** False once the zygote has exited or was closed. */
    public synchronized boolean alive() {
        if (closed) {
            return false;
        }
        short[] revents = new short[1];
        return sys.poll(new int[] {pidfd}, new short[] {Syscalls.POLLIN}, revents, 0) == 0;
    }

    void awaitReady() {
        NativeMessage m = receive(READY_WAIT, null);
        if (m.op() != NativeMessage.READY) {
            throw failed("the zygote did not start: " + m.get("error").orElse(m.toString()));
        }
    }

    /**
     * Forks a copy into a sandbox. {@code stdio} are its fds 0-3, {@code namespaces} the run's
     * (init's OP_LENT order), {@code procs} one open cgroup.procs file per hierarchy. The caller
     * keeps and closes all of them; returns a pidfd for the copy.
     */
    synchronized int fork(int[] stdio, int[] namespaces, int[] procs, SandboxSpec spec, String cwd) {
        if (closed) {
            throw new SandboxException.Failed("the zygote is closed", "start a new one");
        }
        byte[] request = NativeMessage.builder(NativeMessage.FORK)
                .put("uid", spec.uid())
                .put("gid", spec.gid())
                .put("nofile", spec.maxOpenFiles())
                .put("cwd", cwd)
                .build()
                .encode();
        int[] fds = new int[stdio.length + namespaces.length + procs.length];
        System.arraycopy(stdio, 0, fds, 0, stdio.length);
        System.arraycopy(namespaces, 0, fds, stdio.length, namespaces.length);
        System.arraycopy(procs, 0, fds, stdio.length + namespaces.length, procs.length);
        try {
            sys.send(control, request, request.length, fds);
        } catch (SyscallException e) {
            throw failed("the zygote is gone: " + e.getMessage());
        }
        int[] received = new int[1];
        NativeMessage m;
        try {
            m = receive(FORK_WAIT, received);
        } catch (SandboxException e) {
            close(); // its answer may still come: a later request must never read it as its own
            throw e;
        }
        if (m.op() != NativeMessage.CREATED || received[0] < 0) {
            if (received[0] >= 0) {
                sys.close(received[0]);
            }
            throw failed("the zygote could not fork into the sandbox: " + m.get("error").orElse(m.toString()));
        }
        return received[0];
    }

    /** One message; its one descriptor, if any, goes to {@code fd[0]} (else -1), others are closed. */
    private NativeMessage receive(Duration timeout, int[] fd) {
        short[] revents = new short[1];
        if (sys.poll(new int[] {control}, new short[] {Syscalls.POLLIN}, revents, (int) timeout.toMillis()) == 0) {
            throw failed("the zygote did not answer within " + timeout.toMillis() + " ms");
        }
        Syscalls.Received r = sys.receive(control, buffer);
        int[] fds = r.fds();
        int kept = fd != null && fds.length == 1 ? fds[0] : -1;
        if (fd != null) {
            fd[0] = kept;
        }
        for (int f : fds) {
            if (f != kept) {
                sys.close(f);
            }
        }
        if (r.length() == 0) {
            throw failed("the zygote exited (its stderr is the server's)");
        }
        return NativeMessage.decode(buffer, r.length());
    }

    private static SandboxException failed(String message) {
        return new SandboxException.Failed(message, "check the image's program and the server's stderr");
    }

    /** Whether {@link #close} was called. */
    synchronized boolean isClosed() {
        return closed;
    }

    /** Kills the zygote (its copies live on: they belong to their sandboxes) and removes its cgroup. Idempotent. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        sys.killAndAwait(pidfd, (int) EXIT_WAIT.toMillis());
        sys.close(control);
        sys.close(pidfd);
        cgroup.remove();
    }
}
