package dev.flint.gateway.triggers;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.flint.gateway.actions.EntityNames;
import dev.flint.gateway.api.ApiException;

/**
 * A fully qualified entity name, OpenWhisk's {@code FullyQualifiedEntityName} without packages:
 * a namespace and a name. Immutable. Rules refer to their trigger and action by it; its JSON is
 * {@code {"path": ns, "name": name}}, its string form {@code ns/name}.
 *
 * @param namespace the namespace ({@code _} only before {@link #resolve})
 * @param name the entity's name
 */
public record EntityRef(String namespace, String name) {

    /**
     * A reference as a rule's body gives it: {@code "/ns/name"}, {@code "ns/name"}, a bare
     * {@code "name"} (the caller's namespace), or {@code {"path", "name"}}; {@code _} is the
     * caller's namespace. 400 naming {@code field} when it is none of these.
     */
    public static EntityRef parse(String field, JsonNode json, String callerNamespace) {
        if (json != null && json.isObject()) {
            return of(field, json.path("path").asText(""), json.path("name").asText(""), callerNamespace);
        }
        if (json == null || !json.isTextual()) {
            throw ApiException.badField(field, "must be a name such as \"/_/" + field + "Name\"");
        }
        String text = json.asText();
        String path = text.startsWith("/") ? text.substring(1) : text;
        String[] parts = path.split("/", -1);
        if (parts.length == 1 && !text.startsWith("/")) {
            return of(field, callerNamespace, parts[0], callerNamespace);
        }
        if (parts.length != 2) {
            throw ApiException.badField(field, "'" + text + "' is not a name of the form /namespace/name"
                    + (parts.length > 2 ? " (packages are not supported)" : ""));
        }
        return of(field, parts[0], parts[1], callerNamespace);
    }

    private static EntityRef of(String field, String namespace, String name, String callerNamespace) {
        if (!namespace.equals("_")) {
            EntityNames.require(field, namespace);
        }
        EntityNames.require(field, name);
        return new EntityRef(namespace, name).resolve(callerNamespace);
    }

    /** The reference with {@code _} replaced by the caller's namespace. */
    public EntityRef resolve(String callerNamespace) {
        return namespace.equals("_") ? new EntityRef(callerNamespace, name) : this;
    }

    /** Reads back what {@link #toJson} wrote. */
    public static EntityRef of(JsonNode json) {
        return new EntityRef(json.path("path").asText(), json.path("name").asText());
    }

    public ObjectNode toJson() {
        return JsonNodeFactory.instance.objectNode().put("path", namespace).put("name", name);
    }

    /** {@code ns/name}, as OpenWhisk keys a trigger's rules and writes the trigger activation's logs. */
    public String asString() {
        return namespace + "/" + name;
    }

    /** {@code /ns/name}, as OpenWhisk's messages name it. */
    public String withLeadingSlash() {
        return "/" + asString();
    }

    @Override
    public String toString() {
        return asString();
    }
}
