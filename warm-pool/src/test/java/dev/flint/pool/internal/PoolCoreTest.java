package dev.flint.pool.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flint.pool.FunctionKey;
import dev.flint.pool.HitKind;
import dev.flint.pool.ImageLayers;
import dev.flint.pool.PoolConfig;
import dev.flint.pool.PoolException;
import dev.flint.pool.PoolSnapshot;
import dev.flint.pool.internal.FakeFactory.Fake;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The mechanism on fake sandboxes, with a clock the tests move; the ticker is slowed to never. */
class PoolCoreTest {
    private static final ImageLayers IMAGE = ImageLayers.of(Path.of("/layers/base"));
    private static final FunctionKey F = FunctionKey.parse("guest/f");
    private static final FunctionKey G = FunctionKey.parse("guest/g");
    private static final PoolConfig CONFIG = PoolConfig.defaults().withStemCells(0, 4)
            .withTickInterval(Duration.ofHours(1)).withIdleTtl(Duration.ofSeconds(60));

    private final FakeFactory factory = new FakeFactory();
    private final AtomicReference<Instant> now = new AtomicReference<>(Instant.parse("2026-01-01T00:00:00Z"));
    private PoolCore<Fake> pool;

    private PoolCore<Fake> start(PoolConfig config) {
        pool = new PoolCore<>(factory, config, now::get);
        return pool;
    }

    @AfterEach
    void closeAndCheck() {
        if (pool != null) {
            pool.close();
            assertEquals(List.of(), factory.alive(), "sandboxes left after close");
            assertEquals(List.of(), factory.destroyedTwice(), "sandboxes destroyed twice");
        }
    }

    @Test
    void acquire_onAnEmptyPool_createsOneOnDemand() {
        start(CONFIG);

        Slot<Fake> s = pool.acquire(F, IMAGE);

        assertEquals(HitKind.COLD, s.kind());
        assertEquals(1, pool.snapshot().coldHits());
        assertEquals(1, pool.snapshot().leased());
    }

    @Test
    void release_thenAcquireOfTheSameFunction_isWarm_withTheSameSandbox() {
        start(CONFIG);
        Slot<Fake> first = pool.acquire(F, IMAGE);
        pool.release(first, true);

        Slot<Fake> second = pool.acquire(F, IMAGE);

        assertEquals(HitKind.WARM, second.kind());
        assertSame(first.sandbox(), second.sandbox());
        assertEquals(1, pool.snapshot().warmHits());
    }

    @Test
    void aWarmSandbox_isNeverHandedToAnotherFunction() {
        start(CONFIG);
        Slot<Fake> f = pool.acquire(F, IMAGE);
        pool.release(f, true);

        Slot<Fake> g = pool.acquire(G, IMAGE);

        assertTrue(g.kind() != HitKind.WARM, "kind " + g.kind());
        assertNotSame(f.sandbox(), g.sandbox());
        assertEquals(1, pool.snapshot().idleWarm(), "f's warm sandbox stays f's");
    }

    @Test
    void prewarm_createsTheMinimumOfStemCells_andAnAcquireTakesOne_andTheyAreRefilled() {
        start(CONFIG.withStemCells(2, 4));
        pool.prewarm(IMAGE);
        awaitTrue(() -> pool.snapshot().stemCellsReady(IMAGE) == 2, "two stem cells");

        Slot<Fake> s = pool.acquire(F, IMAGE);

        assertEquals(HitKind.STEM, s.kind());
        awaitTrue(() -> pool.snapshot().stemCellsReady(IMAGE) == 2, "refilled to two");
        assertEquals(3, factory.created.size());
    }

    @Test
    void demandWithinTheWindow_raisesTheStemTarget_andItFallsBackWhenDemandAges() {
        start(CONFIG.withStemCells(1, 4).withDemandWindow(Duration.ofSeconds(10)));
        for (int i = 0; i < 3; i++) {
            pool.acquire(FunctionKey.parse("guest/f" + i), IMAGE); // three misses, leases kept
        }
        awaitTrue(() -> pool.snapshot().stemCellsReady(IMAGE) == 3, "a target of three");

        now.set(now.get().plusSeconds(11));
        pool.tick();

        assertEquals(1, pool.snapshot().stemCellsReady(IMAGE));
        assertEquals(2, pool.snapshot().retired());
    }

    @Test
    void anIdleWarmSandbox_expiresAfterTheTtl_andIsDestroyed() {
        start(CONFIG);
        Slot<Fake> s = pool.acquire(F, IMAGE);
        pool.release(s, true);

        now.set(now.get().plusSeconds(59));
        pool.tick();
        assertEquals(0, s.sandbox().destroyed.get(), "not yet");
        now.set(now.get().plusSeconds(1));
        pool.tick();

        assertEquals(1, s.sandbox().destroyed.get());
        assertEquals(1, pool.snapshot().expired());
        assertEquals(0, pool.snapshot().idleWarm());
    }

    @Test
    void aboveTheMemoryBudget_theLeastRecentlyUsedIdleSandboxIsEvicted() {
        start(CONFIG.withMemoryBudget(2 * FakeFactory.MEMORY));
        Slot<Fake> a = pool.acquire(FunctionKey.parse("guest/a"), IMAGE);
        Slot<Fake> b = pool.acquire(FunctionKey.parse("guest/b"), IMAGE);
        pool.release(a, true);
        now.set(now.get().plusSeconds(1));
        pool.release(b, true);

        Slot<Fake> c = pool.acquire(FunctionKey.parse("guest/c"), IMAGE);

        assertEquals(1, a.sandbox().destroyed.get(), "a was used least recently");
        assertEquals(0, b.sandbox().destroyed.get());
        assertEquals(1, pool.snapshot().evicted());
        assertEquals(2 * FakeFactory.MEMORY, pool.snapshot().warmBytes());
        pool.release(c, true);
    }

    @Test
    void aDiscardedLease_isDestroyed_notReused() {
        start(CONFIG);
        Slot<Fake> s = pool.acquire(F, IMAGE);

        pool.release(s, false);
        pool.release(s, true); // a second give-back does nothing

        assertEquals(1, s.sandbox().destroyed.get());
        Slot<Fake> next = pool.acquire(F, IMAGE);
        assertTrue(next.kind() != HitKind.WARM, "kind " + next.kind());
        assertNotSame(s.sandbox(), next.sandbox());
        assertEquals(1, pool.snapshot().discarded());
    }

    @Test
    void aBurstOfFirstAcquires_createsTheirSandboxesConcurrently() throws Exception {
        int n = 8;
        start(CONFIG.withStemCells(0, 0)); // no stem cells: every creation is an acquire's
        CountDownLatch allInside = new CountDownLatch(n);
        // each creation waits until all n are inside create at once: they only get there if no
        // lock serialises them; otherwise the await times out and the creation fails
        factory.onCreate(() -> {
            allInside.countDown();
            if (!allInside.await(30, TimeUnit.SECONDS)) {
                throw new IllegalStateException("creations did not overlap");
            }
        });
        ExecutorService callers = Executors.newFixedThreadPool(n);
        try {
            List<Future<Slot<Fake>>> slots = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                FunctionKey fn = FunctionKey.parse("guest/burst" + i);
                slots.add(callers.submit(() -> pool.acquire(fn, IMAGE)));
            }
            for (Future<Slot<Fake>> s : slots) {
                assertEquals(HitKind.COLD, s.get(60, TimeUnit.SECONDS).kind());
            }
        } finally {
            callers.shutdown();
            assertTrue(callers.awaitTermination(60, TimeUnit.SECONDS));
        }
        assertEquals(n, pool.snapshot().leased());
    }

    @Test
    void aFailedCreationOnDemand_reachesTheCaller_andLeavesTheBudgetAsItWas() {
        start(CONFIG);
        factory.onCreate(() -> {
            throw new IllegalStateException("no memory");
        });

        assertThrows(IllegalStateException.class, () -> pool.acquire(F, IMAGE));
        assertEquals(0, pool.snapshot().warmBytes());
    }

    @Test
    void refillsBookedByAcquires_oneAfterAnother_eachReplaceTheStemCellTaken() {
        start(CONFIG.withStemCells(1, 4));
        pool.prewarm(IMAGE);
        awaitTrue(() -> pool.snapshot().stemCellsReady(IMAGE) == 1, "one stem cell");

        for (int i = 0; i < 3; i++) {
            assertEquals(HitKind.STEM, pool.acquire(F, IMAGE).kind(), "acquire " + i);
            // demand in the window raises the target: at least the one taken is replaced
            awaitTrue(() -> pool.snapshot().stemCellsReady(IMAGE) >= 1 && pool.snapshot().stemCellsPending() == 0,
                    "refilled after acquire " + i);
        }
        assertTrue(factory.created.size() >= 4, "one at prewarm, at least one per acquire: " + factory.created.size());
    }

    @Test
    void aRefillBookedJustBeforeClose_isGivenBack_andLeavesNothing() {
        start(CONFIG.withStemCells(1, 1));
        pool.prewarm(IMAGE);
        awaitTrue(() -> pool.snapshot().stemCellsReady(IMAGE) == 1, "one stem cell");
        pool.acquire(F, IMAGE);

        pool.close();

        assertEquals(0, pool.snapshot().stemCellsPending(), "a booking outlived the pool");
        assertEquals(List.of(), factory.alive()); // made before the close or never
    }

    @Test
    void close_destroysStemCellsWarmAndLeasedSandboxes_andLaterReleasesDoNothing() {
        start(CONFIG.withStemCells(2, 2));
        pool.prewarm(IMAGE);
        awaitTrue(() -> pool.snapshot().stemCellsReady(IMAGE) == 2, "two stem cells");
        Slot<Fake> warm = pool.acquire(F, IMAGE);
        pool.release(warm, true);
        Slot<Fake> leased = pool.acquire(G, IMAGE);

        pool.close();
        pool.release(leased, true);

        assertEquals(List.of(), factory.alive());
        assertThrows(PoolException.Closed.class, () -> pool.acquire(F, IMAGE));
    }

    @Test
    void manyThreadsAcquiringAndReleasing_neverShareASandbox_norCrossFunctions() throws Exception {
        start(CONFIG.withStemCells(1, 4).withMemoryBudget(6 * FakeFactory.MEMORY));
        pool.prewarm(IMAGE);
        int threads = 8;
        int rounds = 300;
        Map<Fake, FunctionKey> boundTo = new ConcurrentHashMap<>();
        Set<Fake> inUse = ConcurrentHashMap.newKeySet();
        ExecutorService callers = Executors.newFixedThreadPool(threads);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int seed = t;
                done.add(callers.submit(() -> {
                    for (int r = 0; r < rounds; r++) {
                        FunctionKey fn = FunctionKey.parse("guest/f" + ((seed + r) % 5));
                        Slot<Fake> s = pool.acquire(fn, IMAGE);
                        assertTrue(inUse.add(s.sandbox()), s.sandbox() + " leased twice at once");
                        FunctionKey previous = boundTo.putIfAbsent(s.sandbox(), fn);
                        assertTrue(previous == null || previous.equals(fn), s.sandbox() + " of " + previous + " went to " + fn);
                        assertEquals(0, s.sandbox().destroyed.get(), "a destroyed sandbox was leased");
                        inUse.remove(s.sandbox());
                        pool.release(s, r % 7 != 0);
                        if (r % 50 == 0) {
                            pool.tick();
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get(60, TimeUnit.SECONDS);
            }
        } finally {
            callers.shutdown();
            assertTrue(callers.awaitTermination(60, TimeUnit.SECONDS));
        }
        PoolSnapshot snap = pool.snapshot();
        assertEquals(threads * rounds, snap.warmHits() + snap.stemHits() + snap.coldHits());
        assertTrue(snap.warmBytes() <= 6 * FakeFactory.MEMORY, "over budget with nothing leased: " + snap);
        assertEquals(0, snap.leased());
    }

    private static void awaitTrue(BooleanSupplier condition, String what) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.onSpinWait();
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
        }
    }
}
