package dev.flint.gateway.actions;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.flint.gateway.api.ApiException;
import dev.flint.invoker.InvokerException;
import dev.flint.invoker.Kind;
import java.util.regex.Pattern;

/**
 * An action's {@code exec}: its kind as the user named it (with {@code :default} resolved), the
 * parsed {@link Kind}, its code (text, or base64 of a zip when {@code binary}), OpenWhisk's
 * {@code main} and a blackbox's {@code image}. Immutable.
 */
public record ExecSpec(String kindName, Kind kind, String code, boolean binary, String main, String image) {
    /** OpenWhisk's test for base64 code ({@code Exec.scala}): such code is a zip, whatever the client said. */
    private static final Pattern BASE64 = Pattern.compile("^([A-Za-z0-9+/]{4})*([A-Za-z0-9+/]{3}=|[A-Za-z0-9+/]{2}==)?$");

    /** Parses a request's {@code exec}; 400 naming the field. */
    public static ExecSpec parse(JsonNode json, long codeMax) {
        if (!json.isObject()) {
            throw ApiException.badField("exec", "must be an object such as {\"kind\": \"python:3\", \"code\": \"...\"}");
        }
        JsonNode kindNode = json.get("kind");
        if (kindNode == null || !kindNode.isTextual()) {
            throw ApiException.badField("exec.kind", "missing; use python:3, shell or blackbox");
        }
        String kindName = kindNode.asText();
        if (kindName.equals("sequence")) {
            throw ApiException.badField("exec.kind", "sequences are not supported yet; use python:3, shell or blackbox");
        }
        Kind kind;
        try {
            kind = Kind.parse(kindName);
        } catch (InvokerException.Invalid e) {
            throw ApiException.badField("exec.kind", "the kind '" + kindName + "' is not supported; use python:3 (also python:3.11,"
                    + " python:default), shell or blackbox");
        }
        if (kind == Kind.SHELL || kindName.equals("python:default")) {
            kindName = kind.canonical();
        }
        String code = text(json, "code");
        String main = text(json, "main");
        String image = text(json, "image");
        if (main != null && !main.equals("main")) {
            throw ApiException.badField("exec.main", "'" + main + "' is not supported: Flint calls the function main");
        }
        if (kind == Kind.BLACKBOX) {
            if (image == null || image.isBlank()) {
                throw ApiException.badField("exec.image", "a blackbox action needs the image it runs, e.g. \"image\": \"team/fn:1\"");
            }
            if (code != null && !code.isEmpty()) {
                throw ApiException.badField("exec.code", "a blackbox action runs its image's command; code for it is not supported yet");
            }
            return new ExecSpec(kindName, kind, null, false, main, image);
        }
        if (image != null) {
            throw ApiException.badField("exec.image", "only a blackbox action has an image");
        }
        if (code == null || code.isEmpty()) {
            throw ApiException.badField("exec.code", "missing: a " + kindName + " action needs its code");
        }
        if (code.length() > codeMax) {
            throw new ApiException(413, "exec.code: " + code.length() + " bytes is more than the " + codeMax + " bytes allowed");
        }
        return new ExecSpec(kindName, kind, code, isBase64(code), main, null);
    }

    private static String text(JsonNode json, String field) {
        JsonNode v = json.get(field);
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isTextual()) {
            throw ApiException.badField("exec." + field, "must be a string");
        }
        return v.asText();
    }

    static boolean isBase64(String code) {
        String t = code.trim();
        return !t.isEmpty() && t.length() % 4 == 0 && BASE64.matcher(t).matches();
    }

    /** Reads an exec this class wrote. */
    public static ExecSpec of(JsonNode json) {
        String kindName = json.path("kind").asText();
        return new ExecSpec(kindName, Kind.parse(kindName), json.hasNonNull("code") ? json.get("code").asText() : null,
                json.path("binary").asBoolean(false), json.hasNonNull("main") ? json.get("main").asText() : null,
                json.hasNonNull("image") ? json.get("image").asText() : null);
    }

    /** OpenWhisk's exec JSON; without the code when {@code withCode} is false. */
    public ObjectNode toJson(boolean withCode) {
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        o.put("kind", kindName);
        if (withCode && code != null) {
            o.put("code", code);
        }
        if (image != null) {
            o.put("image", image);
        }
        if (main != null) {
            o.put("main", main);
        }
        o.put("binary", binary);
        return o;
    }
}
