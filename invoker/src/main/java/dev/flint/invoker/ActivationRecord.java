package dev.flint.invoker;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * What happened in one activation, as OpenWhisk records it: who ran, how it ended, what it returned
 * and wrote, and where the time went. Immutable: the logs are copied and the result is deep-copied
 * on the way in and on the way out. On failure the result is {@code {"error": "message"}}, as in
 * OpenWhisk ({@link #error(String)} builds it).
 *
 * @param activationId the activation's id
 * @param function the function's key as text, such as {@code guest/hello}
 * @param status how the activation ended
 * @param result the JSON object the function returned, or {@code {"error": ...}}
 * @param logs the kept log lines, in arrival order (with the truncation notice last, if any)
 * @param logsTruncated whether log lines were dropped for the log limit
 * @param start when the activation started running (after waiting for a slot)
 * @param end when it ended; not before {@code start}
 * @param waitTime how long it waited for a free concurrency slot
 * @param initTime how long the sandbox and the function's code took to start; zero when warm
 * @param startKind where its sandbox came from
 * @param peakMemoryBytes the sandbox's peak memory use, 0 when unknown
 */
public record ActivationRecord(
        String activationId,
        String function,
        Status status,
        ObjectNode result,
        List<LogLine> logs,
        boolean logsTruncated,
        Instant start,
        Instant end,
        Duration waitTime,
        Duration initTime,
        StartKind startKind,
        long peakMemoryBytes) {

    public ActivationRecord {
        requireText("activationId", activationId);
        requireText("function", function);
        require("status", status);
        require("result", result);
        require("logs", logs);
        require("start", start);
        require("end", end);
        require("waitTime", waitTime);
        require("initTime", initTime);
        require("startKind", startKind);
        if (end.isBefore(start)) {
            throw new InvokerException.Invalid("end", "end " + end + " is before start " + start, "stamp the end after the start");
        }
        if (waitTime.isNegative() || initTime.isNegative()) {
            throw new InvokerException.Invalid("durations", "wait time " + waitTime + ", init time " + initTime,
                    "each must be zero or more");
        }
        if (peakMemoryBytes < 0) {
            throw new InvokerException.Invalid("peakMemoryBytes", peakMemoryBytes + " is negative", "use 0 when unknown");
        }
        result = result.deepCopy();
        logs = List.copyOf(logs);
    }

    /** OpenWhisk's result of a failed activation: {@code {"error": message}}. */
    public static ObjectNode error(String message) {
        ObjectNode node = JsonNodeFactory.instance.objectNode();
        node.put("error", message);
        return node;
    }

    /** A copy of the result, so the record stays immutable. */
    @Override
    public ObjectNode result() {
        return result.deepCopy();
    }

    /** How long the activation ran: {@code end - start}. */
    public Duration duration() {
        return Duration.between(start, end);
    }

    /** Whether the status is {@link Status#SUCCESS}. */
    public boolean success() {
        return status.success();
    }

    /**
     * The record as one flat JSON object: ids, {@code status} (its text), {@code statusCode}
     * (OpenWhisk's), {@code success}, {@code result}, {@code logs} (formatted lines),
     * {@code logsTruncated}, {@code start} and {@code end} (epoch millis), {@code duration},
     * {@code waitTime} and {@code initTime} (millis), {@code startKind}, {@code peakMemoryBytes}.
     */
    public ObjectNode toJson(ObjectMapper mapper) {
        ObjectNode json = mapper.createObjectNode();
        json.put("activationId", activationId);
        json.put("function", function);
        json.put("status", status.text());
        json.put("statusCode", status.openWhiskCode());
        json.put("success", success());
        json.set("result", result.deepCopy());
        ArrayNode lines = json.putArray("logs");
        for (LogLine line : logs) {
            lines.add(line.format());
        }
        json.put("logsTruncated", logsTruncated);
        json.put("start", start.toEpochMilli());
        json.put("end", end.toEpochMilli());
        json.put("duration", duration().toMillis());
        json.put("waitTime", waitTime.toMillis());
        json.put("initTime", initTime.toMillis());
        json.put("startKind", startKind.text());
        json.put("peakMemoryBytes", peakMemoryBytes);
        return json;
    }

    private static void require(String field, Object value) {
        if (value == null) {
            throw new InvokerException.Invalid(field, "missing", "an activation record needs every field");
        }
    }

    private static void requireText(String field, String value) {
        if (value == null || value.isBlank()) {
            throw new InvokerException.Invalid(field, "missing or blank", "an activation record needs every field");
        }
    }
}
