package dev.flint.invoker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ActivationRecordTest {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final Instant START = Instant.parse("2026-11-24T23:01:02.123456789Z");
    private static final Instant END = START.plusMillis(250);

    @Test
    void toJson_isOneFlatObject_withOpenWhisksCodesAndMillis() throws Exception {
        ObjectNode result = MAPPER.createObjectNode().put("greeting", "hi");
        LogLine line = new LogLine(START.plusMillis(10), "stdout", "hello");
        ActivationRecord r = new ActivationRecord("a1b2", "guest/hello", Status.SUCCESS, result, List.of(line), false,
                START, END, Duration.ofMillis(3), Duration.ofMillis(40), StartKind.STEM, 12_345_678L);

        ObjectNode expected = (ObjectNode) MAPPER.readTree("""
                {"activationId": "a1b2", "function": "guest/hello", "status": "success", "statusCode": 0,
                 "success": true, "result": {"greeting": "hi"},
                 "logs": ["2026-11-24T23:01:02.133456789Z stdout: hello"], "logsTruncated": false,
                 "start": %d, "end": %d, "duration": 250, "waitTime": 3, "initTime": 40,
                 "startKind": "stem", "peakMemoryBytes": 12345678}
                """.formatted(START.toEpochMilli(), END.toEpochMilli()));
        // Compared after a round trip, so an int and a long of the same value are equal.
        assertEquals(expected, MAPPER.readTree(MAPPER.writeValueAsString(r.toJson(MAPPER))));
        assertEquals(Duration.ofMillis(250), r.duration());
    }

    @Test
    void aFailure_carriesTheErrorResult_andTheStatusCode() {
        ActivationRecord r = record(Status.TIMEOUT, ActivationRecord.error("the action exceeded its time limit of 60000 ms"));
        ObjectNode json = r.toJson(MAPPER);
        assertEquals("timeout", json.get("status").asText());
        assertEquals(2, json.get("statusCode").asInt());
        assertFalse(json.get("success").asBoolean());
        assertEquals("the action exceeded its time limit of 60000 ms", json.get("result").get("error").asText());
        assertEquals(3, record(Status.PLATFORM_ERROR, ActivationRecord.error("x")).toJson(MAPPER).get("statusCode").asInt());
    }

    @Test
    void theRecord_isImmutable_whateverTheCallerDoesToWhatItPassedOrGot() {
        ObjectNode result = MAPPER.createObjectNode().put("n", 1);
        List<LogLine> logs = new ArrayList<>(List.of(new LogLine(START, "stderr", "x")));
        ActivationRecord r = new ActivationRecord("id", "guest/hello", Status.SUCCESS, result, logs, false,
                START, END, Duration.ZERO, Duration.ZERO, StartKind.WARM, 0);

        result.put("n", 2);
        logs.clear();
        r.result().put("n", 3);
        ((ObjectNode) r.toJson(MAPPER).get("result")).put("n", 4);

        assertEquals(1, r.result().get("n").asInt());
        assertEquals(1, r.logs().size());
        assertThrows(UnsupportedOperationException.class, () -> r.logs().clear());
    }

    @Test
    void anEndBeforeTheStart_isInvalid() {
        InvokerException.Invalid e = assertThrows(InvokerException.Invalid.class, () -> new ActivationRecord("id",
                "guest/hello", Status.SUCCESS, MAPPER.createObjectNode(), List.of(), false, END, START,
                Duration.ZERO, Duration.ZERO, StartKind.COLD, 0));
        assertEquals("end", e.field());
    }

    @Test
    void negativeDurations_missingFields_andNegativeMemory_areInvalid() {
        ObjectNode ok = MAPPER.createObjectNode();
        assertThrows(InvokerException.Invalid.class, () -> new ActivationRecord("id", "guest/hello", Status.SUCCESS, ok,
                List.of(), false, START, END, Duration.ofMillis(-1), Duration.ZERO, StartKind.COLD, 0));
        assertThrows(InvokerException.Invalid.class, () -> new ActivationRecord("id", "guest/hello", Status.SUCCESS, ok,
                List.of(), false, START, END, Duration.ZERO, Duration.ofMillis(-1), StartKind.COLD, 0));
        assertThrows(InvokerException.Invalid.class, () -> new ActivationRecord("id", "guest/hello", Status.SUCCESS, ok,
                List.of(), false, START, END, Duration.ZERO, Duration.ZERO, StartKind.COLD, -1));
        assertThrows(InvokerException.Invalid.class, () -> new ActivationRecord("id", "guest/hello", null, ok,
                List.of(), false, START, END, Duration.ZERO, Duration.ZERO, StartKind.COLD, 0));
        assertThrows(InvokerException.Invalid.class, () -> new ActivationRecord(" ", "guest/hello", Status.SUCCESS, ok,
                List.of(), false, START, END, Duration.ZERO, Duration.ZERO, StartKind.COLD, 0));
        assertThrows(InvokerException.Invalid.class, () -> new ActivationRecord("id", "guest/hello", Status.SUCCESS, null,
                List.of(), false, START, END, Duration.ZERO, Duration.ZERO, StartKind.COLD, 0));
    }

    @Test
    void truncatedLogs_areReportedInTheJson() {
        ActivationRecord r = new ActivationRecord("id", "guest/hello", Status.SUCCESS, MAPPER.createObjectNode(),
                List.of(), true, START, START, Duration.ZERO, Duration.ZERO, StartKind.COLD, 0);
        assertTrue(r.toJson(MAPPER).get("logsTruncated").asBoolean());
        assertEquals(0, r.toJson(MAPPER).get("duration").asLong());
    }

    private static ActivationRecord record(Status status, ObjectNode result) {
        return new ActivationRecord("id", "guest/hello", status, result, List.of(), false, START, END,
                Duration.ZERO, Duration.ofMillis(5), StartKind.COLD, 1024);
    }
}
