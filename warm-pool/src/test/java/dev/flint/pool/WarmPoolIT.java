package dev.flint.pool;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.flint.sandbox.BusyboxRootfs;
import dev.flint.sandbox.Execution;
import dev.flint.sandbox.Outcome;
import dev.flint.sandbox.ProcessSpec;
import dev.flint.sandbox.RuntimeConfig;
import dev.flint.sandbox.SandboxException;
import dev.flint.sandbox.SandboxRuntime;
import dev.flint.sandbox.SandboxSpec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The pool on real sandboxes (root, the real kernel): stem cells refilled, warm reuse only for the
 * same function, a fresh scratch per invocation, expiry, eviction and close destroying sandboxes
 * as the host's cgroups show. One runtime for the class, with its own cgroup parent and state dir;
 * each test its own pool, with a clock the test moves.
 */
class WarmPoolIT {
    private static final String CGROUP_PARENT = "flint-it-warm-pool";
    private static final Path CGROUP_ROOT = Path.of("/sys/fs/cgroup");
    private static final long MEMORY = 64L << 20;
    private static final FunctionKey F = FunctionKey.parse("guest/f");
    private static final FunctionKey G = FunctionKey.parse("guest/g");
    private static final PoolConfig CONFIG = PoolConfig.defaults().withStemCells(0, 4)
            .withTickInterval(Duration.ofHours(1)).withIdleTtl(Duration.ofSeconds(60));

    @TempDir
    static Path tmp;

    private static SandboxRuntime runtime;
    private static ImageLayers image;
    private final AtomicReference<Instant> now = new AtomicReference<>(Instant.parse("2026-01-01T00:00:00Z"));
    private WarmPool pool;

    @BeforeAll
    static void startRuntime() throws IOException {
        assumeTrue((Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid") == 0, "needs root");
        image = ImageLayers.of(BusyboxRootfs.create(tmp.resolve("rootfs")));
        runtime = SandboxRuntime.start(RuntimeConfig.defaults().withStateDir(tmp.resolve("state")).withCgroupParent(CGROUP_PARENT));
    }

    @AfterAll
    static void closeRuntime() {
        if (runtime != null) {
            runtime.close();
            assertEquals(List.of(), cgroupDirs(CGROUP_PARENT), "cgroups of the runtime left");
            assertEquals(List.of(), hostMountsMentioning(tmp.toString()), "mounts left");
        }
    }

    private WarmPool start(PoolConfig config) {
        InstantSource clock = now::get;
        pool = WarmPool.start(runtime, config, i -> SandboxSpec.builder().layers(i.dirs()).memoryBytes(MEMORY)
                .scratchBytes(16L << 20).build(), clock);
        return pool;
    }

    @AfterEach
    void closePool() {
        if (pool != null) {
            pool.close();
            assertEquals(0, runtime.liveSandboxes(), "sandboxes left after the pool closed");
        }
    }

    @Test
    void stemCells_serveFirstAcquires_andAreRefilledAfterUse() {
        start(CONFIG.withStemCells(2, 4));
        pool.prewarm(image);
        awaitTrue(() -> pool.snapshot().stemCellsReady(image) == 2, "two stem cells");

        try (Lease lease = pool.acquire(F, image)) {
            assertEquals(HitKind.STEM, lease.kind());
            awaitTrue(() -> hasPreparedRun(lease), "a stem cell waiting with its first run's process forked (prepareAhead)");
            assertEquals("hi\n", shOk(lease, "echo hi"));
        }

        awaitTrue(() -> pool.snapshot().stemCellsReady(image) == 2, "the stem cells refilled to two");
        assertEquals(1, pool.snapshot().stemHits());
        assertEquals(3, runtime.liveSandboxes(), "two stem cells and one warm sandbox");
    }

    @Test
    void aWarmSandbox_isReusedForTheSameFunction_andNeverHandedToAnother() {
        start(CONFIG);
        String fSandbox;
        try (Lease f = pool.acquire(F, image)) {
            assertEquals(HitKind.COLD, f.kind());
            fSandbox = f.sandbox().id();
            shOk(f, "true");
        }

        try (Lease g = pool.acquire(G, image)) {
            assertNotEquals(HitKind.WARM, g.kind());
            assertNotEquals(fSandbox, g.sandbox().id(), "g got f's warm sandbox");
            shOk(g, "true");
        }
        try (Lease again = pool.acquire(F, image)) {
            assertEquals(HitKind.WARM, again.kind());
            assertEquals(fSandbox, again.sandbox().id());
            shOk(again, "true");
        }
        assertEquals(1, pool.snapshot().warmHits());
    }

    @Test
    void nothingOneInvocationWrites_isVisibleToTheNext_inTheSameWarmSandbox() {
        start(CONFIG);
        String first;
        try (Lease lease = pool.acquire(F, image)) {
            first = lease.sandbox().id();
            shOk(lease, "echo secret > /tmp/left && test -e /tmp/left");
        }

        try (Lease lease = pool.acquire(F, image)) {
            assertEquals(HitKind.WARM, lease.kind());
            assertEquals(first, lease.sandbox().id());
            assertEquals("clean\n", shOk(lease, "test -e /tmp/left || echo clean"));
        }
    }

    @Test
    void aBurstOfFirstAcquires_onAnEmptyPool_allGetTheirOwnSandbox() throws Exception {
        int n = 8;
        start(CONFIG.withStemCells(0, 0));
        ExecutorService callers = Executors.newFixedThreadPool(n);
        List<Future<String>> ids = new ArrayList<>();
        try {
            for (int i = 0; i < n; i++) {
                FunctionKey fn = FunctionKey.parse("guest/burst" + i);
                ids.add(callers.submit(() -> {
                    try (Lease lease = pool.acquire(fn, image)) {
                        assertEquals(HitKind.COLD, lease.kind());
                        shOk(lease, "true");
                        return lease.sandbox().id();
                    }
                }));
            }
            Set<String> distinct = new HashSet<>();
            for (Future<String> id : ids) {
                distinct.add(id.get(60, TimeUnit.SECONDS));
            }
            assertEquals(n, distinct.size(), "sandboxes " + distinct);
        } finally {
            callers.shutdown();
            assertTrue(callers.awaitTermination(60, TimeUnit.SECONDS));
        }
        assertEquals(n, pool.snapshot().coldHits());
        assertEquals(n, pool.snapshot().idleWarm());
    }

    @Test
    void aLeaseWhoseRunFailedInThePlatform_isDestroyedOnRelease_notReused() {
        start(CONFIG.withStemCells(0, 0));
        String broken;
        try (Lease lease = pool.acquire(F, image)) {
            broken = lease.sandbox().id();
            lease.sandbox().destroy(); // the sandbox breaks under the lease (its init gone)
            assertThrows(SandboxException.class, () -> lease.run(ProcessSpec.builder("true").build()));
        }

        assertEquals(1, pool.snapshot().discarded());
        assertEquals(0, pool.snapshot().idleWarm());
        try (Lease next = pool.acquire(F, image)) {
            assertEquals(HitKind.COLD, next.kind());
            assertNotEquals(broken, next.sandbox().id());
            shOk(next, "true");
        }
    }

    @Test
    void anIdleWarmSandbox_expiresAfterTheTtl_andItsCgroupIsGone() {
        start(CONFIG.withStemCells(0, 0));
        Path cgroup;
        try (Lease lease = pool.acquire(F, image)) {
            cgroup = memoryCgroupOf(lease.sandbox().initPid());
            shOk(lease, "true");
        }
        assertTrue(Files.isDirectory(cgroup), cgroup + " should exist while warm");

        now.set(now.get().plusSeconds(61));
        pool.tick();

        assertFalse(Files.exists(cgroup), cgroup + " left after expiry");
        assertEquals(1, pool.snapshot().expired());
        assertEquals(0, runtime.liveSandboxes());
    }

    @Test
    void aboveTheMemoryBudget_theLeastRecentlyUsedWarmSandboxIsEvicted_andItsCgroupIsGone() {
        start(CONFIG.withMemoryBudget(2 * MEMORY));
        Lease a = pool.acquire(FunctionKey.parse("guest/a"), image);
        Lease b = pool.acquire(FunctionKey.parse("guest/b"), image);
        Path aCgroup = memoryCgroupOf(a.sandbox().initPid());
        Path bCgroup = memoryCgroupOf(b.sandbox().initPid());
        a.release();
        now.set(now.get().plusSeconds(1));
        b.release();

        try (Lease c = pool.acquire(FunctionKey.parse("guest/c"), image)) {
            shOk(c, "true");
            assertFalse(Files.exists(aCgroup), aCgroup + " left after eviction");
            assertTrue(Files.isDirectory(bCgroup), "b was used more recently and stays");
            assertEquals(1, pool.snapshot().evicted());
        }
    }

    @Test
    void close_destroysStemCellsWarmAndLeasedSandboxes_andTheirCgroups() {
        start(CONFIG.withStemCells(2, 2));
        pool.prewarm(image);
        awaitTrue(() -> pool.snapshot().stemCellsReady(image) == 2, "two stem cells");
        try (Lease warm = pool.acquire(F, image)) {
            shOk(warm, "true");
        }
        Lease leased = pool.acquire(G, image);
        Path runtimeCgroup = memoryCgroupOf(leased.sandbox().initPid()).getParent();
        awaitTrue(() -> pool.snapshot().stemCellsReady(image) == 2, "refilled");
        assertEquals(4, children(runtimeCgroup).size(), "two stem cells, a warm and a leased sandbox");

        pool.close();
        leased.release(); // does nothing now

        assertEquals(List.of(), children(runtimeCgroup), "sandbox cgroups left after close");
        assertEquals(0, runtime.liveSandboxes());
    }

    // ---- helpers ----

    private static String shOk(Lease lease, String script) {
        Execution e = lease.run(ProcessSpec.builder("sh", "-c", script).timeout(Duration.ofSeconds(30)).build());
        assertEquals(Outcome.EXITED, e.outcome(), () -> e.outcome() + " " + e.error() + " " + e.stderrText());
        assertEquals(0, e.exitCode(), e::stderrText);
        return e.stdoutText();
    }

    /** Whether the sandbox's init has forked the next run's process (named flint-run) ahead of the request. */
    private static boolean hasPreparedRun(Lease lease) {
        int init = lease.sandbox().initPid();
        return lease.sandbox().pids().stream().anyMatch(pid -> pid != init && "flint-run".equals(comm(pid)));
    }

    private static String comm(int pid) {
        try {
            return Files.readString(Path.of("/proc/" + pid + "/comm")).trim();
        } catch (IOException e) {
            return "";
        }
    }

    /** The directory of a host process's memory cgroup (v1), or its unified one (v2). */
    private static Path memoryCgroupOf(int pid) {
        boolean v2 = Files.exists(CGROUP_ROOT.resolve("cgroup.controllers"));
        for (String line : readLines(Path.of("/proc/" + pid + "/cgroup"))) {
            String[] f = line.split(":", 3);
            if (v2 ? f[0].equals("0") : List.of(f[1].split(",")).contains("memory")) {
                return (v2 ? CGROUP_ROOT : CGROUP_ROOT.resolve("memory")).resolve(f[2].substring(1));
            }
        }
        throw new AssertionError("no memory cgroup of pid " + pid);
    }

    private static List<Path> children(Path cgroup) {
        if (!Files.isDirectory(cgroup)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(cgroup)) {
            return s.filter(Files::isDirectory).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Directories named {@code name} directly below the v2 root or any v1 hierarchy. */
    private static List<Path> cgroupDirs(String name) {
        try (Stream<Path> hierarchies = Files.list(CGROUP_ROOT)) {
            Stream<Path> roots = Files.exists(CGROUP_ROOT.resolve("cgroup.controllers")) ? Stream.of(CGROUP_ROOT) : hierarchies;
            return roots.map(h -> h.resolve(name)).filter(Files::isDirectory).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static List<String> hostMountsMentioning(String text) {
        return readLines(Path.of("/proc/mounts")).stream().filter(l -> l.contains(text)).toList();
    }

    private static List<String> readLines(Path file) {
        try {
            return Files.readAllLines(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void awaitTrue(BooleanSupplier condition, String what) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
        }
    }
}
