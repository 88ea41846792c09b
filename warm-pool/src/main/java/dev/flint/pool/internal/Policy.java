package dev.flint.pool.internal;

import dev.flint.pool.FunctionKey;
import dev.flint.pool.ImageLayers;
import dev.flint.pool.PoolConfig;
import dev.flint.pool.internal.Decision.Choice;
import dev.flint.pool.internal.Decision.StemPlan;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The pool's decisions as pure functions of its state (docs/pool.md, "Policy"): no clocks, no
 * locks, no sandboxes; the same input gives the same decision. {@link dev.flint.pool.WarmPool}
 * computes a decision under its lock and applies it in one place.
 */
public final class Policy {
    private static final Comparator<WarmEntry> LEAST_RECENT_FIRST =
            Comparator.comparing(WarmEntry::lastUsed).thenComparingLong(WarmEntry::id);

    private Policy() {
    }

    /**
     * An acquire of {@code function} on {@code image}, whose new sandbox would take {@code newBytes}.
     * Its stem plan only creates: retiring surplus stem cells is the tick's.
     */
    public static Decision.Acquire onAcquire(PoolState s, FunctionKey function, ImageLayers image, long newBytes) {
        Choice choice = choose(s.idleWarm(), s.stemCellsOf(image).ready(), function, image);
        boolean miss = choice.kind() != dev.flint.pool.HitKind.WARM;
        StemCount stem = s.stemCellsOf(image);
        int ready = choice.kind() == dev.flint.pool.HitKind.STEM ? stem.ready() - 1 : stem.ready();
        int target = stemTarget(s.demandOf(image) + (miss ? 1 : 0), s.config().minStemCells(), s.config().maxStemCells());
        StemPlan plan = stemPlan(target, ready, stem.pending());
        // a stem cell or a cold sandbox joins the leased ones; a warm one was counted already
        List<Long> evict = miss
                ? evictions(s.idleWarm(), s.leasedBytes() + newBytes, s.config().memoryBudgetBytes())
                : List.of();
        return new Decision.Acquire(choice, new StemPlan(plan.target(), plan.create(), 0), evict);
    }

    /**
     * A release: the released sandbox is already among {@code idleWarm}. Only the budget matters
     * here, so it takes the idle list and the leased bytes rather than a whole {@link PoolState}.
     */
    public static Decision.Release onRelease(List<WarmEntry> idleWarm, long leasedBytes, PoolConfig config) {
        return new Decision.Release(evictions(idleWarm, leasedBytes, config.memoryBudgetBytes()));
    }

    /** A tick at {@code now}: expiry, then every known image's stem plan from its recent demand. */
    public static Decision.Tick onTick(PoolState s, Instant now) {
        List<Long> expire = expirations(s.idleWarm(), now, s.config().idleTtl());
        Map<ImageLayers, StemPlan> stems = new HashMap<>();
        for (Map.Entry<ImageLayers, StemCount> e : s.stemCells().entrySet()) {
            int target = stemTarget(s.demandOf(e.getKey()), s.config().minStemCells(), s.config().maxStemCells());
            StemPlan plan = stemPlan(target, e.getValue().ready(), e.getValue().pending());
            if (plan.create() > 0 || plan.retire() > 0) {
                stems.put(e.getKey(), plan);
            }
        }
        return new Decision.Tick(expire, stems);
    }

    /**
     * Warm, then stem cell, then create on demand. Among warm sandboxes of the function on the same
     * image, the most recently used, so the others age toward expiry; a warm sandbox of another
     * function, or of an older image of the same function, is never chosen.
     */
    public static Choice choose(List<WarmEntry> idleWarm, int readyStemCells, FunctionKey function, ImageLayers image) {
        return idleWarm.stream()
                .filter(w -> w.function().equals(function) && w.image().equals(image))
                .max(LEAST_RECENT_FIRST)
                .map(w -> Choice.warm(w.id()))
                .orElse(readyStemCells > 0 ? Choice.STEM : Choice.COLD);
    }

    /** Stem cells to keep for an image: its recent demand, clamped to [min, max]. */
    public static int stemTarget(int recentDemand, int min, int max) {
        return Math.max(min, Math.min(max, recentDemand));
    }

    /** Create what is missing from ready plus pending; retire ready ones above the target. */
    public static StemPlan stemPlan(int target, int ready, int pending) {
        int have = ready + pending;
        int create = Math.max(0, target - have);
        int retire = Math.min(ready, Math.max(0, have - target));
        return new StemPlan(target, create, retire);
    }

    /**
     * Idle warm sandboxes to evict, least recently used first, until idle plus {@code leasedBytes}
     * fit in {@code budget}. Leased sandboxes are never evicted, so when they alone exceed the
     * budget every idle one goes and the pool stays over it (the invoker's limits bound that).
     */
    public static List<Long> evictions(List<WarmEntry> idleWarm, long leasedBytes, long budget) {
        long total = leasedBytes;
        for (WarmEntry w : idleWarm) {
            total += w.memoryBytes();
        }
        if (total <= budget) {
            return List.of(); // the common case, decided without sorting every idle sandbox
        }
        List<WarmEntry> lru = new ArrayList<>(idleWarm);
        lru.sort(LEAST_RECENT_FIRST);
        List<Long> evict = new ArrayList<>();
        for (WarmEntry w : lru) {
            if (total <= budget) {
                break;
            }
            evict.add(w.id());
            total -= w.memoryBytes();
        }
        return evict;
    }

    /** Idle warm sandboxes unused for at least {@code ttl} at {@code now}, least recently used first. */
    public static List<Long> expirations(List<WarmEntry> idleWarm, Instant now, Duration ttl) {
        return idleWarm.stream()
                .filter(w -> !w.lastUsed().plus(ttl).isAfter(now))
                .sorted(LEAST_RECENT_FIRST)
                .map(WarmEntry::id)
                .toList();
    }
}
