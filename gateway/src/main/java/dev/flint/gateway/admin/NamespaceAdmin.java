package dev.flint.gateway.admin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.flint.gateway.actions.EntityNames;
import dev.flint.gateway.api.ApiException;
import dev.flint.gateway.auth.Credentials;
import dev.flint.gateway.auth.Keys;
import dev.flint.gateway.auth.Namespaces;
import dev.flint.gateway.platform.Platform;
import dev.flint.gateway.state.StateStore;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.List;

/**
 * Namespaces and their keys, for the admin API: create, add a key, delete a key, list. Keys are
 * handed out once ({@code uuid:key}) and stored hashed ({@link Keys#hashed}); a deleted key stops
 * working at once, since every request checks the state. Writes are serialised (one lock), so two
 * admin calls cannot lose each other's keys. Thread-safe.
 */
@ApplicationScoped
public class NamespaceAdmin {
    private final Object lock = new Object();

    @Inject
    Platform platform;

    /** A new namespace with one new key: {@code {"namespace", "uuid", "key": "uuid:key"}}; 409 when it exists. */
    public ObjectNode create(String name) {
        requireName(name);
        synchronized (lock) {
            StateStore state = platform.state();
            if (state.get(Namespaces.PREFIX + name).isPresent()) {
                throw new ApiException(409, "resource already exists");
            }
            return issued(name, Namespaces.create(state, name));
        }
    }

    /** One more key for an existing namespace; 404 when there is none. */
    public ObjectNode addKey(String name) {
        requireName(name);
        synchronized (lock) {
            StateStore state = platform.state();
            ObjectNode doc = state.get(Namespaces.PREFIX + name).orElseThrow(ApiException::notFound).deepCopy();
            Credentials credentials = Keys.generate();
            keys(doc).add(Keys.hashed(credentials));
            state.put(Namespaces.PREFIX + name, doc);
            return issued(name, credentials);
        }
    }

    /** Removes the key with this uuid; 404 when the namespace or the key is not there. Answers what remains. */
    public ObjectNode deleteKey(String name, String uuid) {
        requireName(name);
        synchronized (lock) {
            StateStore state = platform.state();
            ObjectNode doc = state.get(Namespaces.PREFIX + name).orElseThrow(ApiException::notFound).deepCopy();
            ArrayNode keys = keys(doc);
            ArrayNode kept = JsonNodeFactory.instance.arrayNode();
            keys.forEach(k -> {
                if (!uuid.equals(k.path("uuid").asText())) {
                    kept.add(k);
                }
            });
            if (kept.size() == keys.size()) {
                throw ApiException.notFound();
            }
            doc.set("keys", kept);
            state.put(Namespaces.PREFIX + name, doc);
            return summary(doc);
        }
    }

    /** Every namespace: {@code [{"namespace", "keys": [uuid, ...], "created"}]}, by name. */
    public List<ObjectNode> list() {
        return platform.state().list(Namespaces.PREFIX).stream().map(NamespaceAdmin::summary).toList();
    }

    private static ObjectNode summary(JsonNode doc) {
        ObjectNode s = JsonNodeFactory.instance.objectNode();
        s.put("namespace", doc.path("name").asText());
        ArrayNode uuids = s.putArray("keys");
        doc.path("keys").forEach(k -> uuids.add(k.path("uuid").asText()));
        if (doc.has("created")) {
            s.set("created", doc.get("created"));
        }
        return s;
    }

    private static ArrayNode keys(ObjectNode doc) {
        return doc.get("keys") instanceof ArrayNode a ? a : doc.putArray("keys");
    }

    private static ObjectNode issued(String name, Credentials credentials) {
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        o.put("namespace", name);
        o.put("uuid", credentials.uuid());
        o.put("key", credentials.toString());
        return o;
    }

    private static void requireName(String name) {
        EntityNames.require("namespace", name);
        if (name.equals("_")) {
            throw ApiException.badField("namespace", "'_' stands for the caller's namespace in URLs and cannot be a name");
        }
    }
}
