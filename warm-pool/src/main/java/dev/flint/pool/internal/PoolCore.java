package dev.flint.pool.internal;

import dev.flint.pool.FunctionKey;
import dev.flint.pool.HitKind;
import dev.flint.pool.ImageLayers;
import dev.flint.pool.PoolConfig;
import dev.flint.pool.PoolException;
import dev.flint.pool.PoolSnapshot;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The pool's mechanism, generic in the sandbox type so unit tests run it on fakes: the only owner
 * of the stem cells, warm sandboxes, leases, recent demand and counters. Each event (acquire,
 * release, tick) takes {@link #lock} once, builds a {@link PoolState}, asks the {@link Policy},
 * and applies the decision to the maps before letting go; creating and destroying sandboxes (the
 * slow part) happens after the lock is let go, so concurrent acquires overlap.
 *
 * <p>Thread-safe. Stem cells are created by {@code refillThreads} background threads; a ticker
 * thread calls {@link #tick()} every {@code tickInterval}.
 *
 * <p>Longer than most classes on purpose: it is the one owner of every map and counter of the pool
 * (STYLE.md), and splitting it would split that ownership across locks.
 *
 * @param <S> the sandbox type
 */
public final class PoolCore<S> implements AutoCloseable {
    private static final long CLOSE_WAIT_SECONDS = 60;
    private static final long REFILL_DELAY_NANOS = TimeUnit.MILLISECONDS.toNanos(20);
    /** How often the refill clock starts the refills that are due, while acquires book them. */
    private static final long REFILL_CLOCK_MILLIS = 5;
    /** The refill clock stops this long after the last booking; the next booking starts it again. */
    private static final long REFILL_CLOCK_IDLE_NANOS = TimeUnit.SECONDS.toNanos(10);

    private final SandboxFactory<S> factory;
    private final PoolConfig config;
    private final InstantSource clock;
    private final ExecutorService refill;
    private final ScheduledExecutorService ticker;

    /** Guards every field below; held only for bookkeeping, never while a sandbox is made or ended. */
    private final ReentrantLock lock = new ReentrantLock();
    private final Map<ImageLayers, Deque<S>> stemCells = new LinkedHashMap<>();
    private final Map<ImageLayers, Integer> pending = new HashMap<>();
    private final Map<ImageLayers, Deque<Instant>> misses = new HashMap<>();
    private final IdleSandboxes<S> idle = new IdleSandboxes<>();
    private final Map<Long, Slot<S>> leased = new HashMap<>();
    private long leasedBytes;
    private long nextId = 1;
    private long warmHits;
    private long stemHits;
    private long coldHits;
    private long created;
    private long destroyed;
    private long evicted;
    private long expired;
    private long retired;
    private long discarded;
    private long failures;
    private boolean closed;
    /** Refills booked by acquires and not started yet, in booking order. */
    private final Deque<DueRefill> dueRefills = new ArrayDeque<>();
    private long lastBookingNanos;
    /** The ticker's periodic start of due refills; null while no acquire booked one for a while. */
    private ScheduledFuture<?> refillClock;

    private record DueRefill(ImageLayers image, int count, long atNanos) {}

    public PoolCore(SandboxFactory<S> factory, PoolConfig config, InstantSource clock) {
        this.factory = factory;
        this.config = config;
        this.clock = clock;
        this.refill = Executors.newFixedThreadPool(config.refillThreads(), daemon("flint-pool-refill"));
        this.ticker = Executors.newSingleThreadScheduledExecutor(daemon("flint-pool-tick"));
        long every = config.tickInterval().toMillis();
        ticker.scheduleWithFixedDelay(this::tickQuietly, every, every, TimeUnit.MILLISECONDS);
    }

    /**
     * A sandbox for {@code function} on {@code image}: a warm one of the function, else a stem cell,
     * else one created now on the calling thread (slower, never an error unless creation fails).
     */
    public Slot<S> acquire(FunctionKey function, ImageLayers image) {
        long bytes = factory.memoryBytes(image);
        List<S> doomed = new ArrayList<>();
        Slot<S> slot;
        int create;
        lock.lock();
        try {
            checkOpen();
            Instant now = clock.instant();
            // Only the function's own idle sandboxes can be chosen, and under the budget none is
            // evicted: the policy sees all of them only when it may have to evict (same decision).
            boolean mayEvict = leasedBytes + bytes + idle.bytes() > config.memoryBudgetBytes();
            Decision.Acquire d = Policy.onAcquire(state(now, mayEvict ? idle.entries() : idle.entriesOf(function)),
                    function, image, bytes);
            slot = apply(d, function, image, bytes, now, doomed);
            create = d.stem().create();
            create = bookRefills(image, create) ? 0 : create;
        } finally {
            lock.unlock();
        }
        destroyAll(doomed);
        startRefills(image, create); // only when closing: refillOne sees it and gives the bookings back
        return slot != null ? slot : createCold(function, image, bytes);
    }

    /** Applies an acquire: takes the chosen sandbox, counts, evicts, books the refills. Lock held. */
    private Slot<S> apply(Decision.Acquire d, FunctionKey function, ImageLayers image, long bytes, Instant now, List<S> doomed) {
        stemCells.computeIfAbsent(image, k -> new ArrayDeque<>());
        for (long id : d.evict()) {
            doomed.add(idle.remove(id));
            evicted++;
        }
        pending.merge(image, d.stem().create(), Integer::sum);
        Slot<S> slot = null;
        switch (d.choice().kind()) {
            case WARM -> {
                long id = d.choice().warmId();
                warmHits++;
                slot = new Slot<>(id, idle.remove(id), function, image, HitKind.WARM, bytes);
            }
            case STEM -> {
                stemHits++;
                misses.computeIfAbsent(image, k -> new ArrayDeque<>()).addLast(now);
                slot = new Slot<>(nextId++, stemCells.get(image).pollFirst(), function, image, HitKind.STEM, bytes);
            }
            case COLD -> {
                coldHits++;
                misses.computeIfAbsent(image, k -> new ArrayDeque<>()).addLast(now);
            }
        }
        if (slot != null) {
            leased.put(slot.id(), slot);
        }
        leasedBytes += bytes; // a cold one counts from now, while it is being created
        return slot;
    }

    private Slot<S> createCold(FunctionKey function, ImageLayers image, long bytes) {
        S sandbox;
        try {
            sandbox = factory.create(image);
        } catch (RuntimeException e) {
            lock.lock();
            try {
                leasedBytes -= bytes;
            } finally {
                lock.unlock();
            }
            throw e;
        }
        lock.lock();
        try {
            created++;
            if (!closed) {
                Slot<S> slot = new Slot<>(nextId++, sandbox, function, image, HitKind.COLD, bytes);
                leased.put(slot.id(), slot);
                return slot;
            }
            leasedBytes -= bytes;
        } finally {
            lock.unlock();
        }
        destroyAll(List.of(sandbox));
        throw closedError();
    }

    /**
     * Gives a leased sandbox back: as a warm sandbox of its function when {@code reusable}, else it
     * is destroyed. Idempotent; after {@link #close()} it does nothing (close destroyed it).
     */
    public void release(Slot<S> slot, boolean reusable) {
        List<S> doomed = new ArrayList<>();
        lock.lock();
        try {
            if (slot.returned) {
                return;
            }
            slot.returned = true;
            leased.remove(slot.id());
            leasedBytes -= slot.memoryBytes();
            if (!reusable) {
                discarded++;
                doomed.add(slot.sandbox());
            } else {
                idle.put(new WarmEntry(slot.id(), slot.function(), slot.image(), clock.instant(), slot.memoryBytes()), slot.sandbox());
                if (leasedBytes + idle.bytes() > config.memoryBudgetBytes()) { // else nothing to evict
                    for (long id : Policy.onRelease(idle.entries(), leasedBytes, config).evict()) {
                        doomed.add(idle.remove(id));
                        evicted++;
                    }
                }
            }
        } finally {
            lock.unlock();
        }
        destroyAll(doomed);
    }

    /** Makes the image known, so its minimum of stem cells is kept, and starts creating them. */
    public void prewarm(ImageLayers image) {
        lock.lock();
        try {
            checkOpen();
            stemCells.computeIfAbsent(image, k -> new ArrayDeque<>());
        } finally {
            lock.unlock();
        }
        tick();
    }

    /** Expires idle warm sandboxes and moves each image's stem cells toward its target. */
    public void tick() {
        List<S> doomed = new ArrayList<>();
        Map<ImageLayers, Integer> create = new HashMap<>();
        lock.lock();
        try {
            if (closed) {
                return;
            }
            Instant now = clock.instant();
            Decision.Tick d = Policy.onTick(state(now, idle.entries()), now);
            for (long id : d.expire()) {
                doomed.add(idle.remove(id));
                expired++;
            }
            d.stems().forEach((image, plan) -> {
                for (int i = 0; i < plan.retire(); i++) {
                    doomed.add(stemCells.get(image).pollLast());
                    retired++;
                }
                pending.merge(image, plan.create(), Integer::sum);
                create.put(image, plan.create());
            });
        } finally {
            lock.unlock();
        }
        destroyAll(doomed);
        create.forEach(this::startRefills);
    }

    private void tickQuietly() {
        try {
            tick();
        } catch (RuntimeException e) {
            // counted where it happened; the next tick tries again
        }
    }

    /** The policy's view, with the idle sandboxes it needs to see: drops demand older than the window first. Lock held. */
    private PoolState state(Instant now, List<WarmEntry> idleWarm) {
        Instant since = now.minus(config.demandWindow());
        Map<ImageLayers, Integer> demand = new HashMap<>();
        misses.forEach((image, times) -> {
            while (!times.isEmpty() && !times.peekFirst().isAfter(since)) {
                times.pollFirst();
            }
            demand.put(image, times.size());
        });
        Map<ImageLayers, StemCount> stems = new HashMap<>();
        stemCells.forEach((image, ready) -> stems.put(image, new StemCount(ready.size(), pending.getOrDefault(image, 0))));
        return new PoolState(idleWarm, leasedBytes, stems, demand, config);
    }

    /**
     * The refills an acquire books start 20-25 ms later: the caller is about to run in the stem cell
     * it took, and creating its replacement at once takes the same CPUs (on two cores it made a
     * stem-cell invocation 40 % slower: docs/SPEC.md W1). They wait in {@link #dueRefills} for the
     * refill clock, which runs while acquires keep booking: handing each booking to the ticker
     * thread woke it on the acquire's path (~70 µs of a stem-cell invocation's 1.7 ms). False when
     * the pool is closing and the caller must start them itself. Lock held.
     */
    private boolean bookRefills(ImageLayers image, int count) {
        if (count == 0) {
            return true;
        }
        long now = System.nanoTime();
        lastBookingNanos = now;
        if (refillClock == null) {
            try {
                refillClock = ticker.scheduleWithFixedDelay(this::startDueRefills, REFILL_CLOCK_MILLIS, REFILL_CLOCK_MILLIS,
                        TimeUnit.MILLISECONDS);
            } catch (RejectedExecutionException e) {
                return false;
            }
        }
        dueRefills.addLast(new DueRefill(image, count, now + REFILL_DELAY_NANOS));
        return true;
    }

    /**
     * The refill clock's tick: starts the refills that are due; stops the clock once idle. Never
     * throws: a periodic task that throws is not run again, and the bookings would wait for ever.
     */
    private void startDueRefills() {
        try {
            startDueRefillsNow();
        } catch (RuntimeException e) {
            // refillOne counts its own failures; the next tick tries again
        }
    }

    private void startDueRefillsNow() {
        List<DueRefill> start = new ArrayList<>();
        lock.lock();
        try {
            long now = System.nanoTime();
            while (!dueRefills.isEmpty() && dueRefills.peekFirst().atNanos() - now <= 0) {
                start.add(dueRefills.pollFirst());
            }
            if (dueRefills.isEmpty() && now - lastBookingNanos > REFILL_CLOCK_IDLE_NANOS && refillClock != null) {
                refillClock.cancel(false);
                refillClock = null;
            }
        } finally {
            lock.unlock();
        }
        start.forEach(r -> startRefills(r.image(), r.count()));
    }

    private void startRefills(ImageLayers image, int count) {
        for (int i = 0; i < count; i++) {
            try {
                refill.execute(() -> refillOne(image));
            } catch (RejectedExecutionException e) {
                unbook(image, count - i); // closing: these will not be made
                return;
            }
        }
    }

    private void unbook(ImageLayers image, int count) {
        lock.lock();
        try {
            pending.merge(image, -count, Integer::sum);
        } finally {
            lock.unlock();
        }
    }

    /** Creates one stem cell in the background and adds it, unless the pool closed meanwhile. */
    private void refillOne(ImageLayers image) {
        lock.lock();
        try {
            if (closed) {
                pending.merge(image, -1, Integer::sum);
                return;
            }
        } finally {
            lock.unlock();
        }
        S sandbox = null;
        try {
            sandbox = factory.create(image);
        } catch (RuntimeException e) {
            // counted below; the next tick books a new one
        }
        lock.lock();
        try {
            pending.merge(image, -1, Integer::sum);
            if (sandbox == null) {
                failures++;
                return;
            }
            created++;
            if (!closed) {
                stemCells.get(image).addLast(sandbox);
                return;
            }
        } finally {
            lock.unlock();
        }
        destroyAll(List.of(sandbox));
    }

    private void destroyAll(List<S> sandboxes) {
        long ok = 0;
        long failed = 0;
        for (S s : sandboxes) {
            try {
                factory.destroy(s);
                ok++;
            } catch (RuntimeException e) {
                failed++;
            }
        }
        if (ok + failed > 0) {
            lock.lock();
            try {
                destroyed += ok;
                failures += failed;
            } finally {
                lock.unlock();
            }
        }
    }

    public PoolSnapshot snapshot() {
        lock.lock();
        try {
            Map<ImageLayers, Integer> ready = new HashMap<>();
            stemCells.forEach((image, cells) -> ready.put(image, cells.size()));
            int inFlight = pending.values().stream().mapToInt(Integer::intValue).sum();
            long warmBytes = leasedBytes + idle.bytes();
            return new PoolSnapshot(warmHits, stemHits, coldHits, ready, inFlight, idle.size(), leased.size(), warmBytes,
                    created, destroyed, evicted, expired, retired, discarded, failures);
        } finally {
            lock.unlock();
        }
    }

    private void checkOpen() {
        if (closed) {
            throw closedError();
        }
    }

    private static PoolException.Closed closedError() {
        return new PoolException.Closed();
    }

    /**
     * Stops the background threads (waiting for creations in flight, which destroy what they made)
     * and destroys every stem cell, warm sandbox and leased sandbox; later releases do nothing.
     * Idempotent.
     */
    @Override
    public void close() {
        List<S> doomed = new ArrayList<>();
        lock.lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            for (DueRefill r : dueRefills) {
                pending.merge(r.image(), -r.count(), Integer::sum); // never to be made
            }
            dueRefills.clear();
            stemCells.values().forEach(doomed::addAll);
            stemCells.clear();
            doomed.addAll(idle.clear());
            for (Slot<S> s : leased.values()) {
                s.returned = true;
                doomed.add(s.sandbox());
            }
            leased.clear();
            leasedBytes = 0;
        } finally {
            lock.unlock();
        }
        ticker.shutdown();
        refill.shutdown(); // queued refills see the pool closed and create nothing
        try {
            refill.awaitTermination(CLOSE_WAIT_SECONDS, TimeUnit.SECONDS);
            ticker.awaitTermination(CLOSE_WAIT_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        destroyAll(doomed);
    }

    private static ThreadFactory daemon(String name) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, name + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }
}
