package dev.flint.gateway.feeds;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.function.BooleanSupplier;

/**
 * Runs the partitions of a poll concurrently, but no more at once than the actions can take:
 * {@link #width} lanes on the executor, each taking the next run not yet started until none is
 * left or the consumer stops (a run never started stays unhandled and is polled again). Without
 * the cap, partitions beyond an action's {@code limits.concurrency} would only wait in the
 * invoker's queue or be refused with a 429 and retried. Stateless; thread-safe.
 */
final class PartitionLanes {
    private PartitionLanes() {
    }

    /**
     * How many partitions may run at once: the smallest concurrency limit of the actions that each
     * record is delivered to (each partition runs one activation of each at a time), at least 1.
     */
    static int width(List<Integer> concurrencyLimits) {
        return Math.max(1, concurrencyLimits.stream().mapToInt(Integer::intValue).min().orElse(1));
    }

    /** Starts the runs at most {@code width} at once; the future completes when every lane ended. */
    static CompletableFuture<Void> run(List<? extends Runnable> runs, int width, Executor executor, BooleanSupplier stopped) {
        ConcurrentLinkedQueue<Runnable> waiting = new ConcurrentLinkedQueue<>(runs);
        List<CompletableFuture<Void>> lanes = new ArrayList<>();
        for (int i = 0; i < Math.min(width, runs.size()); i++) {
            lanes.add(CompletableFuture.runAsync(() -> {
                Runnable next;
                while (!stopped.getAsBoolean() && (next = waiting.poll()) != null) {
                    next.run();
                }
            }, executor));
        }
        return CompletableFuture.allOf(lanes.toArray(CompletableFuture[]::new));
    }
}
