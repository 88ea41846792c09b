package dev.flint.gateway.triggers;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import dev.flint.gateway.actions.KeyValues;

/**
 * The body of a rule PUT: {@code trigger} and {@code action} (names such as {@code "/_/t"},
 * resolved against the caller's namespace), {@code version}, {@code publish}, {@code annotations};
 * absent fields are null (an update keeps them).
 */
public record RuleRequest(EntityRef trigger, EntityRef action, String version, Boolean publish, ArrayNode annotations) {

    public static RuleRequest parse(JsonNode body, String callerNamespace) {
        EntityFields.requireObject(body, "rule's trigger and action, such as {\"trigger\": \"/_/t\", \"action\": \"/_/a\"}");
        EntityRef trigger = present(body, "trigger") ? EntityRef.parse("trigger", body.get("trigger"), callerNamespace) : null;
        EntityRef action = present(body, "action") ? EntityRef.parse("action", body.get("action"), callerNamespace) : null;
        return new RuleRequest(trigger, action, EntityFields.version(body), EntityFields.publish(body),
                KeyValues.parse("annotations", body.get("annotations")));
    }

    private static boolean present(JsonNode body, String field) {
        return body.has(field) && !body.get(field).isNull();
    }
}
