package dev.flint.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * The CLI's side of the server's admin API ({@code /admin/namespaces}, docs/gateway.md): Bearer
 * token, JSON replies. An error status becomes an {@link ApiClient.ApiException} with the server's
 * text and a hint.
 */
final class AdminClient {
    private final String base;
    private final String authorization;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    AdminClient(String apihost, String token) {
        String host = apihost.endsWith("/") ? apihost.substring(0, apihost.length() - 1) : apihost;
        this.base = host + "/admin/namespaces";
        this.authorization = "Bearer " + token;
    }

    JsonNode list() {
        return send("GET", "");
    }

    JsonNode create(String namespace) {
        return send("POST", "/" + encode(namespace));
    }

    JsonNode addKey(String namespace) {
        return send("POST", "/" + encode(namespace) + "/keys");
    }

    JsonNode deleteKey(String namespace, String uuid) {
        return send("DELETE", "/" + encode(namespace) + "/keys/" + encode(uuid));
    }

    private JsonNode send(String method, String path) {
        URI uri = URI.create(base + path);
        HttpRequest request = HttpRequest.newBuilder(uri).header("Authorization", authorization).header("Accept", "application/json")
                .timeout(Duration.ofMinutes(1)).method(method, HttpRequest.BodyPublishers.noBody()).build();
        HttpResponse<byte[]> r;
        try {
            r = http.send(request, HttpResponse.BodyHandlers.ofByteArray());
        } catch (ConnectException e) {
            throw new ApiClient.ApiException("cannot reach the server at " + uri.getScheme() + "://" + uri.getAuthority(),
                    "start it with ./flint server, or pass --apihost URL");
        } catch (IOException e) {
            throw new ApiClient.ApiException(method + " " + uri + " failed: " + e, "check the server's log");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ApiClient.ApiException("interrupted", "");
        }
        JsonNode body = parse(r.body());
        if (r.statusCode() < 400) {
            return body;
        }
        String text = body != null && body.path("error").isTextual() ? body.get("error").asText() : String.valueOf(body);
        String hint = switch (r.statusCode()) {
            case 401 -> "the admin token was refused: check --token / FLINT_ADMIN_TOKEN, or $FLINT_DATA/auth/admin-token";
            case 404 -> "no such namespace or key (flint admin namespace list)";
            case 409 -> "the namespace exists: add a key with flint admin namespace key-add";
            default -> "";
        };
        throw new ApiClient.ApiException(r.statusCode(), "the server answered " + r.statusCode() + ": " + text, hint);
    }

    private static JsonNode parse(byte[] body) {
        if (body.length == 0) {
            return null;
        }
        try {
            return ApiClient.JSON.readTree(body);
        } catch (IOException e) {
            return ApiClient.JSON.getNodeFactory().textNode(new String(body, StandardCharsets.UTF_8));
        }
    }

    private static String encode(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }
}
