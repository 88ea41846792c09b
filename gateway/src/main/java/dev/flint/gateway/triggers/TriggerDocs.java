package dev.flint.gateway.triggers;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Trigger documents in the state, {@code triggers/<ns>/<name>}: OpenWhisk's trigger JSON
 * ({@code namespace, name, version, publish, parameters, limits: {}, annotations, updated} and,
 * once a rule was linked, {@code rules: {"ns/rule": {action: {path, name}, status}}}). The rules
 * map is the only place a rule's status lives, as in OpenWhisk.
 */
public final class TriggerDocs {
    public static final String PREFIX = "triggers/";

    private TriggerDocs() {
    }

    public static String key(String namespace, String name) {
        return PREFIX + namespace + "/" + name;
    }

    public static String key(EntityRef trigger) {
        return key(trigger.namespace(), trigger.name());
    }

    public static String prefix(String namespace) {
        return PREFIX + namespace + "/";
    }

    /** A list entry: no parameters, limits or rules (OpenWhisk's {@code triggers} view). */
    public static ObjectNode summary(ObjectNode doc) {
        ObjectNode s = doc.objectNode();
        s.put("namespace", doc.path("namespace").asText());
        s.put("name", doc.path("name").asText());
        s.put("version", doc.path("version").asText());
        s.put("publish", doc.path("publish").asBoolean(false));
        s.set("annotations", doc.path("annotations").deepCopy());
        s.put("updated", doc.path("updated").asLong());
        return s;
    }

    /** One link of the trigger's rules map. */
    public record Link(EntityRef rule, EntityRef action, RuleStatus status) {
    }

    /** The trigger's links, in the order they were made. */
    public static Map<String, Link> links(JsonNode doc) {
        Map<String, Link> links = new LinkedHashMap<>();
        doc.path("rules").fields().forEachRemaining(e -> {
            String[] rule = e.getKey().split("/", 2);
            links.put(e.getKey(), new Link(new EntityRef(rule[0], rule.length > 1 ? rule[1] : ""),
                    EntityRef.of(e.getValue().path("action")), RuleStatus.of(e.getValue().path("status"))));
        });
        return links;
    }

    /** The status of {@code rule} on this trigger: inactive when the trigger has no link to it (or is null). */
    public static RuleStatus statusOf(JsonNode doc, EntityRef rule) {
        if (doc == null) {
            return RuleStatus.INACTIVE;
        }
        Link link = links(doc).get(rule.asString());
        return link == null ? RuleStatus.INACTIVE : link.status();
    }
}
