package dev.flint.invoker;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Admits a function's activations up to its concurrency limit, queues a bounded number more (first
 * come, first served), and refuses the rest: OpenWhisk's per-action concurrency, with a queue.
 *
 * <p>Each function has its own state and lock, so a burst on one function never delays another; no
 * lock shared by functions is held while waiting. A function's state is created on its first call
 * and removed when nobody holds or waits for a permit, so the map does not grow with every function
 * ever seen. The limit comes with each call and may change between calls (a redeploy): the latest
 * call's limit is the function's limit from then on, for waiters too.
 *
 * <p>Thread-safe. Every {@link Permit} returned must be closed (try-with-resources).
 */
public final class ConcurrencyLimiter {
    private final int queueBound;
    private final ConcurrentHashMap<String, FunctionState> states = new ConcurrentHashMap<>();

    /** @param queueBound most callers waiting per function, at least 0 (0: refuse at once when full) */
    public ConcurrencyLimiter(int queueBound) {
        if (queueBound < 0) {
            throw new InvokerException.Invalid("queueBound", queueBound + " is negative", "give 0 or more waiters per function");
        }
        this.queueBound = queueBound;
    }

    /**
     * A permit to run one activation of {@code function}: at once if fewer than {@code limit} are
     * held; else after waiting in line if fewer than the queue bound wait, until a permit is freed or
     * the deadline (read from {@code clock}) passes.
     *
     * @throws InvokerException.TooManyRequests when the function's queue is full; nothing waited
     * @throws InvokerException.QueueTimeout when the deadline passed before a permit was free
     * @throws InvokerException.Interrupted when the waiting thread was interrupted (its flag is set again)
     */
    public Permit acquire(String function, int limit, Instant deadline, Clock clock) {
        if (function == null || function.isEmpty()) {
            throw new InvokerException.Invalid("function", "missing", "name the function, e.g. guest/hello");
        }
        if (limit < 1) {
            throw new InvokerException.Invalid("concurrency", limit + " is below 1", "give a concurrency of 1 or more");
        }
        if (deadline == null || clock == null) {
            throw new InvokerException.Invalid("deadline", "a deadline and a clock are needed", "pass both");
        }
        FunctionState state = enter(function);
        boolean admitted = false;
        try {
            state.await(function, limit, deadline, clock, queueBound);
            admitted = true;
            return new Permit(function, state);
        } finally {
            if (!admitted) {
                leave(function);
            }
        }
    }

    /** Permits of the function held now. */
    public int running(String function) {
        FunctionState state = states.get(function);
        return state == null ? 0 : state.running();
    }

    /** Callers waiting for a permit of the function now. */
    public int waiting(String function) {
        FunctionState state = states.get(function);
        return state == null ? 0 : state.waiting();
    }

    /** Functions with holders or waiters now (the size of the state map), for tests. */
    int trackedFunctions() {
        return states.size();
    }

    /** Takes a reference to the function's state, creating it; the map's per-key lock orders this with removal. */
    private FunctionState enter(String function) {
        return states.compute(function, (key, state) -> {
            FunctionState s = state == null ? new FunctionState() : state;
            s.users++;
            return s;
        });
    }

    /** Gives the reference back; the last one out removes the state. */
    private void leave(String function) {
        states.computeIfPresent(function, (key, state) -> --state.users == 0 ? null : state);
    }

    /** The right to run one activation; {@link #close()} frees it for the next waiter. Close is idempotent. */
    public final class Permit implements AutoCloseable {
        private final String function;
        private final FunctionState state;
        private final AtomicBoolean closed = new AtomicBoolean();

        private Permit(String function, FunctionState state) {
            this.function = function;
            this.state = state;
        }

        public String function() {
            return function;
        }

        @Override
        public void close() {
            if (closed.compareAndSet(false, true)) {
                state.release();
                leave(function);
            }
        }
    }

    /**
     * One function's permits held and line of waiters. {@code users} (holders, waiters and callers on
     * their way in) is changed only inside the map's compute, so the state is removed exactly when
     * nobody can still reach it; the rest is guarded by {@code lock}.
     */
    private static final class FunctionState {
        final ReentrantLock lock = new ReentrantLock();
        final ArrayDeque<Waiter> line = new ArrayDeque<>();
        int users;
        int running;
        int limit = 1;

        void await(String function, int newLimit, Instant deadline, Clock clock, int queueBound) {
            lock.lock();
            try {
                limit = newLimit;
                handOff();
                if (line.isEmpty() && running < limit) {
                    running++;
                    return;
                }
                if (line.size() >= queueBound) {
                    throw new InvokerException.TooManyRequests(function, limit, line.size());
                }
                Instant arrived = clock.instant();
                if (!arrived.isBefore(deadline)) {
                    throw new InvokerException.QueueTimeout(function, Duration.ZERO);
                }
                Waiter waiter = new Waiter(lock.newCondition());
                line.addLast(waiter);
                while (!waiter.admitted) {
                    Instant now = clock.instant();
                    if (!now.isBefore(deadline)) {
                        line.remove(waiter);
                        throw new InvokerException.QueueTimeout(function, Duration.between(arrived, now));
                    }
                    try {
                        waiter.wakeUp.awaitNanos(nanosBetween(now, deadline));
                    } catch (InterruptedException e) {
                        if (waiter.admitted) {
                            // Too late to leave the line: the permit is ours, and closing it is the caller's job.
                            Thread.currentThread().interrupt();
                            return;
                        }
                        line.remove(waiter);
                        Thread.currentThread().interrupt();
                        throw new InvokerException.Interrupted(function, e);
                    }
                }
            } finally {
                lock.unlock();
            }
        }

        void release() {
            lock.lock();
            try {
                running--;
                handOff();
            } finally {
                lock.unlock();
            }
        }

        /** Admits waiters, first in line first, while permits are free under the current limit. */
        private void handOff() {
            while (!line.isEmpty() && running < limit) {
                Waiter next = line.pollFirst();
                next.admitted = true;
                running++;
                next.wakeUp.signal();
            }
        }

        int running() {
            lock.lock();
            try {
                return running;
            } finally {
                lock.unlock();
            }
        }

        int waiting() {
            lock.lock();
            try {
                return line.size();
            } finally {
                lock.unlock();
            }
        }

        private static long nanosBetween(Instant now, Instant deadline) {
            try {
                return Math.max(1, Duration.between(now, deadline).toNanos());
            } catch (ArithmeticException tooFar) {
                return TimeUnit.DAYS.toNanos(365);
            }
        }
    }

    /** One caller in line; {@code admitted} is set (under the lock) when a permit is handed to it. */
    private static final class Waiter {
        final Condition wakeUp;
        boolean admitted;

        Waiter(Condition wakeUp) {
            this.wakeUp = wakeUp;
        }
    }
}
