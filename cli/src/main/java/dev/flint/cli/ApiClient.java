package dev.flint.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.flint.common.FlintException;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.StringJoiner;

/**
 * The CLI's side of the server's OpenWhisk-compatible REST API (docs/gateway.md): one request,
 * Basic auth, JSON in and out. A 4xx/5xx becomes an {@link ApiException} with the server's error
 * text, except where the caller wants the body of an error status (a failed blocking invoke's 502
 * still carries the activation).
 */
final class ApiClient {
    static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration CONNECT = Duration.ofSeconds(5);

    private final String base;
    private final String authorization;
    private final String namespace;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(CONNECT).build();

    /** An error the server answered, or a server that could not be reached. */
    static final class ApiException extends FlintException {
        private final int status;

        ApiException(String message, String hint) {
            this(0, message, hint);
        }

        ApiException(int status, String message, String hint) {
            super(message, hint, null);
            this.status = status;
        }

        int status() {
            return status;
        }
    }

    /** A reply: its status and JSON body (null when it had none). */
    record Reply(int status, JsonNode body) {}

    ApiClient(String apihost, String key, String namespace) {
        String host = apihost.endsWith("/") ? apihost.substring(0, apihost.length() - 1) : apihost;
        this.base = host + "/api/v1/namespaces/" + encode(namespace);
        this.authorization = "Basic " + Base64.getEncoder().encodeToString(key.getBytes(StandardCharsets.UTF_8));
        this.namespace = namespace;
    }

    String namespace() {
        return namespace;
    }

    /** {@code GET .../namespaces/NS/PATH?query}. */
    JsonNode get(String path, Map<String, String> query) {
        return ok(send("GET", path, query, null));
    }

    JsonNode put(String path, Map<String, String> query, JsonNode body) {
        return ok(send("PUT", path, query, body));
    }

    JsonNode delete(String path) {
        return ok(send("DELETE", path, Map.of(), null));
    }

    /** A POST whose error replies are returned, not thrown (the caller reads their body). */
    Reply post(String path, Map<String, String> query, JsonNode body) {
        return send("POST", path, query, body);
    }

    /** {@code GET /api/v1/namespaces}: the namespaces the key may use. */
    JsonNode namespaces() {
        String root = base.substring(0, base.lastIndexOf('/'));
        return ok(request("GET", URI.create(root), null));
    }

    static Map<String, String> query(String... pairs) {
        Map<String, String> q = new LinkedHashMap<>();
        for (int i = 0; i + 1 < pairs.length; i += 2) {
            if (pairs[i + 1] != null) {
                q.put(pairs[i], pairs[i + 1]);
            }
        }
        return q;
    }

    private Reply send(String method, String path, Map<String, String> query, JsonNode body) {
        StringJoiner q = new StringJoiner("&", "?", "");
        query.forEach((k, v) -> q.add(encode(k) + "=" + encode(v)));
        return request(method, URI.create(base + "/" + path + q), body);
    }

    private Reply request(String method, URI uri, JsonNode body) {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri)
                .header("Authorization", authorization)
                .header("Accept", "application/json")
                .timeout(Duration.ofMinutes(10));
        try {
            if (body != null) {
                b.header("Content-Type", "application/json");
                b.method(method, HttpRequest.BodyPublishers.ofByteArray(JSON.writeValueAsBytes(body)));
            } else {
                b.method(method, HttpRequest.BodyPublishers.noBody());
            }
            HttpResponse<byte[]> r = http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
            JsonNode json = r.body().length == 0 ? null : parse(r.body());
            return new Reply(r.statusCode(), json);
        } catch (ConnectException e) {
            throw new ApiException("cannot reach the server at " + uri.getScheme() + "://" + uri.getAuthority(),
                    "start it with ./flint server, or pass --apihost URL");
        } catch (IOException e) {
            throw new ApiException(method + " " + uri + " failed: " + e, "check the server's log");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ApiException("interrupted", "");
        }
    }

    private static JsonNode parse(byte[] body) {
        try {
            return JSON.readTree(body);
        } catch (IOException e) {
            return JSON.getNodeFactory().textNode(new String(body, StandardCharsets.UTF_8));
        }
    }

    private static JsonNode ok(Reply r) {
        if (r.status() < 400) {
            return r.body();
        }
        throw error(r);
    }

    static ApiException error(Reply r) {
        String text = r.body() != null && r.body().path("error").isTextual() ? r.body().get("error").asText()
                : r.body() != null ? r.body().toString() : "no body";
        String hint = switch (r.status()) {
            case 401 -> "the key was refused: check --auth / FLINT_AUTH";
            case 403 -> "the key's namespace may not use this one";
            case 404 -> "check the name (flint action|trigger|rule list)";
            case 409 -> "it exists: use update, or delete it first";
            case 429 -> "the function is at its concurrency limit: retry later";
            default -> "";
        };
        return new ApiException(r.status(), "the server answered " + r.status() + ": " + text, hint);
    }

    /** {@code collection/name}, each segment of the name encoded on its own (pkg/a stays two segments). */
    static String path(String collection, String name) {
        StringJoiner p = new StringJoiner("/", collection + "/", "");
        for (String segment : name.split("/", -1)) {
            p.add(encode(segment));
        }
        return p.toString();
    }

    private static String encode(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }
}
