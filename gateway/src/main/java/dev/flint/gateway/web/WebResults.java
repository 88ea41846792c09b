package dev.flint.gateway.web;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;

/**
 * A web action's result as the HTTP answer its extension asks for (OpenWhisk's transcoders in
 * {@code WebActions.scala}). Pure functions.
 *
 * <ul>
 * <li>{@code .http}: the result is {@code {statusCode?, headers?, body?}}. A string body is sent as is
 * with the function's Content-Type (default {@code text/html}), decoded from base64 first when that
 * type is binary; a JSON body is serialised (the type, default {@code application/json}, must be
 * JSON); an empty or missing body answers 204 unless a status is given. Status defaults to 200.</li>
 * <li>{@code .json}: the result (an object or array) as JSON.</li>
 * <li>{@code .text}, {@code .html}, {@code .svg}: the result's {@code body}, else its {@code text},
 * {@code html} or {@code svg} field.</li>
 * </ul>
 *
 * A result that does not fit is a 400 naming the expected type, as OpenWhisk's.
 */
public final class WebResults {
    static final String PROPERTY_NOT_FOUND = "Response does not include requested property.";
    static final String CONTENT_TYPE_ERROR = "Response did not specify a valid Content-Type.";
    static final String UNKNOWN_CONTENT_TYPE = "Response did not specify a known Content-Type.";

    private WebResults() {
    }

    /** The answer for a result (already projected for the non-HTTP extensions). */
    public static WebReply answer(WebExtension extension, JsonNode result) {
        return switch (extension) {
            case HTTP -> http(result);
            case JSON -> result.isObject() || result.isArray() ? ok("application/json", result.toString()) : invalid("application/json");
            case TEXT -> text(result);
            case HTML -> markup(result, "html", "text/html; charset=UTF-8", "text/html");
            case SVG -> markup(result, "svg", "image/svg+xml", "image/svg+xml");
        };
    }

    /** The field at {@code path} ({@code /a/b}: segments) of a result; null when it is missing. */
    public static JsonNode project(JsonNode result, String path) {
        JsonNode at = result;
        for (String segment : path.split("/")) {
            if (segment.isEmpty()) {
                continue;
            }
            at = at.isObject() ? at.get(segment) : null;
            if (at == null) {
                return null;
            }
        }
        return at;
    }

    private static WebReply text(JsonNode result) {
        JsonNode t = result.isObject() ? (result.has("body") ? result.get("body") : result.get("text")) : result;
        if (t == null) {
            return WebReply.error(404, PROPERTY_NOT_FOUND);
        }
        String s = t.isTextual() ? t.asText() : t.isContainerNode() ? t.toPrettyString() : t.toString();
        return ok("text/plain; charset=UTF-8", s);
    }

    private static WebReply markup(JsonNode result, String field, String contentType, String name) {
        JsonNode m = result.isObject() ? (result.has("body") ? result.get("body") : result.get(field)) : result;
        return m != null && m.isTextual() ? ok(contentType, m.asText()) : invalid(name);
    }

    private static WebReply http(JsonNode result) {
        if (!result.isObject()) {
            return invalid("message/http");
        }
        List<Map.Entry<String, String>> headers = new ArrayList<>();
        JsonNode given = result.get("headers");
        if (given != null && !given.isNull()) {
            if (!given.isObject()) {
                return invalid("message/http");
            }
            for (Map.Entry<String, JsonNode> h : (Iterable<Map.Entry<String, JsonNode>>) given::fields) {
                if (!header(h.getKey(), h.getValue(), headers)) {
                    return invalid("message/http");
                }
            }
        }
        Integer status = status(result.get("statusCode"));
        if (status == null) {
            return invalid("message/http");
        }
        String contentType = null;
        for (Map.Entry<String, String> h : headers) {
            if (h.getKey().equalsIgnoreCase("content-type")) {
                contentType = h.getValue();
            }
        }
        headers.removeIf(h -> h.getKey().equalsIgnoreCase("content-type") || h.getKey().equalsIgnoreCase("content-length")
                || h.getKey().equalsIgnoreCase("transfer-encoding"));
        JsonNode body = result.get("body");
        int code = status;
        if (body == null || body.isNull() || (body.isTextual() && body.asText().isEmpty())) {
            return new WebReply(code == 0 ? 204 : code, headers, null, null);
        }
        code = code == 0 ? 200 : code;
        if (contentType != null && !MediaTypes.valid(contentType)) {
            return WebReply.error(400, UNKNOWN_CONTENT_TYPE);
        }
        if (body.isTextual()) {
            String type = contentType == null ? "text/html" : contentType;
            byte[] bytes;
            if (MediaTypes.isBinary(type)) {
                try {
                    bytes = Base64.getMimeDecoder().decode(body.asText());
                } catch (IllegalArgumentException e) {
                    return WebReply.error(400, CONTENT_TYPE_ERROR);
                }
            } else {
                bytes = body.asText().getBytes(StandardCharsets.UTF_8);
                type = withCharset(type);
            }
            return new WebReply(code, headers, type, bytes);
        }
        String type = contentType == null ? "application/json" : contentType;
        if (!MediaTypes.isJson(type)) {
            return WebReply.error(400, CONTENT_TYPE_ERROR);
        }
        return new WebReply(code, headers, MediaTypes.essence(type).equals("application/json") ? "application/json" : withCharset(type),
                (MediaTypes.essence(type).equals("application/json") ? body.toString() : body.toPrettyString())
                        .getBytes(StandardCharsets.UTF_8));
    }

    /** The status: absent is 0 (the default for the body), a whole number or numeric string 100..599; null when invalid. */
    private static Integer status(JsonNode code) {
        if (code == null || code.isNull()) {
            return 0;
        }
        int c;
        if (code.isIntegralNumber() && code.canConvertToInt()) {
            c = code.asInt();
        } else if (code.isTextual()) {
            try {
                c = Integer.parseInt(code.asText().trim());
            } catch (NumberFormatException e) {
                return null;
            }
        } else {
            return null;
        }
        return c >= 100 && c <= 599 ? c : null;
    }

    private static boolean header(String name, JsonNode value, List<Map.Entry<String, String>> out) {
        if (value.isTextual() || value.isBoolean() || value.isNumber()) {
            out.add(Map.entry(name, value.asText()));
            return true;
        }
        if (value.isArray()) {
            for (JsonNode v : value) {
                if (!header(name, v, out)) {
                    return false;
                }
            }
            return true;
        }
        return false;
    }

    private static String withCharset(String type) {
        return type.toLowerCase(java.util.Locale.ROOT).contains("charset=") ? type : type + "; charset=UTF-8";
    }

    private static WebReply ok(String contentType, String body) {
        return new WebReply(200, List.of(), contentType, body.getBytes(StandardCharsets.UTF_8));
    }

    private static WebReply invalid(String mediaType) {
        return WebReply.error(400, "Response is not valid '" + mediaType + "'.");
    }
}
