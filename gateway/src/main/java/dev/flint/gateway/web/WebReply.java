package dev.flint.gateway.web;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.flint.gateway.api.Errors;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a web action's URL answers. Immutable.
 *
 * @param status the HTTP status
 * @param headers extra headers (the function's, CORS, the activation id), in order; never Content-Type
 * @param contentType the Content-Type, or null for an empty body
 * @param body the body bytes (empty for none)
 */
public record WebReply(int status, List<Map.Entry<String, String>> headers, String contentType, byte[] body) {

    public WebReply {
        headers = List.copyOf(headers);
        body = body == null ? new byte[0] : body;
    }

    /** OpenWhisk's error body {@code {"error": <value>, "code": <transaction id>}} as JSON. */
    public static WebReply error(int status, JsonNode error) {
        ObjectNode body = JsonNodeFactory.instance.objectNode();
        body.set("error", error);
        body.put("code", Errors.transactionId());
        return new WebReply(status, List.of(), "application/json", body.toString().getBytes(StandardCharsets.UTF_8));
    }

    public static WebReply error(int status, String message) {
        return error(status, JsonNodeFactory.instance.textNode(message));
    }

    /** This reply with more headers after its own. */
    public WebReply withHeaders(List<Map.Entry<String, String>> more) {
        List<Map.Entry<String, String>> all = new ArrayList<>(headers);
        all.addAll(more);
        return new WebReply(status, all, contentType, body);
    }

    /** The headers by name, for tests and logs. */
    public Map<String, List<String>> headerMap() {
        Map<String, List<String>> m = new LinkedHashMap<>();
        headers.forEach(e -> m.computeIfAbsent(e.getKey(), k -> new ArrayList<>()).add(e.getValue()));
        return m;
    }
}
