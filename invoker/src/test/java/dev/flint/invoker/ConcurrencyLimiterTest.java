package dev.flint.invoker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Waits are ended by latches and closes, never by sleeping; the class timeout only stops a hang. */
@Timeout(30)
class ConcurrencyLimiterTest {
    private static final String FN = "guest/hello";
    private static final Clock CLOCK = Clock.systemUTC();

    private final List<Thread> threads = new ArrayList<>();

    @AfterEach
    void joinThreads() throws InterruptedException {
        for (Thread t : threads) {
            t.join();
        }
    }

    @Test
    void aBurst_runsUpToTheLimit_queuesUpToTheBound_andRefusesTheRest() throws Exception {
        ConcurrencyLimiter limiter = new ConcurrencyLimiter(8);
        CountDownLatch startGate = new CountDownLatch(1);
        CountDownLatch releaseGate = new CountDownLatch(1);
        CountDownLatch firstFour = new CountDownLatch(4);
        CountDownLatch refused = new CountDownLatch(8);
        CountDownLatch done = new CountDownLatch(20);
        AtomicInteger admitted = new AtomicInteger();
        AtomicInteger rejected = new AtomicInteger();
        AtomicInteger inside = new AtomicInteger();
        AtomicInteger mostInside = new AtomicInteger();
        ConcurrentLinkedQueue<Throwable> unexpected = new ConcurrentLinkedQueue<>();

        for (int i = 0; i < 20; i++) {
            start(() -> {
                try {
                    startGate.await();
                    try (ConcurrencyLimiter.Permit permit = limiter.acquire(FN, 4, far(), CLOCK)) {
                        mostInside.accumulateAndGet(inside.incrementAndGet(), Math::max);
                        admitted.incrementAndGet();
                        firstFour.countDown();
                        releaseGate.await();
                        inside.decrementAndGet();
                    }
                } catch (InvokerException.TooManyRequests e) {
                    rejected.incrementAndGet();
                    refused.countDown();
                } catch (Throwable t) {
                    unexpected.add(t);
                } finally {
                    done.countDown();
                }
            });
        }
        startGate.countDown();
        firstFour.await();
        refused.await();
        awaitUntil(() -> limiter.waiting(FN) == 8);

        assertEquals(4, limiter.running(FN));
        assertEquals(8, limiter.waiting(FN));
        assertEquals(4, admitted.get());
        assertEquals(8, rejected.get());

        releaseGate.countDown();
        done.await();
        assertEquals(List.of(), List.copyOf(unexpected));
        assertEquals(12, admitted.get());
        assertEquals(8, rejected.get());
        assertEquals(4, mostInside.get());
        assertEquals(0, limiter.running(FN));
        assertEquals(0, limiter.trackedFunctions());
    }

    @Test
    void tooManyRequests_namesTheFunction_itsLimit_andItsQueue() {
        ConcurrencyLimiter limiter = new ConcurrencyLimiter(0);
        try (ConcurrencyLimiter.Permit held = limiter.acquire(FN, 1, far(), CLOCK)) {
            InvokerException.TooManyRequests e =
                    assertThrows(InvokerException.TooManyRequests.class, () -> limiter.acquire(FN, 1, far(), CLOCK));
            assertEquals("function guest/hello is at its limit: 1 running and 0 waiting", e.getMessage());
            assertEquals("retry later, or raise the function's concurrency limit", e.hint());
            assertEquals(FN, e.function());
        }
        assertEquals(0, limiter.trackedFunctions());
    }

    @Test
    void waiters_areAdmittedFirstComeFirstServed() throws Exception {
        ConcurrencyLimiter limiter = new ConcurrencyLimiter(3);
        ConcurrentLinkedQueue<String> order = new ConcurrentLinkedQueue<>();
        CountDownLatch done = new CountDownLatch(3);
        ConcurrencyLimiter.Permit held = limiter.acquire(FN, 1, far(), CLOCK);
        for (String name : List.of("a", "b", "c")) {
            int before = limiter.waiting(FN);
            start(() -> {
                try (ConcurrencyLimiter.Permit p = limiter.acquire(FN, 1, far(), CLOCK)) {
                    order.add(name);
                } finally {
                    done.countDown();
                }
            });
            awaitUntil(() -> limiter.waiting(FN) == before + 1);
        }
        held.close();
        done.await();
        assertEquals(List.of("a", "b", "c"), List.copyOf(order));
    }

    @Test
    void aFullFunction_doesNotDelayAnother() throws Exception {
        ConcurrencyLimiter limiter = new ConcurrencyLimiter(1);
        ConcurrencyLimiter.Permit held = limiter.acquire("guest/busy", 1, far(), CLOCK);
        CountDownLatch waiterDone = new CountDownLatch(1);
        start(() -> {
            try (ConcurrencyLimiter.Permit p = limiter.acquire("guest/busy", 1, far(), CLOCK)) {
                waiterDone.countDown();
            }
        });
        awaitUntil(() -> limiter.waiting("guest/busy") == 1);

        try (ConcurrencyLimiter.Permit other = limiter.acquire("guest/other", 1, far(), CLOCK)) {
            assertEquals(1, limiter.running("guest/other"));
            assertEquals(1, limiter.running("guest/busy"));
            assertEquals(1, limiter.waiting("guest/busy"));
        }
        held.close();
        waiterDone.await();
    }

    @Test
    void aWaiterWhoseDeadlinePasses_getsQueueTimeout_andLeavesTheLine() {
        ConcurrencyLimiter limiter = new ConcurrencyLimiter(4);
        try (ConcurrencyLimiter.Permit held = limiter.acquire(FN, 1, far(), CLOCK)) {
            InvokerException.QueueTimeout e = assertThrows(InvokerException.QueueTimeout.class,
                    () -> limiter.acquire(FN, 1, CLOCK.instant().plusMillis(20), CLOCK));
            assertEquals(FN, e.function());
            assertTrue(e.getMessage().matches("waited \\d+ ms for a free slot of guest/hello; its deadline passed"),
                    e.getMessage());
            assertEquals(0, limiter.waiting(FN));
            assertEquals(1, limiter.running(FN));
        }
        assertEquals(0, limiter.trackedFunctions());
    }

    @Test
    void aDeadlineAlreadyPassed_timesOutAtOnceWhenFull_butAFreeSlotIsStillGiven() {
        Clock fixed = Clock.fixed(Instant.parse("2026-11-24T23:00:00Z"), ZoneOffset.UTC);
        Instant past = fixed.instant().minusSeconds(1);
        ConcurrencyLimiter limiter = new ConcurrencyLimiter(4);
        try (ConcurrencyLimiter.Permit held = limiter.acquire(FN, 1, past, fixed)) {
            InvokerException.QueueTimeout e =
                    assertThrows(InvokerException.QueueTimeout.class, () -> limiter.acquire(FN, 1, past, fixed));
            assertEquals(Duration.ZERO, e.waited());
        }
    }

    @Test
    void close_isIdempotent_andFreesOneSlotOnly() {
        ConcurrencyLimiter limiter = new ConcurrencyLimiter(0);
        ConcurrencyLimiter.Permit first = limiter.acquire(FN, 2, far(), CLOCK);
        ConcurrencyLimiter.Permit second = limiter.acquire(FN, 2, far(), CLOCK);
        first.close();
        first.close();
        assertEquals(1, limiter.running(FN));
        ConcurrencyLimiter.Permit third = limiter.acquire(FN, 2, far(), CLOCK);
        assertThrows(InvokerException.TooManyRequests.class, () -> limiter.acquire(FN, 2, far(), CLOCK));
        second.close();
        third.close();
        assertEquals(0, limiter.running(FN));
        assertEquals(0, limiter.trackedFunctions());
    }

    @Test
    void aRaisedLimit_admitsAtOnce() {
        ConcurrencyLimiter limiter = new ConcurrencyLimiter(0);
        try (ConcurrencyLimiter.Permit a = limiter.acquire(FN, 1, far(), CLOCK);
                ConcurrencyLimiter.Permit b = limiter.acquire(FN, 2, far(), CLOCK)) {
            assertEquals(2, limiter.running(FN));
        }
    }

    @Test
    void aLoweredLimit_holdsNewCallersUntilRunningFallsBelowIt() throws Exception {
        ConcurrencyLimiter limiter = new ConcurrencyLimiter(1);
        ConcurrencyLimiter.Permit a = limiter.acquire(FN, 3, far(), CLOCK);
        ConcurrencyLimiter.Permit b = limiter.acquire(FN, 3, far(), CLOCK);
        ConcurrencyLimiter.Permit c = limiter.acquire(FN, 3, far(), CLOCK);
        CountDownLatch admitted = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        start(() -> {
            try (ConcurrencyLimiter.Permit d = limiter.acquire(FN, 2, far(), CLOCK)) {
                admitted.countDown();
                release.await();
            }
        });
        awaitUntil(() -> limiter.waiting(FN) == 1);
        a.close();
        assertEquals(2, limiter.running(FN));
        assertEquals(1, limiter.waiting(FN));
        assertEquals(1, admitted.getCount());
        b.close();
        admitted.await();
        assertEquals(2, limiter.running(FN));
        release.countDown();
        c.close();
    }

    @Test
    void anInterruptedWaiter_leavesTheLine_withItsInterruptFlagSet() throws Exception {
        ConcurrencyLimiter limiter = new ConcurrencyLimiter(1);
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        AtomicReference<Boolean> flag = new AtomicReference<>();
        try (ConcurrencyLimiter.Permit held = limiter.acquire(FN, 1, far(), CLOCK)) {
            Thread waiter = start(() -> {
                try {
                    limiter.acquire(FN, 1, far(), CLOCK).close();
                } catch (Throwable t) {
                    thrown.set(t);
                    flag.set(Thread.currentThread().isInterrupted());
                }
            });
            awaitUntil(() -> limiter.waiting(FN) == 1);
            waiter.interrupt();
            waiter.join();
            assertEquals(0, limiter.waiting(FN));
        }
        assertInstanceOf(InvokerException.Interrupted.class, thrown.get());
        assertEquals(true, flag.get());
        assertEquals(0, limiter.trackedFunctions());
    }

    @Test
    void badArguments_areInvalid() {
        assertThrows(InvokerException.Invalid.class, () -> new ConcurrencyLimiter(-1));
        ConcurrencyLimiter limiter = new ConcurrencyLimiter(1);
        assertThrows(InvokerException.Invalid.class, () -> limiter.acquire(FN, 0, far(), CLOCK));
        assertThrows(InvokerException.Invalid.class, () -> limiter.acquire("", 1, far(), CLOCK));
        assertThrows(InvokerException.Invalid.class, () -> limiter.acquire(FN, 1, null, CLOCK));
        assertEquals(0, limiter.trackedFunctions());
    }

    private static Instant far() {
        return CLOCK.instant().plus(Duration.ofMinutes(10));
    }

    private Thread start(ThrowingRunnable body) {
        Thread t = new Thread(() -> {
            try {
                body.run();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        threads.add(t);
        t.start();
        return t;
    }

    /** Polls a condition another thread will make true; no timing is asserted. */
    private static void awaitUntil(BooleanSupplier condition) throws InterruptedException {
        while (!condition.getAsBoolean()) {
            Thread.sleep(1);
        }
    }

    @FunctionalInterface
    private interface ThrowingRunnable {
        void run() throws Exception;
    }
}
