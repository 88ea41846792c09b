package dev.flint.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.flint.gateway.ServerProcess.Reply;
import dev.flint.gateway.auth.Credentials;
import dev.flint.gateway.auth.Namespaces;
import dev.flint.gateway.state.KafkaStateStore;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The packaged standalone server over real HTTP (embedded Kafka, real sandboxes): auth and
 * namespace isolation, action CRUD and validation, invokes of Python and shell actions, activations,
 * the error statuses (502, 202 after the wait, 429, 413, 404, 415, malformed JSON), health, metrics
 * and the OpenAPI document.
 */
class GatewayIT {
    private static final String API = "/api/v1/namespaces/_";
    private static final String HELLO_PY = "def main(args):\n    print('hello log')\n"
            + "    return {'greeting': 'hello ' + args.get('name', 'you'), 'p': args.get('p')}\n";
    private static ServerProcess server;
    private static String key;

    @BeforeAll
    static void start() throws Exception {
        // queue-bound 0: a second concurrent activation of a busy action is refused at once (429)
        // max-body-size 4M: the HTTP layer's own 413 is reachable with a small body
        server = ServerProcess.start("GatewayIT", Map.of("flint.invoke.queue-bound", "0",
                "quarkus.http.limits.max-body-size", "4M"));
        key = server.guestKey();
    }

    @AfterAll
    static void stop() throws Exception {
        if (server != null) {
            server.close();
        }
    }

    private static String python(String code) {
        ObjectNode body = ServerProcess.JSON.createObjectNode();
        body.putObject("exec").put("kind", "python:3").put("code", code);
        return body.toString();
    }

    private static String shell(String code) {
        ObjectNode body = ServerProcess.JSON.createObjectNode();
        body.putObject("exec").put("kind", "shell").put("code", code);
        return body.toString();
    }

    private static Reply put(String name, String body) {
        return server.send("PUT", API + "/actions/" + name, body, key);
    }

    private static Reply created(String name, String body) {
        Reply r = put(name, body);
        assertEquals(200, r.status(), r.body());
        return r;
    }

    private static Reply invoke(String name, String query, String payload) {
        return server.send("POST", API + "/actions/" + name + "?" + query, payload, key);
    }

    private static JsonNode awaitActivation(String id, String k) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (System.nanoTime() < deadline) {
            Reply r = server.get(API + "/activations/" + id, k);
            if (r.status() == 200) {
                return r.json();
            }
            assertEquals(404, r.status(), r.body());
            Thread.sleep(100);
        }
        throw new AssertionError("activation " + id + " was not recorded within 60 s");
    }

    private static String annotation(JsonNode annotations, String k) {
        for (JsonNode a : annotations) {
            if (a.path("key").asText().equals(k)) {
                return a.path("value").toString();
            }
        }
        return null;
    }

    @Test
    void auth_missingOrWrongKey_is401WithOpenWhisksRealm_andAnotherNamespaceIs403() {
        Reply none = server.get("/api/v1/namespaces", null);
        assertEquals(401, none.status());
        assertEquals("Basic realm=\"OpenWhisk secure realm\"", none.header("www-authenticate"));
        assertFalse(none.error().isEmpty());
        Reply wrong = server.get("/api/v1/namespaces", key.substring(0, key.indexOf(':')) + ":" + "x".repeat(64));
        assertEquals(401, wrong.status());
        assertEquals("The supplied authentication is invalid.", wrong.error());
        Reply notBasic = server.send("GET", "/api/v1/namespaces", (String) null, null, null);
        assertEquals(401, notBasic.status());
        Reply other = server.get("/api/v1/namespaces/someoneelse/actions", key);
        assertEquals(403, other.status());
        assertTrue(other.error().contains("not authorized"), other.body());
        Reply ns = server.get("/api/v1/namespaces", key);
        assertEquals(200, ns.status());
        assertEquals("[\"guest\"]", ns.json().toString());
        assertEquals(200, server.get("/api/v1/namespaces/guest/actions", key).status());
    }

    @Test
    void namespaces_areIsolated_aKeyNeverSeesAnothersActionsOrActivations() throws Exception {
        Credentials other;
        try (KafkaStateStore state = KafkaStateStore.open("127.0.0.1:" + server.kafkaPort, "flint", Duration.ofSeconds(10))) {
            other = Namespaces.create(state, "other");
        }
        String otherKey = other.toString();
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (server.get("/api/v1/namespaces", otherKey).status() != 200 && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        assertEquals("[\"other\"]", server.get("/api/v1/namespaces", otherKey).json().toString());
        created("iso-guest", python(HELLO_PY));
        String id = invoke("iso-guest", "blocking=true", "{}").json().path("activationId").asText();
        assertEquals(404, server.get(API + "/actions/iso-guest", otherKey).status());
        assertEquals(404, server.get(API + "/activations/" + id, otherKey).status());
        assertEquals(404, server.send("POST", API + "/actions/iso-guest?blocking=true", "{}", otherKey).status());
        assertEquals(403, server.get("/api/v1/namespaces/guest/actions", otherKey).status());
        assertEquals(403, server.get("/api/v1/namespaces/other/actions", key).status());
        for (JsonNode a : server.get(API + "/actions?limit=0", otherKey).json()) {
            assertEquals("other", a.path("namespace").asText());
        }
        assertEquals(0, server.get(API + "/activations?count=true", otherKey).json().path("activations").asLong());
        // the same name in both namespaces: two actions
        created("iso-guest-2", python(HELLO_PY));
        assertEquals(200, server.send("PUT", API + "/actions/iso-guest-2", shell("echo '{\"who\":\"other\"}'"), otherKey).status());
        assertEquals("python:3", server.get(API + "/actions/iso-guest-2", key).json().path("exec").path("kind").asText());
        assertEquals("shell", server.get(API + "/actions/iso-guest-2", otherKey).json().path("exec").path("kind").asText());
    }

    @Test
    void actions_createGetUpdateListDelete_asOpenWhiskDoes() {
        JsonNode a = created("crud", "{\"exec\":{\"kind\":\"python:3.11\",\"code\":" + ServerProcess.JSON.valueToTree(HELLO_PY)
                + "},\"parameters\":[{\"key\":\"p\",\"value\":1}],\"annotations\":[{\"key\":\"a\",\"value\":\"x\"}]}").json();
        assertEquals("guest", a.path("namespace").asText());
        assertEquals("crud", a.path("name").asText());
        assertEquals("0.0.1", a.path("version").asText());
        assertEquals("python:3.11", a.path("exec").path("kind").asText());
        assertEquals(HELLO_PY, a.path("exec").path("code").asText());
        assertFalse(a.path("exec").path("binary").asBoolean());
        assertEquals("\"python:3.11\"", annotation(a.path("annotations"), "exec"));
        assertEquals("false", annotation(a.path("annotations"), "provide-api-key"));
        assertEquals(60000, a.path("limits").path("timeout").asInt());
        assertEquals(256, a.path("limits").path("memory").asInt());
        assertFalse(a.has("flint"), "internal fields stay inside");

        Reply again = put("crud", python(HELLO_PY));
        assertEquals(409, again.status());
        assertEquals("resource already exists", again.error());

        JsonNode updated = server.send("PUT", API + "/actions/crud?overwrite=true",
                "{\"limits\":{\"memory\":128},\"annotations\":[{\"key\":\"b\",\"value\":2}]}", key).json();
        assertEquals("0.0.2", updated.path("version").asText());
        assertEquals(HELLO_PY, updated.path("exec").path("code").asText(), "exec kept");
        assertEquals("[{\"key\":\"p\",\"value\":1}]", updated.path("parameters").toString(), "parameters kept");
        assertEquals(128, updated.path("limits").path("memory").asInt());
        assertEquals(60000, updated.path("limits").path("timeout").asInt(), "other limits kept");
        assertEquals("\"x\"", annotation(updated.path("annotations"), "a"), "annotations merged");
        assertEquals("2", annotation(updated.path("annotations"), "b"));

        JsonNode noCode = server.get(API + "/actions/crud?code=false", key).json();
        assertFalse(noCode.path("exec").has("code"));
        assertEquals("python:3.11", noCode.path("exec").path("kind").asText());

        created("crud-newer", shell("echo '{}'"));
        JsonNode list = server.get(API + "/actions?limit=2", key).json();
        assertEquals(2, list.size());
        assertEquals("crud-newer", list.get(0).path("name").asText(), "newest first");
        assertFalse(list.get(0).has("parameters"));
        assertFalse(list.get(0).path("exec").has("code"));
        assertTrue(list.get(0).path("exec").has("binary"));
        long count = server.get(API + "/actions?count=true", key).json().path("actions").asLong();
        assertTrue(count >= 2, "count " + count);
        assertEquals(count - 1, server.get(API + "/actions?skip=1&limit=0", key).json().size());
        assertEquals(400, server.get(API + "/actions?limit=201", key).status());
        assertTrue(server.get(API + "/actions?limit=201", key).error().startsWith("limit:"));

        Reply deleted = server.send("DELETE", API + "/actions/crud", (String) null, key);
        assertEquals(200, deleted.status());
        assertEquals("crud", deleted.json().path("name").asText());
        Reply gone = server.get(API + "/actions/crud", key);
        assertEquals(404, gone.status());
        assertEquals("The requested resource does not exist.", gone.error());
        assertEquals(404, server.send("DELETE", API + "/actions/crud", (String) null, key).status());
        assertEquals(404, server.get(API + "/actions/pkg/crud", key).status(), "packages are not there yet");
    }

    @Test
    void actions_badInput_is4xxNamingTheField() {
        Map<String, String> cases = new java.util.LinkedHashMap<>();
        cases.put("{\"exec\":{\"kind\":\"cobol:1\",\"code\":\"x\"}}", "exec.kind");
        cases.put("{\"exec\":{\"code\":\"x\"}}", "exec.kind");
        cases.put("{\"exec\":{\"kind\":\"python:3\"}}", "exec.code");
        cases.put("{\"exec\":{\"kind\":\"python:3\",\"code\":5}}", "exec.code");
        cases.put("{\"exec\":{\"kind\":\"blackbox\"}}", "exec.image");
        cases.put("{\"exec\":{\"kind\":\"blackbox\",\"image\":\"nosuch/image:1\"}}", "exec.image");
        cases.put("{\"exec\":{\"kind\":\"blackbox\",\"image\":\"Not A Ref\"}}", "exec.image");
        cases.put("{\"exec\":{\"kind\":\"sequence\",\"components\":[]}}", "exec.kind");
        cases.put("{\"exec\":{\"kind\":\"python:3\",\"code\":\"x\",\"main\":\"other\"}}", "exec.main");
        cases.put("{\"exec\":{\"kind\":\"python:3\",\"code\":\"UEsFBgAAAAAAAAAAAAAAAAAAAAAAAA==\"}}", "exec.code");
        cases.put("{\"exec\":{\"kind\":\"shell\",\"code\":\"echo\"},\"limits\":{\"timeout\":50}}", "limits.timeout");
        cases.put("{\"exec\":{\"kind\":\"shell\",\"code\":\"echo\"},\"limits\":{\"timeout\":300001}}", "limits.timeout");
        cases.put("{\"exec\":{\"kind\":\"shell\",\"code\":\"echo\"},\"limits\":{\"memory\":1024}}", "limits.memory");
        cases.put("{\"exec\":{\"kind\":\"shell\",\"code\":\"echo\"},\"limits\":{\"logs\":11}}", "limits.logs");
        cases.put("{\"exec\":{\"kind\":\"shell\",\"code\":\"echo\"},\"limits\":{\"concurrency\":0}}", "limits.concurrency");
        cases.put("{\"exec\":{\"kind\":\"shell\",\"code\":\"echo\"},\"limits\":{\"memory\":\"big\"}}", "limits.memory");
        cases.put("{\"exec\":{\"kind\":\"shell\",\"code\":\"echo\"},\"limits\":5}", "limits");
        cases.put("{\"exec\":{\"kind\":\"shell\",\"code\":\"echo\"},\"parameters\":{\"a\":1}}", "parameters");
        cases.put("{\"exec\":{\"kind\":\"shell\",\"code\":\"echo\"},\"parameters\":[{\"value\":1}]}", "parameters[0]");
        cases.put("{\"exec\":{\"kind\":\"shell\",\"code\":\"echo\"},\"annotations\":[1]}", "annotations[0]");
        cases.put("{\"exec\":{\"kind\":\"shell\",\"code\":\"echo\"},\"version\":\"one\"}", "version");
        cases.put("{\"exec\":{\"kind\":\"shell\",\"code\":\"echo\"},\"publish\":\"yes\"}", "publish");
        cases.put("{\"exec\":\"python\"}", "exec");
        cases.put("[1,2]", "body");
        cases.put("{\"exec\":", "body");
        cases.put("{\"parameters\":[]}", "exec");
        for (Map.Entry<String, String> c : cases.entrySet()) {
            Reply r = put("bad-input", c.getValue().isEmpty() ? "{}" : c.getKey());
            assertEquals(400, r.status(), c.getKey() + " -> " + r.body());
            assertTrue(r.error().startsWith(c.getValue() + ":"), c.getKey() + " should name " + c.getValue() + ": " + r.body());
        }
        assertEquals(404, server.get(API + "/actions/bad-input", key).status(), "nothing was created");
        Reply badName = put("-dash", shell("echo"));
        assertEquals(400, badName.status());
        assertTrue(badName.error().startsWith("name:"), badName.body());
        Reply overwrite = server.send("PUT", API + "/actions/x?overwrite=maybe", shell("echo"), key);
        assertTrue(overwrite.error().startsWith("overwrite:"), overwrite.body());
        Reply text = server.send("PUT", API + "/actions/x", shell("echo"), key, "text/plain");
        assertEquals(415, text.status());
        assertTrue(text.error().startsWith("Content-Type:"), text.body());
        assertEquals(200, put("with%20space", shell("echo '{}'")).status(), "names may have spaces");
        assertEquals("with space", server.get(API + "/actions/with%20space", key).json().path("name").asText());
    }

    @Test
    void invoke_python_blockingGivesTheRecord_resultGivesTheResult_parametersUnderThePayload() {
        created("hello", "{\"exec\":{\"kind\":\"python:3\",\"code\":" + ServerProcess.JSON.valueToTree(HELLO_PY)
                + "},\"parameters\":[{\"key\":\"name\",\"value\":\"param\"},{\"key\":\"p\",\"value\":7}]}");
        Reply r = invoke("hello", "blocking=true", "{\"name\":\"Ada\"}");
        assertEquals(200, r.status(), r.body());
        JsonNode a = r.json();
        assertEquals(a.path("activationId").asText(), r.header("x-openwhisk-activation-id"));
        assertTrue(a.path("activationId").asText().matches("[0-9a-f]{32}"));
        assertEquals("guest", a.path("namespace").asText());
        assertEquals("guest", a.path("subject").asText());
        assertEquals("hello", a.path("name").asText());
        assertEquals("0.0.1", a.path("version").asText());
        assertEquals("success", a.path("response").path("status").asText());
        assertEquals(0, a.path("response").path("statusCode").asInt());
        assertTrue(a.path("response").path("success").asBoolean());
        assertEquals("{\"greeting\":\"hello Ada\",\"p\":7}", a.path("response").path("result").toString());
        assertTrue(a.path("logs").get(0).asText().matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{9}Z stdout: hello log"),
                a.path("logs").toString());
        assertEquals("\"guest/hello\"", annotation(a.path("annotations"), "path"));
        assertEquals("\"python:3\"", annotation(a.path("annotations"), "kind"));
        assertEquals("false", annotation(a.path("annotations"), "timeout"));
        assertNotNull(annotation(a.path("annotations"), "waitTime"));
        assertNotNull(annotation(a.path("annotations"), "limits"));
        assertNotNull(annotation(a.path("annotations"), "initTime"), "first activation is not warm");
        assertTrue(a.path("end").asLong() >= a.path("start").asLong());
        assertEquals(a.path("end").asLong() - a.path("start").asLong(), a.path("duration").asLong());

        Reply result = invoke("hello", "blocking=true&result=true", "{}");
        assertEquals(200, result.status());
        assertEquals("{\"greeting\":\"hello param\",\"p\":7}", result.json().toString());
        assertNotNull(result.header("x-openwhisk-activation-id"));
    }

    @Test
    void invoke_shellAndBase64Zip_run() throws Exception {
        created("sh", shell("read args\necho \"log line\" >&2\necho \"{\\\"got\\\": $args}\"\n"));
        Reply r = invoke("sh", "blocking=true&result=true", "{\"n\":3}");
        assertEquals(200, r.status(), r.body());
        assertEquals("{\"got\":{\"n\":3}}", r.json().toString());

        java.io.ByteArrayOutputStream zip = new java.io.ByteArrayOutputStream();
        try (java.util.zip.ZipOutputStream z = new java.util.zip.ZipOutputStream(zip)) {
            z.putNextEntry(new java.util.zip.ZipEntry("__main__.py"));
            z.write("from helper import twice\ndef main(args):\n    return {'twice': twice(args['n'])}\n".getBytes(StandardCharsets.UTF_8));
            z.putNextEntry(new java.util.zip.ZipEntry("helper.py"));
            z.write("def twice(n):\n    return 2 * n\n".getBytes(StandardCharsets.UTF_8));
        }
        String code = java.util.Base64.getEncoder().encodeToString(zip.toByteArray());
        JsonNode a = created("zipped", python(code)).json();
        assertTrue(a.path("exec").path("binary").asBoolean(), "base64 code is binary");
        Reply z = invoke("zipped", "blocking=true&result=true", "{\"n\":21}");
        assertEquals(200, z.status(), z.body());
        assertEquals("{\"twice\":42}", z.json().toString());
    }

    @Test
    void invoke_blackbox_runsTheImagesCommandWithItsEnvironment() throws Exception {
        dev.flint.images.ImageStore store = dev.flint.images.ImageStore.open(server.imagesDir());
        dev.flint.images.ImageRef ref = dev.flint.images.ImageRef.parse("it-gateway/blackbox:1");
        Path script = Files.createTempFile("run", ".sh");
        try {
            Files.writeString(script, "read args\necho \"{\\\"greeting\\\": \\\"$GREETING\\\", \\\"args\\\": $args}\"\n");
            dev.flint.images.Layer code = dev.flint.images.FunctionImages.codeLayer(store,
                    dev.flint.images.FunctionCode.file(script, "run.sh"));
            dev.flint.images.Image busybox = store.resolve(dev.flint.images.BaseImages.BUSYBOX);
            List<dev.flint.images.Layer> layers = new ArrayList<>(busybox.layers());
            layers.add(code);
            dev.flint.images.ImageConfig base = busybox.config();
            List<String> env = new ArrayList<>(base.env());
            env.add("GREETING=from the image");
            store.commit(ref, new dev.flint.images.ImageConfig(base.architecture(), base.os(), env,
                    List.of("/bin/sh", "/function/run.sh"), "/function", base.labels(), List.of()), layers);
            created("boxed", "{\"exec\":{\"kind\":\"blackbox\",\"image\":\"" + ref + "\"}}");
            Reply r = invoke("boxed", "blocking=true&result=true", "{\"n\":1}");
            assertEquals(200, r.status(), r.body());
            assertEquals("{\"greeting\":\"from the image\",\"args\":{\"n\":1}}", r.json().toString());
        } finally {
            store.remove(ref);
            Files.deleteIfExists(script);
        }
    }

    @Test
    void invoke_nonBlocking_answers202_thenTheRecordAppears_withLogsAndResult() throws Exception {
        created("later", python("import time\ndef main(args):\n    time.sleep(0.5)\n    print('done')\n    return {'v': 1}\n"));
        Reply r = invoke("later", "", "{}");
        assertEquals(202, r.status(), r.body());
        String id = r.json().path("activationId").asText();
        assertEquals(id, r.header("x-openwhisk-activation-id"));
        assertEquals(1, r.json().size());
        JsonNode a = awaitActivation(id, key);
        assertEquals("{\"v\":1}", a.path("response").path("result").toString());
        JsonNode logs = server.get(API + "/activations/" + id + "/logs", key).json();
        assertTrue(logs.path("logs").get(0).asText().endsWith("stdout: done"), logs.toString());
        JsonNode result = server.get(API + "/activations/" + id + "/result", key).json();
        assertEquals("success", result.path("status").asText());
        assertTrue(result.path("success").asBoolean());
        assertEquals("{\"v\":1}", result.path("result").toString());
    }

    @Test
    void invoke_applicationError_is502WithTheRecord_andResultTrueGivesTheError() {
        created("fails", python("def main(args):\n    raise ValueError('no good')\n"));
        Reply r = invoke("fails", "blocking=true", "{}");
        assertEquals(502, r.status(), r.body());
        JsonNode a = r.json();
        assertEquals("application error", a.path("response").path("status").asText());
        assertEquals(1, a.path("response").path("statusCode").asInt());
        assertFalse(a.path("response").path("success").asBoolean());
        assertTrue(a.path("response").path("result").path("error").asText().contains("no good"), r.body());
        Reply result = invoke("fails", "blocking=true&result=true", "{}");
        assertEquals(502, result.status());
        assertTrue(result.json().path("error").asText().contains("no good"));

        created("bad-result", shell("echo not-json"));
        Reply dev = invoke("bad-result", "blocking=true", "{}");
        assertEquals(502, dev.status(), dev.body());
        assertEquals("action developer error", dev.json().path("response").path("status").asText());
        assertEquals(2, dev.json().path("response").path("statusCode").asInt());

        created("too-slow", "{\"exec\":{\"kind\":\"shell\",\"code\":\"sleep 5\"},\"limits\":{\"timeout\":300}}");
        Reply slow = invoke("too-slow", "blocking=true", "{}");
        assertEquals(502, slow.status(), slow.body());
        assertEquals("true", annotation(slow.json().path("annotations"), "timeout"));
        assertEquals(2, slow.json().path("response").path("statusCode").asInt());
    }

    @Test
    void invoke_blockingWaitShorterThanTheRun_answers202_andTheRecordAppearsWhenDone() throws Exception {
        created("slow", shell("sleep 2\necho '{\"slept\": 2}'"));
        long t0 = System.nanoTime();
        Reply r = invoke("slow", "blocking=true&timeout=300", "{}");
        long tookMs = (System.nanoTime() - t0) / 1_000_000;
        assertEquals(202, r.status(), r.body());
        assertTrue(tookMs < 1900, "answered after the wait, not the run: " + tookMs + " ms");
        String id = r.json().path("activationId").asText();
        assertEquals(404, server.get(API + "/activations/" + id, key).status(), "not recorded while running");
        JsonNode a = awaitActivation(id, key);
        assertEquals("{\"slept\":2}", a.path("response").path("result").toString());
        assertEquals(400, invoke("slow", "blocking=true&timeout=abc", "{}").status());
    }

    @Test
    void invoke_errors_429_413_404_400() throws Exception {
        created("busy", "{\"exec\":{\"kind\":\"shell\",\"code\":\"sleep 2\\necho '{}'\"},\"limits\":{\"concurrency\":1}}");
        CompletableFuture<Reply> first = CompletableFuture.supplyAsync(() -> invoke("busy", "blocking=true", "{}"));
        Reply refused = null;
        for (int i = 0; i < 50 && refused == null; i++) {
            Thread.sleep(50);
            Reply r = invoke("busy", "blocking=true", "{}");
            if (r.status() == 429) {
                refused = r;
            }
        }
        assertNotNull(refused, "a second activation of a busy action with no queue is refused");
        assertTrue(refused.error().startsWith("Too many requests"), refused.body());
        assertEquals(200, first.get().status());

        byte[] big = ("{\"x\":\"" + "a".repeat(1_100_000) + "\"}").getBytes(StandardCharsets.UTF_8);
        Reply tooBig = server.send("POST", API + "/actions/busy?blocking=true", big, key, "application/json");
        assertEquals(413, tooBig.status());
        assertTrue(tooBig.error().startsWith("payload:"), tooBig.body());
        Reply huge = server.send("PUT", API + "/actions/huge", new byte[5 << 20], key, "application/json");
        assertEquals(413, huge.status());
        huge.error();

        Reply missing = invoke("no-such-action", "blocking=true", "{}");
        assertEquals(404, missing.status());
        assertEquals("The requested resource does not exist.", missing.error());
        Reply notObject = invoke("busy", "blocking=true", "[1]");
        assertEquals(400, notObject.status());
        assertTrue(notObject.error().startsWith("payload:"));
        Reply malformed = invoke("busy", "blocking=true", "{\"a\":");
        assertEquals(400, malformed.status());
        assertTrue(malformed.error().startsWith("body: malformed JSON"), malformed.body());
    }

    @Test
    void activations_listFiltersCountsAndDocs_getLogsResult_badIdIs400() throws Exception {
        created("act", shell("echo hi >&2\necho '{\"n\": 1}'"));
        long before = System.currentTimeMillis();
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            ids.add(invoke("act", "blocking=true", "{}").json().path("activationId").asText());
        }
        JsonNode list = server.get(API + "/activations?name=act&limit=2", key).json();
        assertEquals(2, list.size());
        assertEquals(ids.get(2), list.get(0).path("activationId").asText(), "newest first");
        assertFalse(list.get(0).has("response"), "summaries have no response");
        assertEquals(0, list.get(0).path("statusCode").asInt());
        assertEquals(3, server.get(API + "/activations?name=act&count=true", key).json().path("activations").asInt());
        assertEquals(2, server.get(API + "/activations?name=act&skip=1", key).json().size());
        assertEquals(3, server.get(API + "/activations?name=act&since=" + before, key).json().size());
        assertEquals(0, server.get(API + "/activations?name=act&upto=" + (before - 1), key).json().size());
        JsonNode docs = server.get(API + "/activations?name=act&docs=true&limit=1", key).json();
        assertEquals("{\"n\":1}", docs.get(0).path("response").path("result").toString());
        Reply both = server.get(API + "/activations?count=true&docs=true", key);
        assertEquals(400, both.status());
        both.error();
        assertEquals(400, server.get(API + "/activations?limit=500", key).status());
        assertEquals(400, server.get(API + "/activations?since=yesterday", key).status());

        JsonNode a = server.get(API + "/activations/" + ids.get(0), key).json();
        assertEquals(ids.get(0), a.path("activationId").asText());
        assertTrue(server.get(API + "/activations/" + ids.get(0) + "/logs", key).json().path("logs").get(0).asText()
                .endsWith("stderr: hi"));
        assertEquals("{\"n\":1}", server.get(API + "/activations/" + ids.get(0) + "/result", key).json().path("result").toString());
        Reply bad = server.get(API + "/activations/not-an-id", key);
        assertEquals(400, bad.status());
        assertTrue(bad.error().startsWith("activationId:"));
        assertEquals(404, server.get(API + "/activations/" + "0".repeat(32), key).status());
    }

    @Test
    void http_unknownRoutesAndMethods_answerJson() {
        Reply unknown = server.get("/no/such/route", key);
        assertEquals(404, unknown.status());
        unknown.error();
        Reply unknownApi = server.get("/api/v1/namespaces/_/nothing", key);
        assertEquals(404, unknownApi.status());
        unknownApi.error();
        Reply method = server.send("PATCH", API + "/actions/x", "{}", key);
        assertTrue(method.status() == 404 || method.status() == 405, method.body());
        method.error();
    }

    @Test
    void health_metrics_andOpenApi() throws Exception {
        Reply health = server.get("/q/health", null);
        assertEquals(200, health.status(), health.body());
        assertEquals("UP", health.json().path("status").asText());
        created("metered", shell("echo '{}'"));
        invoke("metered", "blocking=true", "{}");
        String metrics = server.get("/q/metrics", null).body();
        assertTrue(metrics.contains("flint_invocations_total"), "invoker metrics are exported");
        assertTrue(metrics.contains("flint_pool_"), "pool metrics are exported");

        Reply openapi = server.send("GET", "/q/openapi", (String) null, null, null);
        assertEquals(200, openapi.status());
        Path doc = Path.of("..", "docs", "openapi.yaml");
        if (Boolean.getBoolean("flint.openapi.update")) {
            Files.writeString(doc, openapi.body());
        }
        assertTrue(Files.exists(doc), "docs/openapi.yaml is missing: run this test with -Dflint.openapi.update=true");
        assertEquals(Files.readString(doc), openapi.body(),
                "the served OpenAPI document drifted from docs/openapi.yaml: run this test with -Dflint.openapi.update=true");
        Predicate<String> has = openapi.body()::contains;
        assertTrue(has.test("/api/v1/namespaces/{ns}/actions/{name}"));
    }
}
