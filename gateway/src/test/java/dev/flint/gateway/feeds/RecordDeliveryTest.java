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

/** Retries, dead letters and results of one record, with a fake action and a recording publisher. */
class RecordDeliveryTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final EntityRef TRIGGER = new EntityRef("guest", "orders");
    private static final TriggerDocs.Link RULE = new TriggerDocs.Link(new EntityRef("guest", "r1"), new EntityRef("guest", "a1"),
            RuleStatus.ACTIVE);

    record Published(String topic, String key, JsonNode value, Map<String, String> headers) {
    }

    private final List<Published> published = new ArrayList<>();
    private final AtomicInteger calls = new AtomicInteger();
    private final List<JsonNode> causes = new ArrayList<>();

    private RecordDelivery delivery(KafkaFeed feed, int failures, List<TriggerDocs.Link> rules, AtomicBoolean stopped) {
        return new RecordDelivery(TRIGGER, feed, () -> rules, (action, payload, cause) -> {
            causes.add(cause);
            int n = calls.incrementAndGet();
            return n <= failures ? RecordDelivery.Attempt.failure("act" + n, "boom " + n)
                    : RecordDelivery.Attempt.success("act" + n, JsonNodeFactory.instance.objectNode().set("echo", payload.get("value")));
        }, (topic, key, value, headers) -> {
            try {
                published.add(new Published(topic, new String(key, StandardCharsets.UTF_8), JSON.readTree(value), headers));
            } catch (java.io.IOException e) {
                throw new AssertionError(e);
            }
        }, stopped::get);
    }

    private static KafkaFeed feed(int retries, String results) {
        return new KafkaFeed("in", "x:1", "g", "earliest", retries, "in.dlq", results);
    }

    private static ConsumerRecord<byte[], byte[]> record(String value) {
        return new ConsumerRecord<>("in", 0, 7L, "k".getBytes(StandardCharsets.UTF_8), value.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void success_afterRetries_publishesTheResultWithItsActivationId() {
        assertTrue(delivery(feed(2, "out"), 2, List.of(RULE), new AtomicBoolean()).deliver(record("{\"n\":1}")));
        assertEquals(3, calls.get());
        assertEquals("{\"trigger\":\"guest/orders\",\"rule\":\"guest/r1\",\"topic\":\"in\",\"partition\":0,\"offset\":7}",
                causes.get(0).toString(), "each activation names its cause");
        assertEquals(List.of(new Published("out", "k", JSON.valueToTree(Map.of("echo", Map.of("n", 1))), Map.of("activationId", "act3"))),
                published);
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
