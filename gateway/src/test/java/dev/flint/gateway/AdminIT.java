package dev.flint.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.flint.cli.Flint;
import dev.flint.gateway.ServerProcess.Reply;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The admin API and {@code flint admin namespace ...} against the packaged server: the token file,
 * creating a namespace and using its key, isolation from guest, adding and deleting keys, and the
 * 401 for anything but the token.
 */
class AdminIT {
    private static ServerProcess server;
    private static String token;

    record Result(int status, String out, String err) {}

    @BeforeAll
    static void start() throws Exception {
        server = ServerProcess.start("AdminIT", Map.of());
        token = Files.readString(server.data.resolve("auth/admin-token")).trim();
    }

    @AfterAll
    static void stop() throws Exception {
        if (server != null) {
            server.close();
        }
    }

    private static Result admin(String tok, String... args) {
        List<String> all = new ArrayList<>(List.of("admin", "namespace"));
        all.addAll(List.of(args));
        all.addAll(List.of("--apihost", server.base(), "--token", tok));
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int status = Flint.run(new PrintWriter(out, true), new PrintWriter(err, true), all.toArray(String[]::new));
        return new Result(status, out.toString(), err.toString());
    }

    private static JsonNode json(Result r) throws Exception {
        assertEquals(0, r.status(), r.err());
        return ServerProcess.JSON.readTree(r.out());
    }

    private static Reply bearer(String method, String path, String tok) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(server.base() + path))
                .method(method, HttpRequest.BodyPublishers.noBody());
        if (tok != null) {
            b.header("Authorization", tok);
        }
        HttpResponse<String> r = HttpClient.newHttpClient().send(b.build(), HttpResponse.BodyHandlers.ofString());
        return new Reply(r.statusCode(), r.headers(), r.body());
    }

    @Test
    void theToken_isRandom_andMode600() throws Exception {
        Path file = server.data.resolve("auth/admin-token");
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
        assertTrue(token.matches("[0-9a-f]{64}"), "32 random bytes in hex");
        assertNotEquals(server.guestKey(), token);
    }

    @Test
    void createANamespace_useItsKey_isolatedFromGuest_andKeyDeleteRevokes() throws Exception {
        JsonNode created = json(admin(token, "create", "acme", "--json"));
        assertEquals("acme", created.path("namespace").asText());
        String key = created.path("key").asText();
        assertTrue(key.startsWith(created.path("uuid").asText() + ":"), key);
        assertEquals(64, key.substring(key.indexOf(':') + 1).length());

        assertEquals("[\"acme\"]", server.get("/api/v1/namespaces", key).json().toString());
        Reply put = server.send("PUT", "/api/v1/namespaces/_/actions/mine", "{\"exec\":{\"kind\":\"shell\",\"code\":\"echo '{}'\"}}", key);
        assertEquals(200, put.status(), put.body());
        assertEquals("acme", put.json().path("namespace").asText());
        String guest = server.guestKey();
        assertEquals(404, server.get("/api/v1/namespaces/_/actions/mine", guest).status(), "guest cannot see acme's action");
        assertEquals(403, server.get("/api/v1/namespaces/acme/actions", guest).status());
        assertEquals(403, server.get("/api/v1/namespaces/guest/actions", key).status());

        Result again = admin(token, "create", "acme");
        assertEquals(1, again.status(), again.out());
        assertTrue(again.err().contains("409"), again.err());

        JsonNode second = json(admin(token, "key-add", "acme", "--json"));
        String key2 = second.path("key").asText();
        assertEquals("[\"acme\"]", server.get("/api/v1/namespaces", key2).json().toString());

        Result list = admin(token, "list");
        assertEquals(0, list.status(), list.err());
        assertTrue(list.out().contains("guest") && list.out().contains("acme"), list.out());
        JsonNode listed = json(admin(token, "list", "--json"));
        for (JsonNode ns : listed) {
            if (ns.path("namespace").asText().equals("acme")) {
                assertEquals(2, ns.path("keys").size(), ns.toString());
                assertTrue(ns.toString().contains(created.path("uuid").asText()));
                assertTrue(!ns.toString().contains(key.substring(key.indexOf(':') + 1)), "the list never shows a key");
            }
        }

        Result deleted = admin(token, "key-delete", "acme", created.path("uuid").asText());
        assertEquals(0, deleted.status(), deleted.err());
        assertEquals(401, server.get("/api/v1/namespaces", key).status(), "a deleted key stops working at once");
        assertEquals(200, server.get("/api/v1/namespaces/_/actions/mine", key2).status(), "the other key still works");
        Result gone = admin(token, "key-delete", "acme", created.path("uuid").asText());
        assertEquals(1, gone.status());
        assertTrue(gone.err().contains("404"), gone.err());
        assertEquals(1, admin(token, "key-add", "nobody").status(), "no such namespace");
    }

    @Test
    void anythingButTheToken_is401() throws Exception {
        Result bad = admin("0".repeat(64), "list");
        assertEquals(1, bad.status(), bad.out());
        assertTrue(bad.err().contains("401") && bad.err().contains("--token"), bad.err());
        assertEquals(401, bearer("GET", "/admin/namespaces", null).status());
        assertEquals(401, bearer("POST", "/admin/namespaces/evil", "Bearer " + token.substring(1)).status());
        assertEquals(401, bearer("POST", "/admin/namespaces/evil", "Basic " + java.util.Base64.getEncoder()
                .encodeToString(server.guestKey().getBytes())).status(), "a namespace key is not the admin token");
        Reply unauthorized = bearer("GET", "/admin/namespaces", "Bearer nope");
        assertEquals(401, unauthorized.status());
        assertTrue(unauthorized.error().contains("Bearer"), unauthorized.body());
        Reply all = bearer("GET", "/admin/namespaces", "Bearer " + token);
        assertEquals(200, all.status(), all.body());
        assertTrue(!all.body().contains("evil"), "the refused calls created nothing: " + all.body());
        Reply badName = bearer("POST", "/admin/namespaces/_", "Bearer " + token);
        assertEquals(400, badName.status(), badName.body());
    }
}
