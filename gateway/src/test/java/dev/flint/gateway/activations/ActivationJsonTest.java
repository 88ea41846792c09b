package dev.flint.gateway.activations;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.flint.invoker.ActivationRecord;
import dev.flint.invoker.LogLine;
import dev.flint.invoker.StartKind;
import dev.flint.invoker.Status;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ActivationJsonTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static ObjectNode action() throws Exception {
        return (ObjectNode) JSON.readTree("{\"namespace\":\"guest\",\"name\":\"hello\",\"version\":\"0.0.3\","
                + "\"exec\":{\"kind\":\"python:3.11\"},\"limits\":{\"timeout\":60000,\"memory\":256,\"logs\":10,\"concurrency\":1}}");
    }

    private static ActivationRecord record(Status status, StartKind start, List<LogLine> logs) {
        Instant t0 = Instant.parse("2026-11-24T23:00:00Z");
        return new ActivationRecord("0123456789abcdef0123456789abcdef", "guest/hello", status,
                ActivationRecord.error("boom"), logs, false, t0, t0.plusMillis(42), Duration.ofMillis(3), Duration.ofMillis(7),
                start, 0);
    }

    @Test
    void of_mapsStatusesToOpenWhisksCodesAndTexts_andAddsItsAnnotations() throws Exception {
        ObjectNode a = ActivationJson.of(record(Status.TIMEOUT, StartKind.STEM, List.of()), action());
        assertEquals("action developer error", a.path("response").path("status").asText());
        assertEquals(2, a.path("response").path("statusCode").asInt());
        assertEquals("guest", a.path("subject").asText());
        assertEquals(42, a.path("duration").asLong());
        assertEquals("0.0.3", a.path("version").asText());
        String ann = a.path("annotations").toString();
        assertTrue(ann.contains("{\"key\":\"timeout\",\"value\":true}"), ann);
        assertTrue(ann.contains("{\"key\":\"path\",\"value\":\"guest/hello\"}"), ann);
        assertTrue(ann.contains("{\"key\":\"kind\",\"value\":\"python:3.11\"}"), ann);
        assertTrue(ann.contains("{\"key\":\"waitTime\",\"value\":3}"), ann);
        assertTrue(ann.contains("{\"key\":\"initTime\",\"value\":7}"), ann);
        String warm = ActivationJson.of(record(Status.APPLICATION_ERROR, StartKind.WARM, List.of()), action()).toString();
        assertFalse(warm.contains("initTime"), "no init time for a warm start");
        assertTrue(warm.contains("\"status\":\"application error\",\"statusCode\":1"), warm);
        assertTrue(ActivationJson.of(record(Status.PLATFORM_ERROR, StartKind.COLD, List.of()), action()).toString()
                .contains("\"status\":\"whisk internal error\",\"statusCode\":3"));
        ObjectNode summary = ActivationJson.summary(a);
        assertFalse(summary.has("response"));
        assertFalse(summary.has("logs"));
        assertEquals(2, summary.path("statusCode").asInt());
    }

    @Test
    void fit_dropsLogLinesUntilTheRecordFits_andSaysSo() throws Exception {
        List<LogLine> lines = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            lines.add(new LogLine(Instant.now(), LogLine.STDOUT, "x".repeat(100)));
        }
        ObjectNode a = ActivationJson.fit(ActivationJson.of(record(Status.SUCCESS, StartKind.WARM, lines), action()), 20_000);
        assertTrue(a.toString().getBytes(StandardCharsets.UTF_8).length <= 20_000 + 200);
        String last = a.path("logs").get(a.path("logs").size() - 1).asText();
        assertTrue(last.startsWith("Logs were truncated"), last);
        ObjectNode small = ActivationJson.of(record(Status.SUCCESS, StartKind.WARM, lines.subList(0, 2)), action());
        assertEquals(small.toString(), ActivationJson.fit(small.deepCopy(), 20_000).toString());
    }
}
