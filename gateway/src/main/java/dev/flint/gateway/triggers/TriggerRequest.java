package dev.flint.gateway.triggers;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import dev.flint.gateway.actions.EntityNames;
import dev.flint.gateway.actions.KeyValues;
import dev.flint.gateway.api.ApiException;
import dev.flint.gateway.feeds.KafkaFeed;

/**
 * The body of a trigger PUT ({@code parameters}, {@code annotations}, {@code limits},
 * {@code version}, {@code publish}), each field validated; absent fields are null (an update keeps
 * them). A trigger has no limits in OpenWhisk ({@code limits} must be an object and is answered
 * as {@code {}}). An annotation {@code feed} must name an entity, as OpenWhisk checks it: feeds
 * (issue #9) are configured through the trigger's annotations and parameters: with {@code feed}
 * = {@code kafka}, the request's parameters are checked as {@link KafkaFeed} reads them (400 naming
 * {@code parameters.<field>}).
 */
public record TriggerRequest(ArrayNode parameters, ArrayNode annotations, String version, Boolean publish) {
    /** The annotation that names a trigger's feed. */
    public static final String FEED = "feed";

    public static TriggerRequest parse(JsonNode body) {
        EntityFields.requireObject(body, "trigger's parameters and annotations");
        ArrayNode parameters = KeyValues.parse("parameters", body.get("parameters"));
        ArrayNode annotations = KeyValues.parse("annotations", body.get("annotations"));
        JsonNode limits = body.get("limits");
        if (limits != null && !limits.isNull() && !limits.isObject()) {
            throw ApiException.badField("limits", "must be an object (triggers have no limits: {})");
        }
        if (annotations != null) {
            for (JsonNode a : annotations) {
                if (FEED.equals(a.path("key").asText()) && !validFeed(a.path("value"))) {
                    throw ApiException.badField("annotations.feed", "Feed name is not valid: " + a.path("value")
                            + " (a name such as /whisk.system/kafka/feed)");
                }
            }
            if (KafkaFeed.declaredBy(annotations)) {
                KafkaFeed.validate(parameters); // a request that sets the kafka feed carries its parameters
            }
        }
        return new TriggerRequest(parameters, annotations, EntityFields.version(body), EntityFields.publish(body));
    }

    /** OpenWhisk's check of a feed name: an entity path, {@code [/]ns/[pkg/]name} or {@code name}. */
    private static boolean validFeed(JsonNode value) {
        if (!value.isTextual()) {
            return false;
        }
        String path = value.asText().startsWith("/") ? value.asText().substring(1) : value.asText();
        String[] parts = path.split("/", -1);
        if (parts.length > 3) {
            return false;
        }
        for (String p : parts) {
            if (!EntityNames.valid(p)) {
                return false;
            }
        }
        return true;
    }
}
