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
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * Delivers one record of a Kafka-fed trigger, in order:
 *
 * <ol>
 * <li>read the trigger's active rules (now, so a rule disabled a moment ago runs nothing more);
 * none: the record is not handled, and the partition stops there;</li>
 * <li>for each active rule, invoke its action blocking with the record's payload
 * ({@link RecordPayload}), its activation record annotated with the cause
 * {@code {trigger, rule, topic, partition, offset}}; a failure is retried after 100 ms, doubling up to 30 s, up to
 * {@code retries} more times;</li>
 * <li>a success with a {@code results} topic: the result JSON goes there (key = the record's key,
 * header {@code activationId});</li>
 * <li>all attempts failed: {@code {record, error, activationId, trigger, rule, attempts}} goes to
 * the {@code dlq} topic (key = the record's key), so the partition moves on.</li>
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

    /** Publishes one record and returns once Kafka acknowledged it; throws when it did not. */
    interface Publisher {
        void publish(String topic, byte[] key, byte[] value, Map<String, String> headers);
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
     * Delivers the record to every active rule; false when there is none (nothing ran).
     *
     * @throws Stopped when the consumer stopped before the record was handled
     */
    boolean deliver(ConsumerRecord<byte[], byte[]> record) {
        List<TriggerDocs.Link> rules = activeRules.get();
        if (rules.isEmpty()) {
            return false;
        }
        ObjectNode payload = RecordPayload.of(record);
        for (TriggerDocs.Link rule : rules) {
            deliver(rule, payload, record.key());
        }
        return true;
    }

    private void deliver(TriggerDocs.Link rule, ObjectNode payload, byte[] key) {
        long backoff = FIRST_BACKOFF_MS;
        Attempt last = null;
        int attempts = 0;
        while (attempts <= feed.retries()) {
            if (attempts > 0) {
                pause(backoff);
                backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
            }
            attempts++;
            last = actions.invoke(rule.action(), payload.deepCopy(), cause(payload, rule));
            if (last.ok()) {
                if (feed.results() != null) {
                    publisher.publish(feed.results(), key, bytes(last.result()),
                            Map.of("activationId", last.activationId()));
                }
                return;
            }
            if (stopped.getAsBoolean()) {
                throw new Stopped(); // the failure may be the server stopping: no dead letter for it
            }
        }
        ObjectNode letter = JsonNodeFactory.instance.objectNode();
        letter.set("record", payload);
        letter.put("error", last.error());
        letter.put("activationId", last.activationId());
        letter.put("trigger", trigger.asString());
        letter.put("rule", rule.rule().asString());
        letter.put("action", rule.action().asString());
        letter.put("attempts", attempts);
        publisher.publish(feed.dlq(), key, bytes(letter), Map.of());
    }

    /** What the activation record names as its cause: {@code {trigger, rule, topic, partition, offset}}. */
    private ObjectNode cause(ObjectNode payload, TriggerDocs.Link rule) {
        ObjectNode c = JsonNodeFactory.instance.objectNode();
        c.put("trigger", trigger.asString());
        c.put("rule", rule.rule().asString());
        c.set("topic", payload.get("topic"));
        c.set("partition", payload.get("partition"));
        c.set("offset", payload.get("offset"));
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
