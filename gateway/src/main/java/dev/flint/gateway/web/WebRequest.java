package dev.flint.gateway.web;

import java.util.Map;

/**
 * An HTTP request to a web action, as the boundary read it. Immutable (the body array is not
 * copied: callers must not change it).
 *
 * @param method the HTTP method, upper case
 * @param headers every request header, names in lower case, repeated headers joined with {@code ", "}
 * @param path what follows the action's name in the URL ({@code /a/b}, or empty)
 * @param rawQuery the query string as sent, without {@code ?} (empty when none)
 * @param query the decoded query parameters (the last of a repeated name wins)
 * @param contentType the request's Content-Type, or null
 * @param body the request body (empty when none)
 */
public record WebRequest(String method, Map<String, String> headers, String path, String rawQuery, Map<String, String> query,
        String contentType, byte[] body) {

    public WebRequest {
        headers = Map.copyOf(headers);
        query = Map.copyOf(query);
        body = body == null ? new byte[0] : body;
        rawQuery = rawQuery == null ? "" : rawQuery;
        path = path == null ? "" : path;
    }

    public String header(String lowerCaseName) {
        return headers.get(lowerCaseName);
    }
}
