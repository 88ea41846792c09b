package dev.flint.gateway.state;

import java.time.Duration;

/** A point in time a sequence of waits must finish by; immutable. */
record Deadline(long nanos, Duration budget) {

    static Deadline after(Duration budget) {
        return new Deadline(System.nanoTime() + budget.toNanos(), budget);
    }

    /** What is left, at least 0. */
    long remainingMillis() {
        return Math.max(0, (nanos - System.nanoTime() + 999_999) / 1_000_000);
    }

    long remainingNanos() {
        return Math.max(0, nanos - System.nanoTime());
    }

    boolean expired() {
        return nanos - System.nanoTime() <= 0;
    }
}
