package dev.flint.gateway.feeds;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class PartitionLanesTest {
    private final ExecutorService executor = Executors.newCachedThreadPool();

    @AfterEach
    void shutdown() throws InterruptedException {
        executor.shutdownNow();
        assertTrue(executor.awaitTermination(5, TimeUnit.SECONDS));
    }

    @Test
    void width_isTheSmallestConcurrencyLimit_atLeastOne() {
        assertEquals(1, PartitionLanes.width(List.of()), "no action: one at a time");
        assertEquals(1, PartitionLanes.width(List.of(1)), "OpenWhisk's default limit: one partition at a time");
        assertEquals(4, PartitionLanes.width(List.of(4)));
        assertEquals(3, PartitionLanes.width(List.of(8, 3, 100)), "each record goes to every rule's action");
        assertEquals(1, PartitionLanes.width(List.of(0)));
    }

    /** Runs that take a while, noting how many ran at once. */
    private static List<Runnable> runs(int n, AtomicInteger now, AtomicInteger most, AtomicInteger done) {
        List<Runnable> runs = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            runs.add(() -> {
                most.accumulateAndGet(now.incrementAndGet(), Math::max);
                try {
                    Thread.sleep(30);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                now.decrementAndGet();
                done.incrementAndGet();
            });
        }
        return runs;
    }

    @Test
    void run_startsEveryRun_neverMoreAtOnceThanTheWidth() throws Exception {
        AtomicInteger now = new AtomicInteger();
        AtomicInteger most = new AtomicInteger();
        AtomicInteger done = new AtomicInteger();
        PartitionLanes.run(runs(9, now, most, done), 3, executor, () -> false).get(10, TimeUnit.SECONDS);
        assertEquals(9, done.get());
        assertEquals(3, most.get(), "three lanes, all busy");

        most.set(0);
        PartitionLanes.run(runs(2, now, most, done), 6, executor, () -> false).get(10, TimeUnit.SECONDS);
        assertEquals(2, most.get(), "no more lanes than runs");
    }

    @Test
    void run_afterAStop_startsNoFurtherRun() throws Exception {
        AtomicInteger now = new AtomicInteger();
        AtomicInteger most = new AtomicInteger();
        AtomicInteger done = new AtomicInteger();
        AtomicBoolean stopped = new AtomicBoolean();
        List<Runnable> runs = new ArrayList<>(runs(1, now, most, done));
        runs.add(0, () -> stopped.set(true));
        runs.addAll(runs(5, now, most, done));
        PartitionLanes.run(runs, 1, executor, stopped::get).get(10, TimeUnit.SECONDS);
        assertEquals(0, done.get(), "what was not started stays for the next poll");
    }
}
