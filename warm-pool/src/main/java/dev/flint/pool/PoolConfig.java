package dev.flint.pool;

import java.time.Duration;

/**
 * The pool's budgets and targets. Immutable; {@link #defaults()} and the {@code with...} methods; a bad
 * value is a {@link PoolException.Invalid} naming the field.
 *
 * @param minStemCells stem cells kept per known image even without demand
 * @param maxStemCells most stem cells kept per image, however high the demand
 * @param demandWindow how far back the acquires that found no warm sandbox count as recent demand;
 *     an image's stem-cell target is that count, clamped to [min, max]
 * @param idleTtl how long a warm sandbox may stay unused before it is destroyed
 * @param memoryBudgetBytes most memory (the sum of their sandboxes' memory limits) warm sandboxes,
 *     idle and leased, may take; above it idle ones are evicted, least recently used first
 * @param tickInterval how often expiry and stem-cell targets are re-evaluated in the background
 * @param refillThreads threads creating stem cells in the background
 */
public record PoolConfig(
        int minStemCells,
        int maxStemCells,
        Duration demandWindow,
        Duration idleTtl,
        long memoryBudgetBytes,
        Duration tickInterval,
        int refillThreads) {

    public PoolConfig {
        if (minStemCells < 0 || maxStemCells < minStemCells) {
            throw new PoolException.Invalid("stemCells", "min " + minStemCells + ", max " + maxStemCells,
                    "need 0 <= min <= max");
        }
        if (demandWindow.isNegative() || demandWindow.isZero() || idleTtl.isNegative() || idleTtl.isZero()
                || tickInterval.isNegative() || tickInterval.isZero()) {
            throw new PoolException.Invalid("durations", "demand window " + demandWindow + ", idle TTL " + idleTtl
                    + ", tick interval " + tickInterval, "each must be positive");
        }
        if (memoryBudgetBytes <= 0) {
            throw new PoolException.Invalid("memoryBudgetBytes", memoryBudgetBytes + " bytes", "must be positive");
        }
        if (refillThreads < 1 || refillThreads > 64) {
            throw new PoolException.Invalid("refillThreads", refillThreads + " is outside 1..64", "2 suits 2 cores");
        }
    }

    /** 1..32 stem cells per image from a 10 s window, 10 min idle TTL, 4 GiB budget, 1 s tick, 2 refill threads. */
    public static PoolConfig defaults() {
        return new PoolConfig(1, 32, Duration.ofSeconds(10), Duration.ofMinutes(10), 4L << 30, Duration.ofSeconds(1), 2);
    }

    public PoolConfig withStemCells(int min, int max) {
        return new PoolConfig(min, max, demandWindow, idleTtl, memoryBudgetBytes, tickInterval, refillThreads);
    }

    public PoolConfig withDemandWindow(Duration window) {
        return new PoolConfig(minStemCells, maxStemCells, window, idleTtl, memoryBudgetBytes, tickInterval, refillThreads);
    }

    public PoolConfig withIdleTtl(Duration ttl) {
        return new PoolConfig(minStemCells, maxStemCells, demandWindow, ttl, memoryBudgetBytes, tickInterval, refillThreads);
    }

    public PoolConfig withMemoryBudget(long bytes) {
        return new PoolConfig(minStemCells, maxStemCells, demandWindow, idleTtl, bytes, tickInterval, refillThreads);
    }

    public PoolConfig withTickInterval(Duration interval) {
        return new PoolConfig(minStemCells, maxStemCells, demandWindow, idleTtl, memoryBudgetBytes, interval, refillThreads);
    }

    public PoolConfig withRefillThreads(int threads) {
        return new PoolConfig(minStemCells, maxStemCells, demandWindow, idleTtl, memoryBudgetBytes, tickInterval, threads);
    }
}
