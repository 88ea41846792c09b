package dev.flint.gateway.feeds;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.flint.gateway.triggers.EntityRef;
import dev.flint.gateway.triggers.RuleStatus;
import dev.flint.gateway.triggers.TriggerDocs;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

/** Retries, dead letters and results of one record or one batch, with a fake action and a recording publisher. */
class RecordDeliveryTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final EntityRef TRIGGER = new EntityRef("guest", "orders");
    private static final TriggerDocs.Link RULE = new TriggerDocs.Link(new EntityRef("guest", "r1"), new EntityRef("guest", "a1"),
            RuleStatus.ACTIVE);

    record Published(String topic, Integer partition, String key, JsonNode value, Map<String, String> headers) {
    }

    private final List<Published> published = new ArrayList<>();
    private final AtomicInteger calls = new AtomicInteger();
    private final List<JsonNode> causes = new ArrayList<>();
    private final List<JsonNode> payloads = new ArrayList<>();

    private RecordDelivery delivery(KafkaFeed feed, int failures, List<TriggerDocs.Link> rules, AtomicBoolean stopped) {
        return new RecordDelivery(TRIGGER, feed, () -> rules, (action, payload, cause) -> {
            causes.add(cause);
            payloads.add(payload);
            int n = calls.incrementAndGet();
            return n <= failures ? RecordDelivery.Attempt.failure("act" + n, "boom " + n)
                    : RecordDelivery.Attempt.success("act" + n, JsonNodeFactory.instance.objectNode().set("echo",
                            payload.has("messages") ? payload.get("messages") : payload.get("value")));
        }, (topic, partition, key, value, headers) -> {
            try {
                published.add(new Published(topic, partition, new String(key, StandardCharsets.UTF_8), JSON.readTree(value), headers));
            } catch (java.io.IOException e) {
                throw new AssertionError(e);
            }
        }, stopped::get);
    }

    private static KafkaFeed feed(int retries, String results) {
        return new KafkaFeed("in", "x:1", "g", "earliest", retries, "in.dlq", results, 1);
    }

    private static RecordBatch record(String value) {
        return RecordBatch.split(List.of(record(7L, "k", value)), 1).get(0);
    }

    private static ConsumerRecord<byte[], byte[]> record(long offset, String key, String value) {
        return new ConsumerRecord<>("in", 0, offset, key.getBytes(StandardCharsets.UTF_8), value.getBytes(StandardCharsets.UTF_8));
    }

    /** Records 10, 11 and 12 of partition 0, keys k10..k12, values {"n": 10}..., as one batch of up to {@code size}. */
    private static RecordBatch threeRecords(int size) {
        List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
        for (long o = 10; o <= 12; o++) {
            records.add(record(o, "k" + o, "{\"n\":" + o + "}"));
        }
        List<RecordBatch> batches = RecordBatch.split(records, size);
        assertEquals(1, batches.size());
        return batches.get(0);
    }

    @Test
    void success_afterRetries_publishesTheResultWithItsActivationId() {
        assertTrue(delivery(feed(2, "out"), 2, List.of(RULE), new AtomicBoolean()).deliver(record("{\"n\":1}")));
        assertEquals(3, calls.get());
        assertEquals("{\"trigger\":\"guest/orders\",\"rule\":\"guest/r1\",\"topic\":\"in\",\"partition\":0,\"offset\":7}",
                causes.get(0).toString(), "each activation names its cause");
        assertEquals(List.of(new Published("out", null, "k", JSON.valueToTree(Map.of("echo", Map.of("n", 1))), Map.of("activationId", "act3"))),
                published);
        assertEquals(7, payloads.get(0).path("offset").asLong(), "batch 1: the record itself, no messages array");
        assertFalse(payloads.get(0).has("messages"));
    }

    @Test
    void aBatch_isOneActivation_withAMessagesArrayInOffsetOrder_andItsResultIsPublishedOnce() {
        assertTrue(delivery(feed(2, "out"), 1, List.of(RULE), new AtomicBoolean()).deliver(threeRecords(100)));
        assertEquals(2, calls.get(), "a failed batch is retried as a whole");
        JsonNode messages = payloads.get(1).get("messages");
        assertEquals(1, payloads.get(1).size(), "only messages: " + payloads.get(1));
        assertEquals(3, messages.size());
        for (int i = 0; i < 3; i++) {
            assertEquals(10 + i, messages.get(i).path("offset").asLong());
            assertEquals("k" + (10 + i), messages.get(i).path("key").asText());
            assertEquals(10 + i, messages.get(i).path("value").path("n").asInt());
            assertEquals("in", messages.get(i).path("topic").asText());
            assertEquals(0, messages.get(i).path("partition").asInt());
        }
        assertEquals("{\"trigger\":\"guest/orders\",\"rule\":\"guest/r1\",\"topic\":\"in\",\"partition\":0,\"firstOffset\":10,"
                + "\"lastOffset\":12}", causes.get(1).toString(), "the cause names the offset range");
        assertEquals(1, published.size(), "one result for the batch: " + published);
        Published p = published.get(0);
        assertEquals("out", p.topic());
        assertEquals("k12", p.key(), "the last record's key");
        assertEquals(0, p.partition(), "on the consumed partition's number");
        assertEquals(messages.toString(), p.value().get("echo").toString());
        assertEquals(Map.of("activationId", "act2", "partition", "0", "firstOffset", "10", "lastOffset", "12"), p.headers());
    }

    @Test
    void aBatchWhoseAttemptsAllFailed_deadLettersEachOfItsRecords_withItsOwnKey() {
        assertTrue(delivery(feed(1, "out"), 99, List.of(RULE), new AtomicBoolean()).deliver(threeRecords(3)));
        assertEquals(2, calls.get(), "one attempt and one retry, for the batch as a whole");
        assertEquals(3, published.size(), "a dead letter per record: " + published);
        for (int i = 0; i < 3; i++) {
            Published p = published.get(i);
            assertEquals("in.dlq", p.topic());
            assertEquals("k" + (10 + i), p.key());
            assertEquals(null, p.partition(), "a dead letter is placed by its key");
            assertEquals(10 + i, p.value().path("record").path("offset").asLong(), "in offset order");
            assertEquals("boom 2", p.value().path("error").asText());
            assertEquals("act2", p.value().path("activationId").asText());
            assertEquals(2, p.value().path("attempts").asInt());
            assertEquals("{\"firstOffset\":10,\"lastOffset\":12}", p.value().path("batch").toString());
        }
    }

    @Test
    void everyAttemptFailed_goesToTheDeadLetterTopic_withTheErrorAndTheRecord() {
        assertTrue(delivery(feed(1, "out"), 99, List.of(RULE), new AtomicBoolean()).deliver(record("poison")));
        assertEquals(2, calls.get(), "one attempt and one retry");
        assertEquals(1, published.size());
        Published p = published.get(0);
        assertEquals("in.dlq", p.topic());
        assertEquals("k", p.key());
        assertEquals("boom 2", p.value().path("error").asText());
        assertEquals("act2", p.value().path("activationId").asText());
        assertEquals("guest/orders", p.value().path("trigger").asText());
        assertEquals("guest/r1", p.value().path("rule").asText());
        assertEquals("poison", p.value().path("record").path("value").asText());
        assertEquals(7, p.value().path("record").path("offset").asLong());
    }

    @Test
    void noActiveRule_runsNothing_andLeavesTheRecordUnhandled() {
        assertFalse(delivery(feed(1, null), 0, List.of(), new AtomicBoolean()).deliver(record("x")));
        assertEquals(0, calls.get());
        assertTrue(published.isEmpty());
    }

    @Test
    void aStopDuringRetries_leavesTheRecordUnhandled_withoutDeadLetter() {
        assertThrows(RecordDelivery.Stopped.class, () -> delivery(feed(5, null), 99, List.of(RULE), new AtomicBoolean(true))
                .deliver(record("x")));
        assertTrue(published.isEmpty());
    }
}
