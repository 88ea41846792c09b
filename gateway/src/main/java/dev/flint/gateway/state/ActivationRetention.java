package dev.flint.gateway.state;

import java.time.Duration;

/**
 * How much of the activations topic the gateway keeps (docs/gateway.md, "Activation retention"):
 * Kafka deletes records older than {@code age} (the topic's {@code retention.ms}), and the
 * in-memory view holds at most {@code count} records, dropping the oldest arrivals first, so its
 * memory stays bounded whatever the topic holds.
 *
 * @param age how long an activation record is kept, at least a minute
 * @param count how many activation records the view holds at most, at least 1
 */
public record ActivationRetention(Duration age, long count) {
    /** Seven days, 200,000 records (about 0.2 GB of heap for typical records; see docs/SPEC.md). */
    public static final ActivationRetention DEFAULT = new ActivationRetention(Duration.ofDays(7), 200_000);

    public ActivationRetention {
        if (age == null || age.compareTo(Duration.ofMinutes(1)) < 0) {
            throw new IllegalArgumentException("activation retention age must be at least 1 minute: " + age);
        }
        if (count < 1) {
            throw new IllegalArgumentException("activation retention count must be at least 1: " + count);
        }
    }
}
