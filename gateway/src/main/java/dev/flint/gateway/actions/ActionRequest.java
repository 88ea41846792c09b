package dev.flint.gateway.actions;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import dev.flint.gateway.GatewayConfig;
import dev.flint.gateway.api.ApiException;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The body of an action PUT ({@code exec}, {@code parameters}, {@code limits}, {@code version},
 * {@code publish}, {@code annotations}, {@code delAnnotations}), each field validated; a field that
 * is absent is null (an update keeps what it does not mention). Other fields ({@code name},
 * {@code namespace}, {@code updated} of a document sent back) are ignored.
 */
public record ActionRequest(ExecSpec exec, ArrayNode parameters, JsonNode limits, String version, Boolean publish,
                            ArrayNode annotations, List<String> delAnnotations) {
    private static final Pattern SEMVER = Pattern.compile("(0|[1-9][0-9]{0,8})\\.(0|[1-9][0-9]{0,8})\\.(0|[1-9][0-9]{0,8})");

    public static ActionRequest parse(JsonNode body, GatewayConfig.Limits bounds) {
        if (!body.isObject()) {
            throw ApiException.badField("body", "must be a JSON object with the action's exec, parameters, limits, annotations");
        }
        ExecSpec exec = body.hasNonNull("exec") ? ExecSpec.parse(body.get("exec"), bounds.codeMax()) : null;
        ArrayNode parameters = KeyValues.parse("parameters", body.get("parameters"));
        ArrayNode annotations = KeyValues.parse("annotations", body.get("annotations"));
        JsonNode limits = body.get("limits");
        if (limits != null && !limits.isNull() && !limits.isObject()) {
            throw ApiException.badField("limits", "must be an object such as {\"timeout\": 60000, \"memory\": 256}");
        }
        String version = null;
        JsonNode v = body.get("version");
        if (v != null && !v.isNull()) {
            if (!v.isTextual() || !SEMVER.matcher(v.asText()).matches()) {
                throw ApiException.badField("version", "must be a semantic version such as \"0.0.1\", got " + v);
            }
            version = v.asText();
        }
        Boolean publish = null;
        JsonNode p = body.get("publish");
        if (p != null && !p.isNull()) {
            if (!p.isBoolean()) {
                throw ApiException.badField("publish", "must be true or false");
            }
            publish = p.asBoolean();
        }
        List<String> del = new ArrayList<>();
        JsonNode d = body.get("delAnnotations");
        if (d != null && !d.isNull()) {
            if (!d.isArray()) {
                throw ApiException.badField("delAnnotations", "must be an array of annotation keys");
            }
            for (int i = 0; i < d.size(); i++) {
                if (!d.get(i).isTextual()) {
                    throw ApiException.badField("delAnnotations[" + i + "]", "must be a string");
                }
                del.add(d.get(i).asText());
            }
        }
        return new ActionRequest(exec, parameters, limits, version, publish, annotations, List.copyOf(del));
    }

    /** The next version after {@code version}: its patch number plus one. */
    public static String bump(String version) {
        String[] parts = version.split("\\.");
        if (parts.length != 3) {
            return "0.0.1";
        }
        try {
            return parts[0] + "." + parts[1] + "." + (Long.parseLong(parts[2]) + 1);
        } catch (NumberFormatException e) {
            return "0.0.1";
        }
    }
}
