package dev.flint.gateway.activations;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.flint.invoker.ActivationRecord;
import dev.flint.invoker.LogLine;
import dev.flint.invoker.StartKind;
import java.nio.charset.StandardCharsets;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * OpenWhisk's activation record (OPENWHISK-API.md §3) from the invoker's {@link ActivationRecord}:
 * {@code namespace, name, subject, activationId, start, end, duration, version, publish,
 * response {status, statusCode, success, result, size}, logs, annotations [path, waitTime, kind,
 * timeout, limits, initTime (cold and stem starts only)]}; and the list summaries.
 */
public final class ActivationJson {
    private static final Pattern ID = Pattern.compile("[0-9a-f]{32}");
    private static final String[] STATUS_TEXT = {"success", "application error", "action developer error", "whisk internal error"};

    private ActivationJson() {
    }

    /** A new activation id: 32 lower-case hex digits. */
    public static String newId() {
        return UUID.randomUUID().toString().replace("-", "");
    }

    public static boolean validId(String id) {
        return id != null && ID.matcher(id).matches();
    }

    /**
     * The record of a finished activation of an action.
     *
     * @param action what ran: its namespace, name, version, kind and limits (the action's document)
     */
    public static ObjectNode of(ActivationRecord r, ObjectNode action) {
        int code = r.status().openWhiskCode();
        boolean timeout = r.status() == dev.flint.invoker.Status.TIMEOUT;
        ObjectNode a = base(action, r.activationId(), r.start().toEpochMilli(), r.end().toEpochMilli());
        a.set("response", response(code, r.result()));
        ArrayNode logs = a.putArray("logs");
        for (LogLine line : r.logs()) {
            logs.add(line.format());
        }
        ArrayNode ann = annotations(action, r.waitTime().toMillis(), timeout);
        if (r.startKind() != StartKind.WARM) {
            ann.addObject().put("key", "initTime").put("value", r.initTime().toMillis());
        }
        a.set("annotations", ann);
        return a;
    }

    /** The record of an activation the platform could not run (status 3), with the reason as its error. */
    public static ObjectNode failed(ObjectNode action, String activationId, long start, String error) {
        ObjectNode a = base(action, activationId, start, System.currentTimeMillis());
        ObjectNode result = JsonNodeFactory.instance.objectNode().put("error", error);
        a.set("response", response(3, result));
        a.putArray("logs");
        a.set("annotations", annotations(action, 0, false));
        return a;
    }

    /**
     * The record of a trigger's firing (OPENWHISK-API.md §5): named after the trigger, its payload
     * as a successful result, no {@code end} or {@code duration}, and one log line per rule.
     *
     * @param trigger the trigger's document (namespace, name, version)
     * @param logs one JSON text per rule: {@code {statusCode, success, activationId | error, rule, action}}
     */
    public static ObjectNode ofTrigger(ObjectNode trigger, String activationId, long start, JsonNode payload,
            java.util.List<String> logs) {
        String namespace = trigger.path("namespace").asText();
        ObjectNode a = JsonNodeFactory.instance.objectNode();
        a.put("namespace", namespace);
        a.put("name", trigger.path("name").asText());
        a.put("subject", namespace);
        a.put("activationId", activationId);
        a.put("start", start);
        a.put("version", trigger.path("version").asText());
        a.put("publish", false);
        a.set("response", response(0, payload));
        logs.forEach(a.putArray("logs")::add);
        a.putArray("annotations");
        return a;
    }

    private static ObjectNode base(ObjectNode action, String id, long start, long end) {
        String namespace = action.path("namespace").asText();
        ObjectNode a = JsonNodeFactory.instance.objectNode();
        a.put("namespace", namespace);
        a.put("name", action.path("name").asText());
        a.put("subject", namespace);
        a.put("activationId", id);
        a.put("start", start);
        a.put("end", Math.max(start, end));
        a.put("duration", Math.max(0, end - start));
        a.put("version", action.path("version").asText());
        a.put("publish", false);
        return a;
    }

    private static ObjectNode response(int code, JsonNode result) {
        ObjectNode r = JsonNodeFactory.instance.objectNode();
        r.put("status", STATUS_TEXT[code]);
        r.put("statusCode", code);
        r.put("success", code == 0);
        r.set("result", result);
        r.put("size", result.toString().getBytes(StandardCharsets.UTF_8).length);
        return r;
    }

    private static ArrayNode annotations(ObjectNode action, long waitMillis, boolean timeout) {
        ArrayNode ann = JsonNodeFactory.instance.arrayNode();
        ann.addObject().put("key", "path").put("value", action.path("namespace").asText() + "/" + action.path("name").asText());
        ann.addObject().put("key", "waitTime").put("value", waitMillis);
        ann.addObject().put("key", "kind").put("value", action.path("exec").path("kind").asText());
        ann.addObject().put("key", "timeout").put("value", timeout);
        ann.addObject().put("key", "limits").set("value", action.path("limits").deepCopy());
        return ann;
    }

    /**
     * The record made to fit in {@code maxBytes} of JSON: log lines are dropped from the end, with a
     * last line saying so, until it fits (results are at most 1 MiB already).
     */
    public static ObjectNode fit(ObjectNode record, long maxBytes) {
        long size = record.toString().getBytes(StandardCharsets.UTF_8).length;
        if (size <= maxBytes || !record.path("logs").isArray()) {
            return record;
        }
        ArrayNode logs = (ArrayNode) record.get("logs");
        while (size > maxBytes && !logs.isEmpty()) {
            size -= logs.remove(logs.size() - 1).toString().getBytes(StandardCharsets.UTF_8).length + 1;
        }
        logs.add("Logs were truncated because the activation record exceeds " + maxBytes + " bytes.");
        return record;
    }

    /** A list entry: the record without response and logs, with the top-level {@code statusCode}. */
    public static ObjectNode summary(ObjectNode record) {
        ObjectNode s = JsonNodeFactory.instance.objectNode();
        for (String f : new String[] {"namespace", "name", "version", "publish", "annotations", "activationId", "start", "end",
                "duration", "cause"}) {
            if (record.has(f)) {
                s.set(f, record.get(f).deepCopy());
            }
        }
        s.put("statusCode", record.path("response").path("statusCode").asInt());
        return s;
    }

    /** {@code /result}: the response without its numeric code. */
    public static ObjectNode result(ObjectNode record) {
        ObjectNode r = record.path("response").deepCopy();
        r.remove("statusCode");
        return r;
    }
}
