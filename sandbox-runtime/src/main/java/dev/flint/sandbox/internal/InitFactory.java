package dev.flint.sandbox.internal;

import dev.flint.sandbox.SandboxException;
import dev.flint.sandbox.internal.sys.SyscallException;
import dev.flint.sandbox.internal.sys.Syscalls;

/**
 * The flint-init factory process: started once per runtime, it clones every sandbox's init, so
 * creating a sandbox costs a clone, not a process start. Requests are answered in order, so
 * {@link #create} is serialised; the inits then set themselves up in parallel.
 *
 * <p>If this JVM dies, the factory sees its socket close and exits, and so does every init.
 */
public final class InitFactory implements AutoCloseable {
    private final Syscalls sys;
    private final int binaryFd;
    private final int socket;
    private final int pid;
    private final byte[] buffer = new byte[NativeMessage.MAX_BYTES];
    private boolean closed;

    /** The init the factory created: its pid (host view) and a pidfd for it. */
    public record Created(int pid, int pidfd) {}

    public InitFactory(Syscalls sys) {
        this.sys = sys;
        this.binaryFd = FlintInitBinary.load(sys);
        int[] pair = sys.seqpacketPair();
        try {
            // Not a shell-out: posix_spawn of Flint's own sealed helper, once per runtime.
            this.pid = sys.spawn("/proc/self/fd/" + binaryFd, new String[] {"flint-init", "factory"}, pair[1]);
        } catch (SyscallException e) {
            sys.close(pair[0]);
            sys.close(pair[1]);
            sys.close(binaryFd);
            throw new SandboxException.HostUnsupported("cannot start flint-init: " + e.getMessage(),
                    "check that /proc is mounted and memfd execution is allowed", e);
        }
        sys.close(pair[1]);
        this.socket = pair[0];
    }

    /**
     * Asks for a new init. {@code control} is the init's end of its control socket; it is passed
     * over and closed here.
     */
    public synchronized Created create(NativeMessage request, int control) {
        if (closed) {
            sys.close(control);
            throw new SandboxException.Failed("the sandbox runtime is closed", "start a new runtime");
        }
        byte[] data = request.encode();
        try {
            sys.send(socket, data, data.length, control);
        } catch (SyscallException e) {
            throw new SandboxException.Failed("flint-init factory is gone: " + e.getMessage(),
                    "restart the runtime; see stderr for a crash of flint-init", e);
        } finally {
            sys.close(control);
        }
        Syscalls.Received r = sys.receive(socket, buffer);
        if (r.length() == 0) {
            throw new SandboxException.Failed("flint-init factory exited", "restart the runtime; see stderr");
        }
        NativeMessage reply = NativeMessage.decode(buffer, r.length());
        if (reply.op() == NativeMessage.CREATED && r.fds().length == 1) {
            return new Created((int) reply.getLong("pid", -1), r.fds()[0]);
        }
        for (int fd : r.fds()) {
            sys.close(fd);
        }
        throw new SandboxException.Failed("cannot create sandbox: " + reply.get("error").orElse(reply.toString()),
                Hints.forNativeError(reply.get("error").orElse("")));
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        sys.close(socket); // the factory exits on end of file
        sys.waitpid(pid);
        sys.close(binaryFd);
    }
}
