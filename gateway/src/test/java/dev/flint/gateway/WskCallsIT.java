package dev.flint.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The requests the {@code wsk} CLI sends, replayed byte for byte against the packaged server, and
 * the answers checked against what the CLI's Go client decodes them into. {@code wsk} cannot be
 * installed here, so each request is taken from its source: {@code apache/openwhisk-cli} (the
 * commands, under {@code commands/}) and {@code apache/openwhisk-client-go} (the HTTP calls and the
 * structs, under {@code whisk/}); the file each shape comes from is named where it is used.
 *
 * <p>How {@code wsk} sends (whisk/client.go {@code NewRequest}, {@code NewRequestUrl}): the URL is
 * {@code APIHOST/api/v1/namespaces/_/<collection>/<name>?<query>} ({@code _} unless the name is
 * fully qualified, commands/qualified_name.go); the body is JSON written by Go's
 * {@code json.Encoder} (so it ends with a newline) with {@code Content-Type: application/json},
 * only when there is a body; {@code Authorization: Basic} of the key; {@code User-Agent:
 * OpenWhisk-CLI/1.0 (VERSION) OS ARCH} (commands/commands.go {@code SetupClientConfig}). List
 * queries come from go-querystring, keys sorted, {@code limit} and {@code skip} always present
 * (whisk/util.go {@code addRouteOptions}).
 *
 * <p>How it reads answers (whisk/client.go {@code Do}): a 2xx body is decoded into the Go struct
 * of the call with {@code encoding/json}, where a JSON value of another type than the field's
 * (a number for a string, a float for an int, an object for a string) is an error; a 4xx/5xx body
 * is an error message only when it has both {@code error} and {@code code}
 * ({@code parseErrorResponse}), except a 502, which must be an activation (or a bare
 * {@code {"error"}} with {@code result=true}) without {@code code} ({@code parseApplicationError}).
 * The checks below therefore assert JSON types, not only values.
 */
class WskCallsIT {
    private static final String NS = "/api/v1/namespaces/_";
    /** commands/commands.go: UserAgent + "/1.0 (" + CLIVersion + ") " + GOOS + " " + GOARCH. */
    private static final String USER_AGENT = "OpenWhisk-CLI/1.0 (2021-04-01T23:49:54.523+0000) linux amd64";
    /** The file `wsk action create wsk-hello hello.py` reads (commands/action.go getExec: a .py gives kind python:default). */
    private static final String HELLO_PY = "def main(args):\n    print(\"hello from wsk\")\n"
            + "    return {\"greeting\": \"hello \" + args.get(\"name\", \"you\")}\n";
    private static final String FAIL_PY = "def main(args):\n    return {\"error\": \"wsk boom\"}\n";

    private static ServerProcess server;
    private static String key;
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    @BeforeAll
    static void start() throws Exception {
        server = ServerProcess.start("WskCallsIT", Map.of());
        key = server.guestKey();
    }

    @AfterAll
    static void stop() throws Exception {
        if (server != null) {
            server.close();
        }
    }

    // ---------------------------------------------------------------- sending as wsk does

    record Answer(int status, HttpResponse<String> response) {
        String body() {
            return response.body();
        }

        JsonNode json() {
            String type = response.headers().firstValue("content-type").orElse("");
            assertEquals("application/json", type.split(";")[0].trim(), "a JSON answer (" + status + "): " + body());
            try {
                return ServerProcess.JSON.readTree(body());
            } catch (IOException e) {
                throw new AssertionError("not JSON (" + status + "): " + body(), e);
            }
        }
    }

    /** A request as whisk/client.go builds it; {@code body} is JSON without the encoder's newline, null for none. */
    private static Answer wsk(String method, String pathAndQuery, String body, boolean withKey) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(server.base() + pathAndQuery)).timeout(Duration.ofSeconds(90))
                .header("User-Agent", USER_AGENT);
        if (body != null) {
            // json.NewEncoder(buf).Encode(body) writes the document and a newline
            b.method(method, HttpRequest.BodyPublishers.ofString(body + "\n", StandardCharsets.UTF_8));
            b.header("Content-Type", "application/json");
        } else {
            b.method(method, HttpRequest.BodyPublishers.noBody());
        }
        if (withKey) {
            b.header("Authorization", "Basic " + Base64.getEncoder().encodeToString(key.getBytes(StandardCharsets.UTF_8)));
        }
        try {
            HttpResponse<String> r = HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
            return new Answer(r.statusCode(), r);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static Answer wsk(String method, String pathAndQuery, String body) {
        return wsk(method, pathAndQuery, body, true);
    }

    private static JsonNode expect(int status, Answer a) {
        assertEquals(status, a.status(), a.body());
        return a.json();
    }

    private static String json(Object o) {
        try {
            return ServerProcess.JSON.writeValueAsString(o);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    // ---------------------------------------------------------------- Go types

    private static void string(JsonNode o, String field) {
        assertTrue(o.path(field).isTextual(), field + " must be a string (Go string): " + o);
    }

    private static void optString(JsonNode o, String field) {
        assertTrue(!o.has(field) || o.get(field).isTextual() || o.get(field).isNull(), field + " must be a string if present: " + o);
    }

    /** int, int64: an integral JSON number (a float or a string fails to decode). */
    private static void integer(JsonNode o, String field) {
        assertTrue(o.path(field).isIntegralNumber() && o.path(field).canConvertToLong(), field + " must be an integer: " + o);
    }

    private static void optInteger(JsonNode o, String field) {
        assertTrue(!o.has(field) || o.get(field).isIntegralNumber(), field + " must be an integer if present: " + o);
    }

    private static void optBool(JsonNode o, String field) {
        assertTrue(!o.has(field) || o.get(field).isBoolean(), field + " must be a boolean if present (*bool): " + o);
    }

    /** whisk/shared.go KeyValueArr: an array of {key: string, value: any}. */
    private static void keyValues(JsonNode o, String field) {
        if (!o.has(field)) {
            return;
        }
        JsonNode a = o.get(field);
        assertTrue(a.isArray(), field + " must be an array of {key, value}: " + o);
        for (JsonNode kv : a) {
            assertTrue(kv.isObject() && kv.path("key").isTextual() && kv.has("value"), field + " entries are {key, value}: " + a);
        }
    }

    private static JsonNode annotation(JsonNode o, String key) {
        for (JsonNode kv : o.path("annotations")) {
            if (kv.path("key").asText().equals(key)) {
                return kv.path("value");
            }
        }
        return null;
    }

    /** whisk/shared.go Limits: timeout, memory, logs, concurrency, each *int. */
    private static void limits(JsonNode o) {
        if (!o.has("limits")) {
            return;
        }
        JsonNode l = o.get("limits");
        assertTrue(l.isObject(), "limits must be an object: " + o);
        for (String f : List.of("timeout", "memory", "logs", "concurrency")) {
            optInteger(l, f);
        }
    }

    /** whisk/action.go Action and Exec. */
    private static void action(JsonNode a, String name) {
        assertTrue(a.isObject(), "an action: " + a);
        string(a, "namespace");
        assertEquals(name, a.path("name").asText());
        string(a, "version");
        keyValues(a, "annotations");
        keyValues(a, "parameters");
        limits(a);
        optBool(a, "publish");
        optInteger(a, "updated");
        assertFalse(a.has("code"), "Action.Code is an int for errors only: " + a);
        assertFalse(a.has("error"), "Action.Error is for errors only: " + a);
        if (a.has("exec")) {
            JsonNode e = a.get("exec");
            optString(e, "kind"); // list entries carry exec {binary} only, as OpenWhisk's
            optString(e, "code");
            optString(e, "image");
            optString(e, "main");
            optBool(e, "binary");
        }
        // whisk/action.go ToSummaryRowString (wsk action list): Value.(string) of the "exec" annotation panics on another type
        JsonNode exec = annotation(a, "exec");
        assertTrue(exec == null || exec.isTextual(), "the exec annotation must be a string: " + a);
    }

    /** whisk/activation.go Activation (Response embedded as "response"). */
    private static void activation(JsonNode a, boolean full) {
        assertTrue(a.isObject(), "an activation: " + a);
        string(a, "namespace");
        string(a, "name");
        string(a, "version");
        optString(a, "subject");
        string(a, "activationId");
        assertTrue(a.get("activationId").asText().matches("[0-9a-f]{32}"), a.toString());
        optString(a, "cause");
        integer(a, "start");
        optInteger(a, "end");
        optInteger(a, "duration");
        optInteger(a, "statusCode");
        optBool(a, "publish");
        keyValues(a, "annotations");
        // commands/activation.go getLargestKindSize: kind.(string) panics on another type
        JsonNode kind = annotation(a, "kind");
        assertTrue(kind == null || kind.isTextual(), "the kind annotation must be a string: " + a);
        if (full) {
            response(a.get("response"));
            logs(a);
        }
    }

    /** whisk/activation.go Response: status string, statusCode int, success bool, result any. */
    private static void response(JsonNode r) {
        assertNotNull(r, "an activation has a response");
        string(r, "status");
        optInteger(r, "statusCode");
        assertTrue(r.path("success").isBoolean(), "success must be a boolean: " + r);
        assertTrue(r.has("result"), "response.result: " + r);
    }

    /** whisk/activation.go Activation.Logs: []string. */
    private static void logs(JsonNode o) {
        assertTrue(o.path("logs").isArray(), "logs must be an array: " + o);
        for (JsonNode l : o.get("logs")) {
            assertTrue(l.isTextual(), "logs must be strings: " + o);
        }
    }

    /** whisk/trigger.go Trigger. */
    private static void trigger(JsonNode t, String name) {
        assertTrue(t.isObject(), "a trigger: " + t);
        string(t, "namespace");
        assertEquals(name, t.path("name").asText());
        string(t, "version");
        optString(t, "activationId");
        keyValues(t, "annotations");
        keyValues(t, "parameters");
        limits(t);
        optBool(t, "publish");
        assertTrue(!t.has("rules") || t.get("rules").isObject(), "rules must be a map: " + t);
        optInteger(t, "updated");
    }

    /** whisk/rule.go Rule: status string, trigger and action any. */
    private static void rule(JsonNode r, String name, boolean withStatus) {
        assertTrue(r.isObject(), "a rule: " + r);
        string(r, "namespace");
        assertEquals(name, r.path("name").asText());
        string(r, "version");
        keyValues(r, "annotations");
        if (withStatus) {
            string(r, "status");
        } else {
            optString(r, "status");
        }
        assertTrue(r.has("trigger") && r.has("action"), r.toString());
        optBool(r, "publish");
        optInteger(r, "updated");
    }

    /** whisk/client.go parseErrorResponse: the message is shown only when both error and code are there. */
    private static String error(int status, Answer a) {
        JsonNode e = expect(status, a);
        assertTrue(e.path("error").isTextual(), "error: " + e);
        assertTrue(e.has("code") && !e.get("code").isNull(), "code: " + e);
        return e.get("error").asText();
    }

    private static JsonNode awaitActivation(String id) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (System.nanoTime() < deadline) {
            Answer a = wsk("GET", NS + "/activations/" + id, null);
            if (a.status() == 200) {
                return a.json();
            }
            error(404, a);
            Thread.sleep(100);
        }
        throw new AssertionError("activation " + id + " was not recorded within 60 s");
    }

    // ---------------------------------------------------------------- the calls

    /**
     * {@code wsk property get --all}: GET /api/v1 without a key for build and buildno
     * (whisk/info.go {@code InfoService.Get}, commands/property.go), and the namespace from
     * {@code wsk namespace list}: GET /api/v1/namespaces, a JSON array of strings
     * (whisk/namespace.go {@code NamespaceService.List}, which sets the namespace to "" so the URL
     * has none).
     */
    @Test
    void propertyGet_info_andNamespaceList() {
        JsonNode info = expect(200, wsk("GET", "/api/v1", null, false));
        string(info, "build");
        string(info, "buildno");
        optString(info, "whisk");
        optString(info, "version");

        JsonNode namespaces = expect(200, wsk("GET", "/api/v1/namespaces", null));
        assertTrue(namespaces.isArray() && namespaces.size() == 1, namespaces.toString());
        assertEquals("guest", namespaces.get(0).asText());
        assertTrue(namespaces.get(0).isTextual());

        error(401, wsk("GET", "/api/v1/namespaces", null, false));
    }

    /**
     * {@code wsk action create|update|get|list|invoke|delete} (commands/action.go, whisk/action.go).
     */
    @Test
    void actionCalls() {
        // wsk action create wsk-hello hello.py: parseAction sets name and namespace ("_"), getExec kind
        // python:default and the file as code; Insert(action, false) sends ?overwrite=false. Nil
        // annotations, parameters and limits are left out (omitempty).
        Map<String, Object> create = new java.util.LinkedHashMap<>();
        create.put("namespace", "_");
        create.put("name", "wsk-hello");
        create.put("exec", Map.of("kind", "python:default", "code", HELLO_PY));
        JsonNode created = expect(200, wsk("PUT", NS + "/actions/wsk-hello?overwrite=false", json(create)));
        action(created, "wsk-hello");
        assertEquals("guest", created.path("namespace").asText());
        assertEquals("0.0.1", created.path("version").asText());
        assertTrue(created.path("exec").path("kind").asText().startsWith("python:"), created.toString());
        // the server's annotations (OPENWHISK-API.md §2): exec and, on create, provide-api-key
        assertTrue(annotation(created, "exec").isTextual(), created.toString());
        assertEquals(false, annotation(created, "provide-api-key").asBoolean(true), created.toString());

        // the same create again: 409 with {error, code} (wsk prints "resource already exists")
        assertTrue(error(409, wsk("PUT", NS + "/actions/wsk-hello?overwrite=false", json(create))).contains("already exists"));

        // wsk action update wsk-hello hello.py -p name Ada -a description hi --memory 256 --timeout 30000:
        // augmentAction first GETs the action without code (?code=false), then Insert(action, true)
        JsonNode before = expect(200, wsk("GET", NS + "/actions/wsk-hello?code=false", null));
        action(before, "wsk-hello");
        assertFalse(before.path("exec").has("code"), "code=false leaves out the code: " + before);
        Map<String, Object> update = new java.util.LinkedHashMap<>();
        update.put("namespace", "_");
        update.put("name", "wsk-hello");
        update.put("exec", Map.of("kind", "python:default", "code", HELLO_PY));
        update.put("annotations", List.of(Map.of("key", "description", "value", "hi")));
        update.put("parameters", List.of(Map.of("key", "name", "value", "Ada")));
        update.put("limits", Map.of("timeout", 30000, "memory", 256));
        JsonNode updated = expect(200, wsk("PUT", NS + "/actions/wsk-hello?overwrite=true", json(update)));
        action(updated, "wsk-hello");
        assertEquals("0.0.2", updated.path("version").asText());
        assertEquals(30000, updated.path("limits").path("timeout").asInt());
        assertEquals(256, updated.path("limits").path("memory").asInt());
        assertEquals("hi", annotation(updated, "description").asText());

        // wsk action update wsk-hello --memory 128 (no file): no exec in the body; the code stays
        JsonNode limitsOnly = expect(200, wsk("PUT", NS + "/actions/wsk-hello?overwrite=true",
                "{\"namespace\":\"_\",\"name\":\"wsk-hello\",\"limits\":{\"memory\":128}}"));
        assertEquals(128, limitsOnly.path("limits").path("memory").asInt());
        assertEquals(30000, limitsOnly.path("limits").path("timeout").asInt());

        // wsk action update on a missing action: the GET's 404 (EXIT_CODE_NOT_FOUND) is ignored, the PUT creates it
        error(404, wsk("GET", NS + "/actions/wsk-fail?code=false", null));
        JsonNode fail = expect(200, wsk("PUT", NS + "/actions/wsk-fail?overwrite=true",
                json(Map.of("namespace", "_", "name", "wsk-fail", "exec", Map.of("kind", "python:default", "code", FAIL_PY)))));
        action(fail, "wsk-fail");

        // wsk action get wsk-hello: ?code=false; with --save: ?code=true (saveCode reads exec.code and *exec.binary)
        JsonNode got = expect(200, wsk("GET", NS + "/actions/wsk-hello?code=false", null));
        action(got, "wsk-hello");
        JsonNode withCode = expect(200, wsk("GET", NS + "/actions/wsk-hello?code=true", null));
        action(withCode, "wsk-hello");
        assertEquals(HELLO_PY, withCode.path("exec").path("code").asText());
        assertTrue(withCode.path("exec").path("binary").isBoolean(), "saveCode dereferences exec.binary: " + withCode);

        // wsk action list: ActionListOptions{Limit: 30, Skip: 0} -> ?limit=30&skip=0, decoded into []Action
        JsonNode list = expect(200, wsk("GET", NS + "/actions?limit=30&skip=0", null));
        assertTrue(list.isArray(), list.toString());
        List<String> names = new ArrayList<>();
        for (JsonNode a : list) {
            action(a, a.path("name").asText());
            names.add(a.path("name").asText());
        }
        assertTrue(names.containsAll(List.of("wsk-hello", "wsk-fail")), names.toString());
        assertEquals(1, expect(200, wsk("GET", NS + "/actions?limit=1&skip=1", null)).size());

        // wsk action invoke wsk-hello -p name Bob --result: ?blocking=true&result=true, body the parameters
        Answer result = wsk("POST", NS + "/actions/wsk-hello?blocking=true&result=true", "{\"name\":\"Bob\"}");
        assertEquals("{\"greeting\":\"hello Bob\"}", expect(200, result).toString());

        // wsk action invoke wsk-hello --blocking: ?blocking=true&result=false, body {} (getParameters of no -p);
        // the activation is printed; Do checks response.success (IsResponseResultSuccess)
        JsonNode blocking = expect(200, wsk("POST", NS + "/actions/wsk-hello?blocking=true&result=false", "{}"));
        activation(blocking, true);
        assertEquals("wsk-hello", blocking.path("name").asText());
        assertTrue(blocking.path("response").path("success").asBoolean(), blocking.toString());
        assertEquals("success", blocking.path("response").path("status").asText());
        assertEquals("{\"greeting\":\"hello Ada\"}", blocking.path("response").path("result").toString());

        // wsk action invoke wsk-hello: ?blocking=false&result=false -> 202 {activationId}; the CLI prints that id
        Answer async = wsk("POST", NS + "/actions/wsk-hello?blocking=false&result=false", "{}");
        JsonNode accepted = expect(202, async);
        string(accepted, "activationId");
        assertEquals(accepted.get("activationId").asText(), async.response().headers().firstValue("x-openwhisk-activation-id").orElse(null));

        // an application error, blocking: 502 with the activation and no top-level code, so that
        // parseApplicationError reads response.status and response.result.error
        JsonNode failed = expect(502, wsk("POST", NS + "/actions/wsk-fail?blocking=true&result=false", "{}"));
        assertFalse(failed.has("code"), "a 502 with code is not read as an application error: " + failed);
        activation(failed, true);
        assertEquals("application error", failed.path("response").path("status").asText());
        assertEquals("wsk boom", failed.path("response").path("result").path("error").asText());
        // --result: 502 with the bare result {"error": ...} (AppErrorResult), no code
        JsonNode failedResult = expect(502, wsk("POST", NS + "/actions/wsk-fail?blocking=true&result=true", "{}"));
        assertEquals("{\"error\":\"wsk boom\"}", failedResult.toString());

        // wsk action invoke on a missing action: 404 {error, code}
        error(404, wsk("POST", NS + "/actions/wsk-none?blocking=true&result=true", "{}"));

        // wsk action delete wsk-fail: DELETE, answer decoded into an Action
        action(expect(200, wsk("DELETE", NS + "/actions/wsk-fail", null)), "wsk-fail");
        error(404, wsk("GET", NS + "/actions/wsk-fail?code=false", null));
    }

    /**
     * {@code wsk activation list|get|logs|result|poll}, {@code get --last}
     * (commands/activation.go, whisk/activation.go).
     */
    @Test
    void activationCalls() throws Exception {
        Map<String, Object> create = Map.of("namespace", "_", "name", "wsk-act",
                "exec", Map.of("kind", "python:default", "code", HELLO_PY));
        expect(200, wsk("PUT", NS + "/actions/wsk-act?overwrite=false", json(create)));
        JsonNode first = expect(200, wsk("POST", NS + "/actions/wsk-act?blocking=true&result=false", "{\"name\":\"one\"}"));
        String id1 = first.path("activationId").asText();
        Thread.sleep(5);
        String id2 = expect(202, wsk("POST", NS + "/actions/wsk-act?blocking=false&result=false", "{\"name\":\"two\"}"))
                .path("activationId").asText();
        JsonNode second = awaitActivation(id2);
        activation(second, true);

        // wsk activation get ID: GET activations/ID into an Activation (no IsResponseResultSuccess check for it)
        JsonNode got = expect(200, wsk("GET", NS + "/activations/" + id1, null));
        activation(got, true);
        assertEquals(id1, got.path("activationId").asText());
        assertEquals("wsk-act", got.path("name").asText());
        assertEquals("{\"greeting\":\"hello one\"}", got.path("response").path("result").toString());
        assertTrue(got.path("end").asLong() >= got.path("start").asLong(), got.toString());
        // --logs and wsk activation logs ID: GET activations/ID/logs, decoded into an Activation: {"logs": [strings]}
        JsonNode logs = expect(200, wsk("GET", NS + "/activations/" + id1 + "/logs", null));
        logs(logs);
        assertTrue(logs.get("logs").size() >= 1 && logs.get("logs").get(0).asText().contains("stdout: hello from wsk"), logs.toString());
        // wsk activation result ID: GET activations/ID/result into a Response; the CLI prints .Result
        JsonNode result = expect(200, wsk("GET", NS + "/activations/" + id1 + "/result", null));
        response(result);
        assertEquals("{\"greeting\":\"hello one\"}", result.path("result").toString());
        assertFalse(result.has("response"), "a 'response' field would be read by IsResponseResultSuccess: " + result);

        // wsk activation list wsk-act: ActivationListOptions{Name, Limit: 30, Skip: 0} -> ?limit=30&name=wsk-act&skip=0
        JsonNode list = expect(200, wsk("GET", NS + "/activations?limit=30&name=wsk-act&skip=0", null));
        assertEquals(2, list.size(), list.toString());
        for (JsonNode a : list) {
            activation(a, false);
            integer(a, "statusCode"); // ActivationFilteredRow reads the top-level statusCode for Status
        }
        assertEquals(id2, list.get(0).path("activationId").asText(), "newest first: " + list);
        // --full: ?docs=true&limit=30&skip=0 (Docs omitempty only when false)
        JsonNode full = expect(200, wsk("GET", NS + "/activations?docs=true&limit=30&name=wsk-act&skip=0", null));
        assertEquals(2, full.size(), full.toString());
        for (JsonNode a : full) {
            activation(a, true);
        }
        // --since / --upto (epoch ms; Since and Upto omitempty): ?limit=30&since=S&skip=0&upto=U
        long s1 = got.path("start").asLong();
        JsonNode window = expect(200, wsk("GET", NS + "/activations?limit=30&name=wsk-act&since=" + (s1 - 1) + "&skip=0&upto="
                + (s1 + 1), null));
        assertEquals(1, window.size(), window.toString());
        assertEquals(id1, window.get(0).path("activationId").asText());
        // --skip 1 --limit 1
        JsonNode paged = expect(200, wsk("GET", NS + "/activations?limit=1&name=wsk-act&skip=1", null));
        assertEquals(id1, paged.get(0).path("activationId").asText(), paged.toString());

        // wsk activation get --last (and logs|result --last): lastFlag lists ?limit=1&skip=0 and takes [0].ActivationID
        JsonNode last = expect(200, wsk("GET", NS + "/activations?limit=1&skip=0", null));
        assertEquals(1, last.size(), last.toString());
        activation(last.get(0), false);
        String lastId = last.get(0).path("activationId").asText();
        activation(expect(200, wsk("GET", NS + "/activations/" + lastId, null)), true);

        // wsk activation poll: first ?docs=true&limit=1&skip=0 for the newest start, then every 2 s
        // ?docs=true&limit=0[&name=N]&since=START+1&skip=0 (limit 0 = the server's largest page), printing .Logs;
        // here as `wsk activation poll wsk-act`, so that other tests' activations do not count
        JsonNode newest = expect(200, wsk("GET", NS + "/activations?docs=true&limit=1&skip=0", null));
        assertEquals(1, newest.size(), newest.toString());
        activation(newest.get(0), true);
        long pollSince = newest.get(0).path("start").asLong() + 1;
        JsonNode nothingYet = expect(200, wsk("GET", NS + "/activations?docs=true&limit=0&name=wsk-act&since=" + pollSince + "&skip=0", null));
        assertEquals(0, nothingYet.size(), nothingYet.toString());
        Thread.sleep(5);
        String id3 = expect(200, wsk("POST", NS + "/actions/wsk-act?blocking=true&result=false", "{\"name\":\"three\"}"))
                .path("activationId").asText();
        JsonNode polled = expect(200, wsk("GET", NS + "/activations?docs=true&limit=0&name=wsk-act&since=" + pollSince + "&skip=0", null));
        assertEquals(1, polled.size(), polled.toString());
        assertEquals(id3, polled.get(0).path("activationId").asText());
        activation(polled.get(0), true);

        // a malformed or unknown id: {error, code}
        error(400, wsk("GET", NS + "/activations/not-an-id", null));
        error(404, wsk("GET", NS + "/activations/0123456789abcdef0123456789abcdef", null));
    }

    /**
     * {@code wsk trigger create|update|get|list|fire|delete} (commands/trigger.go, whisk/trigger.go),
     * {@code wsk rule create|enable|disable|status|get|list|delete} (commands/rule.go,
     * whisk/rule.go), and {@code wsk list} / {@code wsk namespace get} (commands/namespace.go,
     * commands/wsk.go).
     */
    @Test
    void triggerRuleAndListCalls() throws Exception {
        expect(200, wsk("PUT", NS + "/actions/wsk-ruled?overwrite=false", json(Map.of("namespace", "_", "name", "wsk-ruled",
                "exec", Map.of("kind", "python:default", "code", HELLO_PY)))));

        // wsk trigger create wsk-t -p name Tri: Trigger{Name, Annotations (nil: left out), Parameters};
        // Trigger.Name's tag is misspelt ("omityempty"), so name is always sent
        JsonNode t = expect(200, wsk("PUT", NS + "/triggers/wsk-t?overwrite=false",
                "{\"name\":\"wsk-t\",\"parameters\":[{\"key\":\"name\",\"value\":\"Tri\"}]}"));
        trigger(t, "wsk-t");
        assertEquals("0.0.1", t.path("version").asText());
        error(409, wsk("PUT", NS + "/triggers/wsk-t?overwrite=false", "{\"name\":\"wsk-t\"}"));
        // wsk trigger create wsk-bare (no -p, no -a): body {"name": ...} only
        trigger(expect(200, wsk("PUT", NS + "/triggers/wsk-bare?overwrite=false", "{\"name\":\"wsk-bare\"}")), "wsk-bare");

        // wsk trigger update wsk-t -a note x: GET triggers/wsk-t (feed check), then Insert(trigger, true)
        trigger(expect(200, wsk("GET", NS + "/triggers/wsk-t", null)), "wsk-t");
        JsonNode tu = expect(200, wsk("PUT", NS + "/triggers/wsk-t?overwrite=true",
                "{\"name\":\"wsk-t\",\"annotations\":[{\"key\":\"note\",\"value\":\"x\"}],"
                        + "\"parameters\":[{\"key\":\"name\",\"value\":\"Tri\"}]}"));
        trigger(tu, "wsk-t");
        assertEquals("0.0.2", tu.path("version").asText());

        // wsk trigger fire wsk-t before any rule: 204, no body; the CLI prints an empty id
        Answer none = wsk("POST", NS + "/triggers/wsk-t", "{}");
        assertEquals(204, none.status(), none.body());

        // wsk rule create wsk-r wsk-t wsk-ruled: Rule{Name, Trigger: "/_/wsk-t", Action: "/_/wsk-ruled"}
        // (getQualifiedName with the default namespace "_"); Status has no omitempty, so "status": "" is sent
        JsonNode r = expect(200, wsk("PUT", NS + "/rules/wsk-r?overwrite=false",
                "{\"name\":\"wsk-r\",\"status\":\"\",\"trigger\":\"/_/wsk-t\",\"action\":\"/_/wsk-ruled\"}"));
        rule(r, "wsk-r", true);
        assertEquals("active", r.path("status").asText());
        error(409, wsk("PUT", NS + "/rules/wsk-r?overwrite=false",
                "{\"name\":\"wsk-r\",\"status\":\"\",\"trigger\":\"/_/wsk-t\",\"action\":\"/_/wsk-ruled\"}"));
        // a missing trigger: {error, code}
        error(400, wsk("PUT", NS + "/rules/wsk-r2?overwrite=false",
                "{\"name\":\"wsk-r2\",\"status\":\"\",\"trigger\":\"/_/wsk-none\",\"action\":\"/_/wsk-ruled\"}"));
        // wsk rule update wsk-r wsk-t wsk-ruled: the same body with ?overwrite=true
        rule(expect(200, wsk("PUT", NS + "/rules/wsk-r?overwrite=true",
                "{\"name\":\"wsk-r\",\"status\":\"\",\"trigger\":\"/_/wsk-t\",\"action\":\"/_/wsk-ruled\"}")), "wsk-r", true);

        // wsk trigger get wsk-t: the rule's link is in rules (map[string]interface{})
        JsonNode tg = expect(200, wsk("GET", NS + "/triggers/wsk-t", null));
        trigger(tg, "wsk-t");
        assertTrue(tg.path("rules").has("guest/wsk-r"), tg.toString());

        // wsk rule disable wsk-r: SetState POSTs Rule{Status: "inactive"}; Trigger and Action have no
        // omitempty, so they go as null. OpenWhisk answers 200 (any body; the decode error is ignored).
        Answer off = wsk("POST", NS + "/rules/wsk-r", "{\"status\":\"inactive\",\"trigger\":null,\"action\":null}");
        assertEquals(200, off.status(), off.body());
        // wsk rule status wsk-r / wsk rule get wsk-r: GET rules/wsk-r, Rule.Status printed
        JsonNode rg = expect(200, wsk("GET", NS + "/rules/wsk-r", null));
        rule(rg, "wsk-r", true);
        assertEquals("inactive", rg.path("status").asText());
        // wsk rule enable wsk-r
        Answer on = wsk("POST", NS + "/rules/wsk-r", "{\"status\":\"active\",\"trigger\":null,\"action\":null}");
        assertEquals(200, on.status(), on.body());
        assertEquals("active", expect(200, wsk("GET", NS + "/rules/wsk-r", null)).path("status").asText());

        // wsk trigger fire wsk-t -p name Fired: POST with the parameters; answer decoded into a Trigger, .ActivationId printed
        Answer fired = wsk("POST", NS + "/triggers/wsk-t", "{\"name\":\"Fired\"}");
        JsonNode fire = expect(202, fired);
        string(fire, "activationId");
        JsonNode triggerActivation = awaitActivation(fire.get("activationId").asText());
        activation(triggerActivation, true);
        assertEquals("wsk-t", triggerActivation.path("name").asText());

        // wsk trigger list / wsk rule list: ?limit=30&skip=0 into []Trigger / []Rule (no status in a list)
        JsonNode triggers = expect(200, wsk("GET", NS + "/triggers?limit=30&skip=0", null));
        assertTrue(triggers.isArray() && triggers.size() >= 2, triggers.toString());
        for (JsonNode x : triggers) {
            trigger(x, x.path("name").asText());
        }
        JsonNode rules = expect(200, wsk("GET", NS + "/rules?limit=30&skip=0", null));
        assertTrue(rules.isArray() && rules.size() >= 1, rules.toString());
        for (JsonNode x : rules) {
            rule(x, x.path("name").asText(), false);
        }

        // wsk list and wsk namespace get: actions, packages, triggers and rules with ?limit=0&skip=0,
        // then Rules.Get of each rule for its status; one failing call fails the command
        JsonNode actions = expect(200, wsk("GET", NS + "/actions?limit=0&skip=0", null));
        assertTrue(actions.isArray() && actions.size() >= 1, actions.toString());
        for (JsonNode a : actions) {
            action(a, a.path("name").asText());
        }
        JsonNode packages = expect(200, wsk("GET", NS + "/packages?limit=0&skip=0", null));
        assertTrue(packages.isArray(), "whisk/package.go List decodes []Package: " + packages);
        assertEquals(0, packages.size(), packages.toString());
        assertTrue(expect(200, wsk("GET", NS + "/triggers?limit=0&skip=0", null)).isArray());
        JsonNode allRules = expect(200, wsk("GET", NS + "/rules?limit=0&skip=0", null));
        for (JsonNode x : allRules) {
            rule(expect(200, wsk("GET", NS + "/rules/" + x.path("name").asText(), null)), x.path("name").asText(), true);
        }
        error(401, wsk("GET", NS + "/packages?limit=0&skip=0", null, false));

        // wsk rule delete --disable wsk-r: POST inactive, then DELETE (Do with a nil struct: any 2xx)
        assertEquals(200, wsk("POST", NS + "/rules/wsk-r", "{\"status\":\"inactive\",\"trigger\":null,\"action\":null}").status());
        Answer rd = wsk("DELETE", NS + "/rules/wsk-r", null);
        assertEquals(200, rd.status(), rd.body());
        error(404, wsk("GET", NS + "/rules/wsk-r", null));
        // wsk trigger delete wsk-t: GET (feed check), then DELETE into a Trigger
        trigger(expect(200, wsk("GET", NS + "/triggers/wsk-t", null)), "wsk-t");
        trigger(expect(200, wsk("DELETE", NS + "/triggers/wsk-t", null)), "wsk-t");
        error(404, wsk("GET", NS + "/triggers/wsk-t", null));
    }
}
