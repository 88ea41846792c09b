package dev.flint.gateway.actions;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.flint.gateway.GatewayConfig;
import dev.flint.gateway.api.ApiException;
import dev.flint.invoker.Limits;
import java.time.Duration;

/**
 * An action's limits in OpenWhisk's units and JSON shape: {@code timeout} ms, {@code memory} MB,
 * {@code logs} MB, {@code concurrency} activations at once. Immutable; {@link #merge} validates
 * against the configured bounds and names the field it rejects.
 */
public record ActionLimits(long timeout, long memory, long logs, int concurrency) {

    /** OpenWhisk's defaults: 60 s, 256 MB, 10 MB of logs, one at a time. */
    public static ActionLimits defaults() {
        return new ActionLimits(60_000, 256, 10, 1);
    }

    /** These limits with the fields that {@code json} (null: none) gives replaced; 400 naming a bad field. */
    public ActionLimits merge(JsonNode json, GatewayConfig.Limits bounds) {
        if (json == null || json.isNull()) {
            return this;
        }
        if (!json.isObject()) {
            throw ApiException.badField("limits", "must be an object such as {\"timeout\": 60000, \"memory\": 256}");
        }
        long t = field(json, "timeout", timeout, bounds.timeoutMin(), bounds.timeoutMax(), "ms");
        long m = field(json, "memory", memory, bounds.memoryMin(), bounds.memoryMax(), "MB");
        long l = field(json, "logs", logs, bounds.logsMin(), bounds.logsMax(), "MB");
        long c = field(json, "concurrency", concurrency, 1, bounds.concurrencyMax(), "activations");
        return new ActionLimits(t, m, l, (int) c);
    }

    private static long field(JsonNode json, String name, long current, long min, long max, String unit) {
        JsonNode v = json.get(name);
        if (v == null || v.isNull()) {
            return current;
        }
        if (!v.isIntegralNumber() || !v.canConvertToLong()) {
            throw ApiException.badField("limits." + name, "must be a whole number of " + unit + ", got " + v);
        }
        long value = v.asLong();
        if (value < min || value > max) {
            throw ApiException.badField("limits." + name, value + " is outside the allowed range " + min + ".." + max + " " + unit);
        }
        return value;
    }

    /** Reads limits as this class writes them; missing fields take the defaults (documents are the server's own). */
    public static ActionLimits of(JsonNode json) {
        ActionLimits d = defaults();
        return new ActionLimits(json.path("timeout").asLong(d.timeout), json.path("memory").asLong(d.memory),
                json.path("logs").asLong(d.logs), json.path("concurrency").asInt(d.concurrency));
    }

    public ObjectNode toJson() {
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        o.put("timeout", timeout);
        o.put("memory", memory);
        o.put("logs", logs);
        o.put("concurrency", concurrency);
        return o;
    }

    /** The invoker's limits: the same values in its units. */
    public Limits toInvoker() {
        return new Limits(Duration.ofMillis(timeout), memory << 20, logs << 20, concurrency);
    }
}
