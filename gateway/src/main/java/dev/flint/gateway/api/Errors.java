package dev.flint.gateway.api;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.security.SecureRandom;
import java.util.Map;

/** OpenWhisk's error bodies: {@code {"error": "<text>", "code": "<transaction id>"}}. */
public final class Errors {
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final char[] ALPHANUMERIC = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789".toCharArray();

    private Errors() {
    }

    /** A fresh transaction id: 32 letters and digits, as OpenWhisk's. */
    public static String transactionId() {
        char[] id = new char[32];
        for (int i = 0; i < id.length; i++) {
            id[i] = ALPHANUMERIC[RANDOM.nextInt(ALPHANUMERIC.length)];
        }
        return new String(id);
    }

    public static ObjectNode body(String message) {
        ObjectNode body = JsonNodeFactory.instance.objectNode();
        body.put("error", message);
        body.put("code", transactionId());
        return body;
    }

    public static String bodyText(String message) {
        return body(message).toString();
    }

    public static Response response(int status, String message) {
        return response(status, message, Map.of());
    }

    public static Response response(int status, String message, Map<String, String> headers) {
        Response.ResponseBuilder r = Response.status(status).type(MediaType.APPLICATION_JSON_TYPE).entity(body(message));
        headers.forEach(r::header);
        return r.build();
    }

    /** OpenWhisk's text for a status without a more specific message. */
    public static String textFor(int status) {
        return switch (status) {
            case 400 -> "The request content was malformed.";
            case 401 -> "The supplied authentication is invalid.";
            case 403 -> "The supplied authentication is not authorized to access this resource.";
            case 404 -> ApiException.NOT_FOUND;
            case 405 -> "The requested method is not allowed for this resource.";
            case 406 -> "The requested resource is only capable of generating application/json content.";
            case 413 -> "The request content is larger than the server accepts.";
            case 415 -> "The request's Content-Type is not supported: send application/json.";
            case 429 -> "Too many requests: retry later.";
            case 503 -> "The server is not ready yet: retry in a moment.";
            default -> "The server could not answer the request.";
        };
    }
}
