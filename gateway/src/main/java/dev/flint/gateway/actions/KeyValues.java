package dev.flint.gateway.actions;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.flint.gateway.api.ApiException;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;

/** OpenWhisk's parameters and annotations: arrays of {@code {"key": string, "value": any JSON}}. */
public final class KeyValues {
    private KeyValues() {
    }

    /** A validated copy of {@code json}, or null when absent; 400 naming the field and the entry. */
    public static ArrayNode parse(String field, JsonNode json) {
        if (json == null || json.isNull()) {
            return null;
        }
        if (!json.isArray()) {
            throw ApiException.badField(field, "must be an array of {\"key\": ..., \"value\": ...}");
        }
        ArrayNode out = JsonNodeFactory.instance.arrayNode();
        for (int i = 0; i < json.size(); i++) {
            JsonNode e = json.get(i);
            if (!e.isObject() || !e.path("key").isTextual() || e.path("key").asText().isEmpty()) {
                throw ApiException.badField(field + "[" + i + "]", "must be an object with a non-empty string \"key\" and a \"value\"");
            }
            ObjectNode entry = out.addObject();
            entry.put("key", e.get("key").asText());
            entry.set("value", e.has("value") ? e.get("value").deepCopy() : JsonNodeFactory.instance.nullNode());
            if (e.has("init")) {
                entry.set("init", e.get("init").deepCopy());
            }
        }
        return out;
    }

    /** {@code base} with the keys of {@code removed} dropped, then {@code added}'s entries replacing or appending by key. */
    public static ArrayNode merge(JsonNode base, Collection<String> removed, JsonNode added) {
        Map<String, JsonNode> byKey = new LinkedHashMap<>();
        if (base != null) {
            base.forEach(e -> byKey.put(e.path("key").asText(), e));
        }
        removed.forEach(byKey::remove);
        if (added != null) {
            added.forEach(e -> byKey.put(e.path("key").asText(), e));
        }
        ArrayNode out = JsonNodeFactory.instance.arrayNode();
        byKey.values().forEach(e -> out.add(e.deepCopy()));
        return out;
    }

    /** Sets one entry, replacing an entry with the same key. */
    public static ArrayNode with(ArrayNode entries, String key, JsonNode value) {
        ObjectNode e = JsonNodeFactory.instance.objectNode();
        e.put("key", key);
        e.set("value", value);
        return merge(entries, java.util.List.of(), JsonNodeFactory.instance.arrayNode().add(e));
    }

    /** Whether an entry has this key. */
    public static boolean has(JsonNode entries, String key) {
        for (JsonNode e : entries) {
            if (key.equals(e.path("key").asText())) {
                return true;
            }
        }
        return false;
    }

    /** The entries as a JSON object (later keys win): parameters as an action's arguments. */
    public static ObjectNode toObject(JsonNode entries) {
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        if (entries != null) {
            entries.forEach(e -> o.set(e.path("key").asText(), e.path("value").deepCopy()));
        }
        return o;
    }
}
