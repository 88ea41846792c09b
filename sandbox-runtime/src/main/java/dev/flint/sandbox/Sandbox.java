package dev.flint.sandbox;

import dev.flint.sandbox.internal.InitChannel;
import dev.flint.sandbox.internal.sys.Syscalls;
import dev.flint.sandbox.internal.NativeMessage;
import dev.flint.sandbox.internal.cgroup.Cgroup;
import dev.flint.sandbox.internal.cgroup.MemoryUsage;
import java.time.Duration;
import java.util.function.Consumer;

/**
 * A created sandbox: namespaces, a cgroup with limits, and a parked init. Each {@link #run} gets a
 * fresh copy-on-write scratch root over the read-only layers; nothing one run writes is visible to
 * the next, and when a run ends every process it started is gone.
 *
 * <p>Thread-safety: one run at a time ({@link #run} is synchronised); {@link #kill()} may be called
 * from another thread to end the current run. The owner must {@link #destroy()} it.
 */
public final class Sandbox implements AutoCloseable {
    private final String id;
    private final SandboxSpec spec;
    private final InitChannel init;
    private final Cgroup cgroup;
    private final Consumer<String> onDestroy;
    private static final java.util.regex.Pattern ATTACH_PATH = java.util.regex.Pattern.compile("/[A-Za-z0-9_.-]{1,60}");

    private static final long MIN_MEMORY = 4L << 20;

    private final Syscalls sys;
    private long memoryLimit;
    private long oomKills;
    private volatile boolean destroyed;
    /** The instance that is up, or null; guarded by this. */
    private Instance instance;
    /** What is attached, for messages; guarded by this. */
    private String attached;
    /** The process pre-started and not yet run, or null; guarded by this. */
    private Prestarted prestarted;

    /** A pre-started process: its command, and the JVM's ends of its stdio. */
    private record Prestarted(java.util.List<String> command, InitChannel.RunFds fds) {}

    Sandbox(String id, SandboxSpec spec, InitChannel init, Cgroup cgroup, Consumer<String> onDestroy, Syscalls sys) {
        this.id = id;
        this.sys = sys;
        this.memoryLimit = spec.memoryBytes();
        this.spec = spec;
        this.init = init;
        this.cgroup = cgroup;
        this.onDestroy = onDestroy;
        this.oomKills = cgroup.memoryUsage().oomKills();
    }

    public String id() {
        return id;
    }

    public SandboxSpec spec() {
        return spec;
    }

    /** The host pid of the sandbox's init (PID 1 inside). */
    public int initPid() {
        return init.pid();
    }

    /** The pids in the sandbox's cgroup now, as the host sees them (init included). */
    public java.util.List<Integer> pids() {
        return cgroup.pids();
    }

    /**
     * Runs a process to its end. Returns how it ended, its output and what it used; throws
     * {@link SandboxException.Failed} only when the platform failed (the run could not be set up,
     * or the sandbox broke), never for what the process did.
     */
    public synchronized Execution run(ProcessSpec process) {
        checkIdle();
        dropPrestarted(); // init replaces it with a process in a fresh root
        InitChannel.RunResult r;
        try {
            r = init.run(process);
        } catch (RuntimeException e) {
            // The protocol has no run ids: after a failure mid-run the next answer could belong to
            // this run, so the sandbox is not used again.
            destroyQuietly(e);
            throw e;
        }
        return executionOf(r);
    }

    /**
     * Has the next run's process exec {@code process}'s command (with its environment and working
     * directory) now, ahead of the request that will use it, in that run's fresh root: an
     * interpreter that is up before its code is known. Besides stdio it gets fd 3, a pipe that
     * stays empty until {@link #runPrestarted} writes the request's text to it and closes it; it
     * runs under the sandbox's limits but without a timeout until then. A {@link #run},
     * {@link #start} or zygote copy in its place replaces it. No answer is awaited: a process that
     * could not start shows as an empty {@link #runPrestarted}.
     */
    public synchronized void prestart(ProcessSpec process) {
        checkIdle();
        if (prestarted != null) {
            throw new SandboxException.InvalidSpec("prestart", "sandbox " + id + " has a process pre-started already",
                    "run it with runPrestarted first");
        }
        try {
            prestarted = new Prestarted(process.argv(), init.prestart(process));
        } catch (RuntimeException e) {
            destroyQuietly(e);
            throw e;
        }
    }

    /** The command of the process {@link #prestart}ed and not yet run, if any. */
    public synchronized java.util.Optional<java.util.List<String>> prestartedCommand() {
        return java.util.Optional.ofNullable(prestarted).map(Prestarted::command);
    }

    /**
     * Runs the pre-started process to its end as {@link #run} runs a new one: {@code text} (at most
     * {@link #MAX_START_TEXT} bytes, no NUL) on its fd 3, then end of file; stdin, timeout, output
     * cap and sinks from {@code request} (its command, environment and working directory are the
     * pre-started ones). Empty when nothing pre-started was there to run (it exited or could not
     * start): nothing ran, and the sandbox serves a plain {@link #run} as before.
     */
    public synchronized java.util.Optional<Execution> runPrestarted(String text, ProcessSpec request) {
        return runPrestarted(text, request, null);
    }

    /**
     * {@link #runPrestarted(String, ProcessSpec)}, and {@code next} pre-started for the run after
     * this one as {@link #prestart} would, without a round trip after this run: its request goes to
     * init during this run, which starts it as soon as this run ends. When nothing ran (empty),
     * this side holds nothing pre-started (init may have started it on the idle sandbox: the next
     * run or prestart replaces it). Null {@code next}: none.
     */
    public synchronized java.util.Optional<Execution> runPrestarted(String text, ProcessSpec request, ProcessSpec next) {
        checkIdle();
        if (text.indexOf('\0') >= 0 || text.getBytes(java.nio.charset.StandardCharsets.UTF_8).length > MAX_START_TEXT) {
            throw new SandboxException.InvalidSpec("text", "the start text has a NUL byte or exceeds " + MAX_START_TEXT + " bytes",
                    "keep it short; pass data on stdin");
        }
        Prestarted taken = prestarted;
        prestarted = null;
        if (taken == null) {
            return java.util.Optional.empty();
        }
        InitChannel.RunResult r;
        try {
            // kept at once, so that a failure later in the run (destroy) closes its descriptors too
            r = init.runPrestarted(taken.fds(), text, request,
                    next == null ? null : () -> prestarted = new Prestarted(next.argv(), init.prestart(next)));
        } catch (RuntimeException e) {
            destroyQuietly(e);
            throw e;
        }
        if (r == null) {
            dropPrestarted(); // init pre-started it when idle; the next run or prestart replaces it
        }
        return r == null ? java.util.Optional.empty() : java.util.Optional.of(executionOf(r));
    }

    /** The most a start text may take: one atomic pipe write (PIPE_BUF). */
    public static final int MAX_START_TEXT = 4096;

    /** Forgets the pre-started process on this side; init kills it when a request takes its place. */
    private void dropPrestarted() {
        Prestarted dropped = prestarted;
        prestarted = null;
        if (dropped != null) {
            InitChannel.RunFds fds = dropped.fds();
            for (int fd : new int[] {fds.stdin(), fds.stdout(), fds.stderr()}) {
                try {
                    sys.close(fd);
                } catch (RuntimeException e) {
                    // closing a pipe end fails only for a bad descriptor: nothing left to release
                }
            }
        }
    }

    private Execution executionOf(InitChannel.RunResult r) {
        NativeMessage done = r.done();
        Delta usage = done.get("peak").isPresent() ? usageFrom(done) : takeUsage();
        String error = done.get("error").orElse("");
        if (!error.isEmpty() && !"exec".equals(done.get("stage").orElse(""))) {
            throw new SandboxException.Failed("sandbox " + id + " could not set up the run: " + error,
                    "the sandbox may be out of memory or pids; destroy it and create a new one");
        }
        int exit = (int) done.getLong("exit", -1);
        int signal = (int) done.getLong("signal", 0);
        Outcome outcome = outcomeOf(done, error, usage.newOomKills(), signal);
        Duration cpu = Duration.ofNanos(1000 * (done.getLong("utime_us", 0) + done.getLong("stime_us", 0)));
        return new Execution(outcome, outcome == Outcome.EXITED ? exit : -1, signal, error,
                r.stdout(), r.stderr(), r.truncated(), new ResourceUsage(usage.peakBytes(), cpu),
                Duration.ofNanos(r.wallNanos()), r.firstOutputNanos() < 0 ? null : Duration.ofNanos(r.firstOutputNanos()));
    }

    /** Peak memory since the last call (then reset) and OOM kills since the last call. */
    record Delta(long peakBytes, long newOomKills) {}

    /** The usage init read from the cgroup after the run, and reset (it says so in DONE). */
    private synchronized Delta usageFrom(NativeMessage done) {
        return delta(done.getLong("peak", 0), done.getLong("oom_kills", oomKills));
    }

    synchronized Delta takeUsage() {
        MemoryUsage usage = cgroup.memoryUsage();
        cgroup.resetPeak();
        return delta(usage.peakBytes(), usage.oomKills());
    }

    /** The peak as read, and the OOM kills since the last count ({@code kills}: the cgroup's total). */
    private Delta delta(long peakBytes, long kills) {
        long newOomKills = kills - oomKills;
        oomKills = kills;
        return new Delta(peakBytes, newOomKills);
    }

    static Outcome outcomeOf(NativeMessage done, String error, long newOomKills, int signal) {
        if (done.getLong("timeout", 0) == 1) {
            return Outcome.TIMED_OUT;
        }
        if (newOomKills > 0) {
            return Outcome.OUT_OF_MEMORY;
        }
        if (done.getLong("killed", 0) == 1) {
            return Outcome.KILLED;
        }
        if (!error.isEmpty()) {
            return Outcome.EXEC_FAILED;
        }
        return signal != 0 ? Outcome.SIGNALED : Outcome.EXITED;
    }

    private void checkIdle() {
        if (destroyed) {
            throw new SandboxException.Failed("sandbox " + id + " is destroyed", "create a new sandbox");
        }
        if (instance != null) {
            throw new SandboxException.Failed("sandbox " + id + " has an instance running",
                    "end it (kill) before running something else");
        }
    }

    /**
     * Starts a process that stays up across requests (instance mode): stdin is empty, fd 3 is a
     * stream socket to the JVM, stdout and stderr go to the {@link Instance}'s listener. The
     * process's {@code timeout} bounds its whole life. Until it ends the sandbox runs nothing else.
     */
    public synchronized Instance start(ProcessSpec process) {
        checkIdle();
        dropPrestarted();
        try {
            instance = new Instance(this, init, init.start(process), sys);
        } catch (RuntimeException e) {
            destroyQuietly(e);
            throw e;
        }
        return instance;
    }

    /**
     * Starts an instance as {@link #start(ProcessSpec)} does, but as a copy forked by {@code zygote}
     * into this sandbox's prepared run (ADR 0015) rather than a process started here: stdin
     * empty, fd 3 the channel, stdout and stderr to the instance's listener, working directory
     * {@code cwd}; {@code lifetime} bounds its life. Only for sandboxes without a user namespace
     * whose processes keep no capabilities (what a copy gives up is fixed). A failure destroys the
     * sandbox.
     */
    public synchronized Instance start(Zygote zygote, String cwd, Duration lifetime) {
        checkIdle();
        if (!takesZygoteCopies()) {
            throw new SandboxException.InvalidSpec("zygote",
                    "a zygote's copy joins only sandboxes without a user namespace and capabilities",
                    "start the process with start(ProcessSpec) instead");
        }
        dropPrestarted();
        try {
            instance = new Instance(this, init, forkFrom(zygote, cwd, lifetime), sys);
        } catch (RuntimeException e) {
            destroyQuietly(e);
            throw e;
        }
        return instance;
    }

    /**
     * Whether {@link #start(Zygote, String, Duration)} may be used: no user namespace, and runs keep
     * no capabilities (what a copy gives up is fixed).
     */
    public boolean takesZygoteCopies() {
        return spec.userNamespaceBase() == 0 && spec.capabilities().isEmpty();
    }

    private InitChannel.InstanceFds forkFrom(Zygote zygote, String cwd, Duration lifetime) {
        java.util.List<Integer> ours = new java.util.ArrayList<>(); // closed here whatever happens
        java.util.List<Integer> theirs = new java.util.ArrayList<>(); // the instance's ends, kept on success
        boolean started = false;
        try {
            int[] namespaces = init.lend();
            for (int fd : namespaces) {
                ours.add(fd);
            }
            int[] in = keep(sys.pipe(), ours, ours);
            int[] out = keep(sys.pipe(), theirs, ours);
            int[] err = keep(sys.pipe(), theirs, ours);
            int[] channel = keep(sys.streamPair(), theirs, ours);
            java.util.List<java.nio.file.Path> files = cgroup.procsFiles();
            int[] procs = new int[files.size()];
            for (int i = 0; i < procs.length; i++) {
                procs[i] = sys.openForWriting(files.get(i).toString());
                ours.add(procs[i]);
            }
            int pidfd = zygote.fork(new int[] {in[0], out[1], err[1], channel[1]}, namespaces, procs, spec, cwd);
            init.watch(pidfd, lifetime);
            started = true;
            return new InitChannel.InstanceFds(out[0], err[0], channel[0]);
        } finally {
            ours.forEach(sys::close);
            if (!started) {
                theirs.forEach(sys::close);
            }
        }
    }

    /** Notes a pair's first end in {@code first} and its second in {@code second}; returns the pair. */
    private static int[] keep(int[] pair, java.util.List<Integer> first, java.util.List<Integer> second) {
        first.add(pair[0]);
        second.add(pair[1]);
        return pair;
    }

    synchronized void instanceEnded(Instance ended) {
        if (instance == ended) {
            instance = null;
        }
    }

    /**
     * Binds the sandbox to a host directory for good (a function's code layer): a read-only,
     * nosuid, nodev copy of its mount shows at {@code path} (one level below the root, such as
     * {@code /code}) in the root of the run or instance that is up or prepared now and of every
     * later one. Once per sandbox; a failure destroys the sandbox.
     */
    public synchronized void attach(java.nio.file.Path hostDir, String path) {
        attach(hostDir, path, true);
    }

    /**
     * {@link #attach(java.nio.file.Path, String)}, optionally without waiting for init: the next
     * {@link #run} is queued behind the attach (and fails, destroying the sandbox, if the attach
     * failed), which saves a round trip to init on a stem cell's first run. An {@link Instance}
     * started before needs the wait: it reads the code on its own.
     */
    public synchronized void attach(java.nio.file.Path hostDir, String path, boolean await) {
        attach(hostDir, path, tree -> {
            if (await) {
                init.attach(tree, path);
            } else {
                init.sendAttach(tree, path);
            }
        });
    }

    /**
     * {@link #attach(java.nio.file.Path, String)} for an instance's first request: init writes
     * {@code request} to the instance's channel ({@code channel}, the JVM's end) once the code is
     * attached, and answers only a failure, which the conversation that follows sees.
     */
    synchronized void attachThenSend(java.nio.file.Path hostDir, String path, int channel, String request) {
        attach(hostDir, path, tree -> init.sendAttach(tree, path, channel, request));
    }

    /** Checks an attach, takes the host directory as a detached tree and hands it to init with {@code send}. */
    private void attach(java.nio.file.Path hostDir, String path, java.util.function.IntConsumer send) {
        int tree = detachedTree(hostDir, path);
        try {
            send.accept(tree);
        } catch (RuntimeException e) {
            destroyQuietly(e);
            throw e;
        }
        attached = hostDir + " at " + path;
    }

    /** The checks of an attach, then the host directory as a detached read-only tree (a descriptor). */
    private int detachedTree(java.nio.file.Path hostDir, String path) {
        if (destroyed) {
            throw new SandboxException.Failed("sandbox " + id + " is destroyed", "create a new sandbox");
        }
        if (attached != null) {
            throw new SandboxException.InvalidSpec("attach", "sandbox " + id + " has " + attached + " attached already",
                    "a sandbox is bound to one function's code: use another sandbox");
        }
        if (!ATTACH_PATH.matcher(path).matches() || path.equals("/.") || path.equals("/..")) {
            throw new SandboxException.InvalidSpec("attach", "'" + path + "' is not a directory right below /",
                    "e.g. /code");
        }
        if (!hostDir.isAbsolute()) {
            throw notADirectory(hostDir);
        }
        int tree;
        try {
            // "/." makes the kernel's lookup refuse anything but a directory: no stat of our own
            tree = sys.detachedReadOnlyTree(hostDir + "/.");
        } catch (dev.flint.sandbox.internal.sys.SyscallException e) {
            if (dev.flint.sandbox.internal.sys.SyscallException.isBadPath(e.errno())) {
                throw notADirectory(hostDir);
            }
            throw new SandboxException.Failed("cannot take " + hostDir + " for attaching: " + e.getMessage(),
                    "check the host's mount support (open_tree, Linux 5.2+)", e);
        }
        return tree;
    }

    private static SandboxException.InvalidSpec notADirectory(java.nio.file.Path hostDir) {
        return new SandboxException.InvalidSpec("attach", hostDir + " is not an absolute path of a directory",
                "give a code layer's directory");
    }

    /**
     * Changes the sandbox's memory limit from now on (a pool's stem cell taken by a function with a
     * limit of its own). Lowering it below what is in use makes the kernel reclaim, and fails when
     * it cannot.
     */
    public synchronized void limitMemory(long bytes) {
        if (destroyed) {
            throw new SandboxException.Failed("sandbox " + id + " is destroyed", "create a new sandbox");
        }
        if (bytes < MIN_MEMORY || bytes > SandboxSpec.MAX_MEMORY) {
            throw new SandboxException.InvalidSpec("memory", bytes + " bytes is outside 4 MiB .. 1 TiB", "e.g. 256 MiB");
        }
        cgroup.changeMemoryLimit(memoryLimit, bytes);
        memoryLimit = bytes;
    }

    /** The memory limit now: the spec's, or the last {@link #limitMemory}. */
    public synchronized long memoryLimit() {
        return memoryLimit;
    }

    /** The instance that is up, if any. */
    public synchronized java.util.Optional<Instance> instance() {
        return java.util.Optional.ofNullable(instance);
    }

    /** Whether a host directory is attached ({@link #attach}). */
    public synchronized boolean attached() {
        return attached != null;
    }

    /** Destroys the sandbox after a platform failure during an instance's conversation. */
    void destroyAfter(RuntimeException cause) {
        destroyQuietly(cause);
    }

    private void destroyQuietly(RuntimeException cause) {
        try {
            destroy();
        } catch (RuntimeException e) {
            cause.addSuppressed(e);
        }
    }

    /** Ends the current run, if any, killing every process of it. Safe from any thread. */
    public void kill() {
        if (!destroyed) {
            init.kill();
        }
    }

    /**
     * Kills init (and so every process in the sandbox), which takes its namespaces and mounts with
     * it, then removes the cgroup. Idempotent.
     */
    public synchronized void destroy() {
        if (destroyed) {
            return;
        }
        destroyed = true;
        try {
            if (instance != null) {
                instance.closeQuietly();
                instance = null;
            }
            dropPrestarted();
            init.close();
            cgroup.remove();
        } finally {
            onDestroy.accept(id);
        }
    }

    @Override
    public void close() {
        destroy();
    }
}
