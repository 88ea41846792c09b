package dev.flint.gateway.auth;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.flint.gateway.state.StateStore;

/**
 * Namespace documents in the state: {@code namespaces/<name>} = {@code {"name", "keys": [hashed keys]}}
 * ({@link Keys#hashed}).
 */
public final class Namespaces {
    public static final String PREFIX = "namespaces/";

    private Namespaces() {
    }

    /** Whether any namespace exists. */
    public static boolean any(StateStore state) {
        return !state.list(PREFIX).isEmpty();
    }

    /** Creates (or replaces) a namespace with one key, stored hashed; returns the key to hand out. */
    public static Credentials create(StateStore state, String name) {
        Credentials credentials = Keys.generate();
        ObjectNode doc = JsonNodeFactory.instance.objectNode();
        doc.put("name", name);
        doc.putArray("keys").add(Keys.hashed(credentials));
        doc.put("created", System.currentTimeMillis());
        state.put(PREFIX + name, doc);
        return credentials;
    }
}
