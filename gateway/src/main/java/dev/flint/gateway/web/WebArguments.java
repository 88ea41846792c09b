package dev.flint.gateway.web;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.flint.gateway.api.ApiException;
import dev.flint.gateway.api.Params;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * A web action's arguments from its HTTP request (OpenWhisk's {@code WebActions.scala},
 * {@code Context.toActionArgument}); the action's own parameters go under them later, in the
 * invoke. Pure functions.
 *
 * <ul>
 * <li>Always {@code __ow_method} (lower case), {@code __ow_headers} (lower-case names), {@code __ow_path};
 * {@code __ow_user} when the caller authenticated.</li>
 * <li>Otherwise: the query parameters (strings), then the body: a JSON object's fields (they win over
 * the query), a form's fields, any other JSON value or a text body as {@code __ow_body}, a binary body
 * as base64 in {@code __ow_body}. A query or body parameter that names a reserved {@code __ow_*}
 * property, or a parameter of an action annotated {@code final: true}, is a 400.</li>
 * <li>{@code raw-http: true}: {@code __ow_query} (the query string as sent) and {@code __ow_body}: the
 * body as text, or base64 when binary or {@code application/json} (OpenWhisk's legacy rule); no check.</li>
 * </ul>
 */
public final class WebArguments {
    static final Set<String> RESERVED = Set.of("__ow_method", "__ow_headers", "__ow_path", "__ow_user", "__ow_query", "__ow_body");
    static final String NOT_ALLOWED = "Request defines parameters that are not allowed (e.g., reserved properties).";

    private WebArguments() {
    }

    /**
     * The arguments of one request.
     *
     * @param finalParameters names the request may not set (the action's defined parameters when it is
     *        annotated {@code final: true}, else none)
     * @param user the authenticated caller's namespace, or null
     */
    public static ObjectNode of(WebRequest request, boolean rawHttp, Set<String> finalParameters, String user) {
        ObjectNode args = JsonNodeFactory.instance.objectNode();
        args.put("__ow_method", request.method().toLowerCase(java.util.Locale.ROOT));
        ObjectNode headers = args.putObject("__ow_headers");
        request.headers().forEach(headers::put);
        args.put("__ow_path", request.path());
        if (user != null) {
            args.put("__ow_user", user);
        }
        if (rawHttp) {
            args.put("__ow_query", request.rawQuery());
            args.put("__ow_body", rawBody(request));
            return args;
        }
        ObjectNode given = JsonNodeFactory.instance.objectNode();
        request.query().forEach(given::put);
        JsonNode body = body(request);
        if (body != null && body.isObject()) {
            given.setAll((ObjectNode) body);
        } else if (body != null) {
            args.set("__ow_body", body);
        }
        given.fieldNames().forEachRemaining(name -> {
            if (RESERVED.contains(name) || finalParameters.contains(name)) {
                throw new ApiException(400, NOT_ALLOWED);
            }
        });
        args.setAll(given);
        return args;
    }

    /** The body as OpenWhisk passes it to a non-raw action; null when there is none. */
    private static JsonNode body(WebRequest request) {
        byte[] bytes = request.body();
        String type = request.contentType();
        if (MediaTypes.isJson(type)) {
            String text = new String(bytes, StandardCharsets.UTF_8);
            return text.isBlank() ? null : Params.json(bytes);
        }
        if (bytes.length == 0) {
            return null;
        }
        if (MediaTypes.isForm(type)) {
            ObjectNode form = JsonNodeFactory.instance.objectNode();
            form(new String(bytes, StandardCharsets.UTF_8)).forEach(form::put);
            return form;
        }
        return JsonNodeFactory.instance.textNode(MediaTypes.isBinary(type)
                ? Base64.getEncoder().encodeToString(bytes) : new String(bytes, StandardCharsets.UTF_8));
    }

    private static String rawBody(WebRequest request) {
        String type = request.contentType();
        boolean base64 = request.body().length > 0 && (MediaTypes.isBinary(type) || MediaTypes.essence(type).equals("application/json"));
        return base64 ? Base64.getEncoder().encodeToString(request.body()) : new String(request.body(), StandardCharsets.UTF_8);
    }

    /** {@code a=1&b=x%20y} decoded; the last of a repeated name wins; a name without {@code =} has the value "". */
    public static Map<String, String> form(String encoded) {
        Map<String, String> out = new LinkedHashMap<>();
        if (encoded == null || encoded.isEmpty()) {
            return out;
        }
        for (String pair : encoded.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            String name = eq < 0 ? pair : pair.substring(0, eq);
            String value = eq < 0 ? "" : pair.substring(eq + 1);
            try {
                out.put(URLDecoder.decode(name, StandardCharsets.UTF_8), URLDecoder.decode(value, StandardCharsets.UTF_8));
            } catch (IllegalArgumentException e) {
                throw ApiException.badField("body", "malformed form data: " + e.getMessage());
            }
        }
        return out;
    }
}
