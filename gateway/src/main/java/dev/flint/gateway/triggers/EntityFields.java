package dev.flint.gateway.triggers;

import com.fasterxml.jackson.databind.JsonNode;
import dev.flint.gateway.api.ApiException;
import java.util.regex.Pattern;

/** The PUT fields triggers and rules share with actions: {@code version} and {@code publish}, each validated. */
final class EntityFields {
    private static final Pattern SEMVER = Pattern.compile("(0|[1-9][0-9]{0,8})\\.(0|[1-9][0-9]{0,8})\\.(0|[1-9][0-9]{0,8})");

    private EntityFields() {
    }

    /** The body must be an object; 400 naming it otherwise. */
    static void requireObject(JsonNode body, String what) {
        if (!body.isObject()) {
            throw ApiException.badField("body", "must be a JSON object with the " + what);
        }
    }

    /** A semantic version such as {@code 0.0.1}, or null when absent. */
    static String version(JsonNode body) {
        JsonNode v = body.get("version");
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isTextual() || !SEMVER.matcher(v.asText()).matches()) {
            throw ApiException.badField("version", "must be a semantic version such as \"0.0.1\", got " + v);
        }
        return v.asText();
    }

    /** {@code true}/{@code false}, or null when absent. */
    static Boolean publish(JsonNode body) {
        JsonNode p = body.get("publish");
        if (p == null || p.isNull()) {
            return null;
        }
        if (!p.isBoolean()) {
            throw ApiException.badField("publish", "must be true or false");
        }
        return p.asBoolean();
    }
}
