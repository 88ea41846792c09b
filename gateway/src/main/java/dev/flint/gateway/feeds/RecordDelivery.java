package dev.flint.gateway.feeds;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.flint.gateway.triggers.EntityRef;
import dev.flint.gateway.triggers.TriggerDocs;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * Delivers one {@link RecordBatch} of a Kafka-fed trigger (one record, or several of one partition
 * with a feed's {@code batch} above 1), in order:
 *
 * <ol>
 * <li>read the trigger's active rules (now, so a rule disabled a moment ago runs nothing more);
 * none: the batch is not handled, and the partition stops there;</li>
 * <li>for each active rule, invoke its action blocking with the batch's payload, its activation
 * record annotated with the cause {@code {trigger, rule, topic, partition, offset}} (for a batch
 * {@code firstOffset} and {@code lastOffset} instead of {@code offset}); a failure is retried, the
 * batch as a whole, after 100 ms, doubling up to 30 s, up to {@code retries} more times;</li>
 * <li>a success with a {@code results} topic: the result JSON goes there once (key = the last
 * record's key, on the consumed partition's number for a batch, headers in
 * {@link RecordBatch#resultHeaders});</li>
 * <li>all attempts failed: for each record of the batch, {@code {record, error, activationId,
 * trigger, rule, action, attempts}} (and for a batch {@code batch: {firstOffset, lastOffset}})
 * goes to the {@code dlq} topic (key = the record's key), so the partition moves on.</li>
 * </ol>
 *
 * A stop during retries ends the delivery unhandled (no dead letter for a server going down).
 * Publishing waits for Kafka's acknowledgement; its failure is thrown. Thread-safe if its
 * collaborators are; one instance serves every partition of a consumer.
 */
final class RecordDelivery {
    static final long FIRST_BACKOFF_MS = 100;
    static final long MAX_BACKOFF_MS = 30_000;

    /** One attempt's outcome: success with a result, or an error (with the activation id when one ran). */
    record Attempt(boolean ok, String activationId, JsonNode result, String error) {
        static Attempt success(String activationId, JsonNode result) {
            return new Attempt(true, activationId, result, null);
        }

        static Attempt failure(String activationId, String error) {
            return new Attempt(false, activationId, null, error);
        }
    }

    /** Runs an action blocking, its record naming {@code cause}, and says how it went; never throws. */
    interface Actions {
        Attempt invoke(EntityRef action, ObjectNode payload, ObjectNode cause);
    }

    /**
     * Publishes one record and returns once Kafka acknowledged it; throws when it did not. Its
     * partition is chosen by its key, or when {@code partition} is given, is that number modulo
     * the topic's partition count.
     */
    interface Publisher {
        void publish(String topic, Integer partition, byte[] key, byte[] value, Map<String, String> headers);
    }

    /** Thrown when the consumer stops in the middle of a record: it stays unhandled (and uncommitted). */
    static final class Stopped extends RuntimeException {
        Stopped() {
            super("the feed's consumer is stopping", null, false, false);
        }
    }

    private final EntityRef trigger;
    private final KafkaFeed feed;
    private final Supplier<List<TriggerDocs.Link>> activeRules;
    private final Actions actions;
    private final Publisher publisher;
    private final BooleanSupplier stopped;

    RecordDelivery(EntityRef trigger, KafkaFeed feed, Supplier<List<TriggerDocs.Link>> activeRules, Actions actions,
            Publisher publisher, BooleanSupplier stopped) {
        this.trigger = trigger;
        this.feed = feed;
        this.activeRules = activeRules;
        this.actions = actions;
        this.publisher = publisher;
        this.stopped = stopped;
    }

    /**
     * Delivers the batch to every active rule; false when there is none (nothing ran).
     *
     * @throws Stopped when the consumer stopped before the batch was handled
     */
    boolean deliver(RecordBatch batch) {
        List<TriggerDocs.Link> rules = activeRules.get();
        if (rules.isEmpty()) {
            return false;
        }
        for (TriggerDocs.Link rule : rules) {
            deliver(rule, batch);
        }
        return true;
    }

    private void deliver(TriggerDocs.Link rule, RecordBatch batch) {
        long backoff = FIRST_BACKOFF_MS;
        Attempt last = null;
        int attempts = 0;
        while (attempts <= feed.retries()) {
            if (attempts > 0) {
                pause(backoff);
                backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
            }
            attempts++;
            last = actions.invoke(rule.action(), batch.payload(), cause(batch, rule));
            if (last.ok()) {
                if (feed.results() != null) {
                    publisher.publish(feed.results(), batch.resultPartition(), batch.resultKey(), bytes(last.result()),
                            batch.resultHeaders(last.activationId()));
                }
                return;
            }
            if (stopped.getAsBoolean()) {
                throw new Stopped(); // the failure may be the server stopping: no dead letter for it
            }
        }
        for (RecordBatch.Keyed record : batch.records()) {
            ObjectNode letter = JsonNodeFactory.instance.objectNode();
            letter.set("record", record.payload());
            letter.put("error", last.error());
            letter.put("activationId", last.activationId());
            letter.put("trigger", trigger.asString());
            letter.put("rule", rule.rule().asString());
            letter.put("action", rule.action().asString());
            letter.put("attempts", attempts);
            if (batch.asMessages()) {
                letter.putObject("batch").put("firstOffset", batch.firstOffset()).put("lastOffset", batch.lastOffset());
            }
            publisher.publish(feed.dlq(), null, record.key(), bytes(letter), Map.of());
        }
    }

    /** What the activation record names as its cause: {@code {trigger, rule}} and where the batch comes from. */
    private ObjectNode cause(RecordBatch batch, TriggerDocs.Link rule) {
        ObjectNode c = JsonNodeFactory.instance.objectNode();
        c.put("trigger", trigger.asString());
        c.put("rule", rule.rule().asString());
        batch.describe(c);
        return c;
    }

    /** Sleeps, in slices, so that a stop ends the wait at once. */
    private void pause(long millis) {
        long end = System.nanoTime() + millis * 1_000_000;
        while (System.nanoTime() < end) {
            if (stopped.getAsBoolean()) {
                throw new Stopped();
            }
            try {
                Thread.sleep(Math.min(50, Math.max(1, (end - System.nanoTime()) / 1_000_000)));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new Stopped();
            }
        }
    }

    private static byte[] bytes(JsonNode json) {
        return (json == null ? JsonNodeFactory.instance.nullNode() : json).toString().getBytes(StandardCharsets.UTF_8);
    }
}
