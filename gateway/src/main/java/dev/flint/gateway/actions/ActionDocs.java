package dev.flint.gateway.actions;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Action documents in the state, {@code actions/<ns>/<name>}: OpenWhisk's action JSON
 * ({@code namespace, name, version, publish, exec, parameters, limits, annotations, updated}) plus
 * the {@link Deployment} under {@code flint}. The views here are what clients see.
 */
public final class ActionDocs {
    public static final String PREFIX = "actions/";

    private ActionDocs() {
    }

    public static String key(String namespace, String name) {
        return PREFIX + namespace + "/" + name;
    }

    public static String prefix(String namespace) {
        return PREFIX + namespace + "/";
    }

    /** The action as OpenWhisk returns it, with or without its code. */
    public static ObjectNode view(ObjectNode doc, boolean withCode) {
        ObjectNode v = doc.deepCopy();
        v.remove(Deployment.FIELD);
        v.set("exec", ExecSpec.of(doc.get("exec")).toJson(withCode));
        return v;
    }

    /** A list entry: no parameters, and of exec only {@code binary}. */
    public static ObjectNode summary(ObjectNode doc) {
        ObjectNode s = doc.objectNode();
        s.put("namespace", doc.path("namespace").asText());
        s.put("name", doc.path("name").asText());
        s.put("version", doc.path("version").asText());
        s.put("publish", doc.path("publish").asBoolean(false));
        s.set("annotations", doc.path("annotations").deepCopy());
        s.set("limits", doc.path("limits").deepCopy());
        s.putObject("exec").put("binary", doc.path("exec").path("binary").asBoolean(false));
        s.put("updated", doc.path("updated").asLong());
        return s;
    }

    public static Deployment deployment(JsonNode doc) {
        return Deployment.of(doc.path(Deployment.FIELD));
    }
}
