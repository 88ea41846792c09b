package dev.flint.sandbox;

import dev.flint.sandbox.internal.InitChannel;
import dev.flint.sandbox.internal.InitFactory;
import dev.flint.sandbox.internal.NativeMessage;
import dev.flint.sandbox.internal.StateDirectory;
import dev.flint.sandbox.internal.cgroup.Cgroup;
import dev.flint.sandbox.internal.cgroup.CgroupDriver;
import dev.flint.sandbox.internal.cgroup.CgroupLimits;
import dev.flint.sandbox.internal.cgroup.MemoryFiles;
import dev.flint.sandbox.internal.sys.LinuxSyscalls;
import dev.flint.sandbox.internal.sys.SyscallException;
import dev.flint.sandbox.internal.sys.Syscalls;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Creates sandboxes (docs/sandbox.md). Start one per process with {@link #start()}; it checks the
 * host, removes what crashed runtimes left behind, and starts the native helper. Creating a
 * sandbox is the slow part (namespaces, cgroup, mounts) and is meant for pool-fill time; running
 * in one is the fast part.
 *
 * <p>Thread-safe: sandboxes may be created, run and destroyed from any threads. {@link #close()}
 * destroys every sandbox this runtime still has.
 */
public final class SandboxRuntime implements AutoCloseable {
    private static final Duration SETUP_TIMEOUT = Duration.ofSeconds(30);

    private final Syscalls sys;
    private final CgroupDriver cgroups;
    private final RuntimeConfig config;
    private final StateDirectory state;
    private final InitFactory factory;
    private final Map<String, Sandbox> live = new ConcurrentHashMap<>();
    private final AtomicLong sequence = new AtomicLong();
    private volatile boolean closed;

    /**
     * A zygote's cgroup: its interpreter (~10 MiB with the page cache of its files), plus the pages
     * it writes after each fork while copies still hold the old ones (~0.3 MiB per live copy:
     * docs/SPEC.md, W6); few processes (its copies leave at once).
     */
    private static final long ZYGOTE_MEMORY = 1L << 30;
    private static final int ZYGOTE_PIDS = 64;
    private static final long ZYGOTE_SCRATCH = 1L << 20;

    /** Zygotes started here, closed with the runtime if their owner did not. */
    private final List<Zygote> zygotes = new java.util.concurrent.CopyOnWriteArrayList<>();

    private SandboxRuntime(RuntimeConfig config, Syscalls sys, CgroupDriver cgroups) {
        this.config = config;
        this.sys = sys;
        this.cgroups = cgroups;
        this.state = StateDirectory.claim(config.stateDir(), "rt-" + HexFormat.of().formatHex(new SecureRandom().generateSeed(4)));
        try {
            removeLeftovers();
            this.factory = new InitFactory(sys);
        } catch (RuntimeException e) {
            state.close();
            throw e;
        }
    }

    /** A runtime with {@link RuntimeConfig#defaults()}. */
    public static SandboxRuntime start() {
        return start(RuntimeConfig.defaults());
    }

    public static SandboxRuntime start(RuntimeConfig config) {
        Syscalls sys = new LinuxSyscalls();
        if (sys.geteuid() != 0) {
            throw new SandboxException.HostUnsupported("sandboxes need root (namespaces, cgroups and mounts)",
                    "run as root, e.g. sudo ./flint ...");
        }
        return new SandboxRuntime(config, sys, CgroupDriver.detect(config.cgroupRoot()));
    }

    /** "v1" or "v2": the cgroup interface this host offers and the runtime uses. */
    public String cgroupMode() {
        return cgroups.version().name().toLowerCase(java.util.Locale.ROOT);
    }

    /** How many sandboxes this runtime has created and not yet destroyed. */
    public int liveSandboxes() {
        return live.size();
    }

    /**
     * Creates a sandbox, in the order of docs/sandbox.md: check the layers, make the cgroup with its
     * limits, have the factory clone an init into new namespaces (attached to the cgroup before it
     * runs), and wait until init has built the root, /dev and /proc and parked.
     */
    public Sandbox create(SandboxSpec spec) {
        if (closed) {
            // before the cgroup: making it would bring back the runtime's cgroup that close removed
            throw new SandboxException.Failed("the sandbox runtime is closed", "start a new runtime");
        }
        checkLayers(spec);
        String id = "sb-" + sequence.incrementAndGet();
        Cgroup cgroup = cgroups.create(cgroupPath(state.id()) + "/" + id, limitsOf(spec));
        InitChannel channel = null;
        try {
            channel = startInit(id, spec, cgroup);
            channel.awaitReady(SETUP_TIMEOUT);
            Sandbox sandbox = new Sandbox(id, spec, channel, cgroup, live::remove, sys);
            live.put(id, sandbox);
            return sandbox;
        } catch (RuntimeException e) {
            if (channel != null) {
                channel.close();
            }
            removeQuietly(cgroup, e);
            throw e;
        }
    }

    /**
     * Starts a zygote on an image's layers (ADR 0015): its own cgroup below this runtime's, a
     * read-only root of the layers, the program of {@code spec}; returns once the program said it is
     * ready. The caller closes it before this runtime.
     */
    public Zygote startZygote(ZygoteSpec spec) {
        if (closed) {
            throw new SandboxException.Failed("the sandbox runtime is closed", "start a new runtime");
        }
        checkLayers(spec.layers());
        String id = "zygote-" + sequence.incrementAndGet();
        Cgroup cgroup = cgroups.create(cgroupPath(state.id()) + "/" + id,
                new CgroupLimits(ZYGOTE_MEMORY, 0, 0, ZYGOTE_PIDS));
        List<String> env = new ArrayList<>();
        spec.env().forEach((k, v) -> env.add(k + "=" + v));
        NativeMessage request = NativeMessage.builder(NativeMessage.ZYGOTE)
                .put("mnt", state.mountPoint())
                .putAll("lower", spec.layers())
                .putAll("cgroup", cgroup.procsFiles())
                .put("scratch", ZYGOTE_SCRATCH)
                .putAll("arg", spec.argv())
                .putAll("env", env)
                .build();
        int[] pair = sys.seqpacketPair();
        Zygote zygote = null;
        try {
            InitFactory.Created created = factory.create(request, pair[1]);
            zygote = new Zygote(sys, pair[0], created.pid(), created.pidfd(), cgroup);
            zygote.awaitReady();
            zygotes.removeIf(Zygote::isClosed); // closed by their users (retired: ADR 0015's addendum); kept only until now
            zygotes.add(zygote);
            return zygote;
        } catch (RuntimeException e) {
            if (zygote != null) {
                zygote.close();
            } else {
                sys.close(pair[0]);
                removeQuietly(cgroup, e);
            }
            throw e;
        }
    }

    private static void checkLayers(SandboxSpec spec) {
        checkLayers(spec.layers());
    }

    private static void checkLayers(List<Path> layers) {
        for (Path layer : layers) {
            if (!Files.isDirectory(layer)) {
                throw new SandboxException.InvalidSpec("layers", layer + " is not a directory",
                        Files.exists(layer) ? "a layer must be a directory" : "check the path; it does not exist");
            }
        }
    }

    private static CgroupLimits limitsOf(SandboxSpec spec) {
        long period = CgroupLimits.DEFAULT_CPU_PERIOD_MICROS;
        long quota = spec.cpus() == 0 ? 0 : Math.max(1000, Math.round(spec.cpus() * period));
        return new CgroupLimits(spec.memoryBytes(), quota, period, spec.pidsMax());
    }

    private InitChannel startInit(String id, SandboxSpec spec, Cgroup cgroup) {
        MemoryFiles memory = cgroup.memoryFiles(); // init reports a run's memory use from them
        NativeMessage request = NativeMessage.builder(NativeMessage.CREATE)
                .put("id", id)
                .put("mnt", state.mountPoint())
                .putAll("lower", spec.layers())
                .put("scratch", spec.scratchBytes())
                .put("inodes", Math.max(1024, spec.scratchBytes() / 8192))
                .put("hostname", spec.hostname())
                .put("uid", spec.uid())
                .put("gid", spec.gid())
                .put("caps", Long.toHexString(Capabilities.mask(spec.capabilities())))
                .put("userns", spec.userNamespaceBase())
                .putAll("cgroup", cgroup.procsFiles())
                .put("memory_peak", memory.peak())
                .put("memory_events", memory.events())
                .put("pids_current", cgroup.taskCountFile()) // init skips kill(-1) when it is alone
                .put("prepare", spec.prepareAhead() ? 1 : 0)
                .put("nofile", spec.maxOpenFiles())
                .build();
        int[] pair = sys.seqpacketPair();
        InitFactory.Created created;
        try {
            created = factory.create(request, pair[1]);
        } catch (RuntimeException e) {
            sys.close(pair[0]);
            throw e;
        }
        return new InitChannel(sys, pair[0], created.pid(), created.pidfd());
    }

    private String cgroupPath(String runtimeId) {
        return config.cgroupParent() + "/" + runtimeId;
    }

    /** Kills and removes what runtimes that died (kill -9, power loss of the JVM) left behind. */
    private void removeLeftovers() {
        for (String dead : state.deadRuntimes()) {
            String parent = cgroupPath(dead);
            for (String child : cgroups.children(parent)) {
                Cgroup leftover = cgroups.open(parent + "/" + child);
                for (int pid : leftover.pids()) {
                    try {
                        sys.kill(pid, Syscalls.SIGKILL);
                    } catch (SyscallException e) {
                        // exited meanwhile
                    }
                }
                leftover.remove();
            }
            cgroups.open(parent).remove();
            state.forget(dead);
        }
    }

    private static void removeQuietly(Cgroup cgroup, RuntimeException cause) {
        try {
            cgroup.remove();
        } catch (RuntimeException e) {
            cause.addSuppressed(e);
        }
    }

    /** Destroys every sandbox still alive, stops the native helper, and gives up the state directory. Idempotent. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        RuntimeException first = null;
        for (Sandbox s : live.values()) {
            try {
                s.destroy();
            } catch (RuntimeException e) {
                first = first == null ? e : first;
            }
        }
        for (Zygote z : zygotes) {
            try {
                z.close();
            } catch (RuntimeException e) {
                first = first == null ? e : first;
            }
        }
        factory.close();
        try {
            cgroups.open(cgroupPath(state.id())).remove();
            cgroups.removeIfEmpty(config.cgroupParent()); // shared with other runtimes: only if empty
        } catch (RuntimeException e) {
            first = first == null ? e : first;
        }
        state.close();
        if (first != null) {
            throw first;
        }
    }
}
