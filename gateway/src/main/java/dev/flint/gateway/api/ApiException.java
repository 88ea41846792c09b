package dev.flint.gateway.api;

import java.util.Map;

/**
 * An HTTP error answer of the REST API: its status and OpenWhisk's error text, which names the
 * offending field for a 4xx. Turned into {@code {"error": ..., "code": ...}} by {@link ErrorMappers}.
 */
public final class ApiException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** OpenWhisk's 404 text. */
    public static final String NOT_FOUND = "The requested resource does not exist.";

    private final int status;
    private final transient Map<String, String> headers;

    public ApiException(int status, String message) {
        this(status, message, Map.of());
    }

    public ApiException(int status, String message, Map<String, String> headers) {
        super(message, null, false, false);
        this.status = status;
        this.headers = Map.copyOf(headers);
    }

    public int status() {
        return status;
    }

    /** Extra response headers, such as {@code WWW-Authenticate}. */
    public Map<String, String> headers() {
        return headers;
    }

    /** 400 naming the field: {@code "<field>: <what is wrong>"}. */
    public static ApiException badField(String field, String problem) {
        return new ApiException(400, field + ": " + problem);
    }

    public static ApiException notFound() {
        return new ApiException(404, NOT_FOUND);
    }
}
