package dev.flint.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.flint.cli.Flint;
import dev.flint.gateway.ServerProcess.Reply;
import dev.flint.gateway.auth.Credentials;
import dev.flint.gateway.auth.Namespaces;
import dev.flint.gateway.state.KafkaStateStore;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Triggers and rules (OPENWHISK-API.md §5, §6) on the packaged server over real HTTP: firing
 * through active rules with the merged arguments, the trigger activation and its per-rule logs,
 * enable/disable/delete, 204 without an active rule, the 4xx cases, namespace isolation, and the
 * {@code flint trigger|rule} verbs.
 */
class TriggersIT {
    private static final String API = "/api/v1/namespaces/_";
    /** A shell action whose result is its arguments: {"in": ARGS}. */
    private static final String ECHO = "{\"exec\":{\"kind\":\"shell\",\"code\":\"read -r input\\necho \\\"{\\\\\\\"in\\\\\\\": $input}\\\"\\n\"}}";
    private static ServerProcess server;
    private static String key;

    @BeforeAll
    static void start() throws Exception {
        server = ServerProcess.start("TriggersIT", Map.of());
        key = server.guestKey();
    }

    @AfterAll
    static void stop() throws Exception {
        if (server != null) {
            server.close();
        }
    }

    private static Reply send(String method, String path, String body) {
        return server.send(method, API + path, body, key);
    }

    private static JsonNode ok(Reply r) {
        assertEquals(200, r.status(), r.body());
        return r.json();
    }

    private static void action(String name) {
        ok(send("PUT", "/actions/" + name, ECHO));
    }

    private static JsonNode trigger(String name, String body) {
        return ok(send("PUT", "/triggers/" + name, body));
    }

    private static JsonNode rule(String name, String trigger, String action) {
        return ok(send("PUT", "/rules/" + name, "{\"trigger\":\"" + trigger + "\",\"action\":\"" + action + "\"}"));
    }

    private static void setStatus(String rule, String status) {
        Reply r = send("POST", "/rules/" + rule, "{\"status\":\"" + status + "\"}");
        assertEquals(200, r.status(), r.body());
        assertEquals("OK", r.body());
    }

    /** Fires and answers the trigger activation's id (202). */
    private static String fire(String trigger, String payload) {
        Reply r = send("POST", "/triggers/" + trigger, payload);
        assertEquals(202, r.status(), r.body());
        String id = r.json().path("activationId").asText();
        assertTrue(id.matches("[0-9a-f]{32}"), r.body());
        assertEquals(id, r.header("x-openwhisk-activation-id"));
        return id;
    }

    private static JsonNode awaitActivation(String id) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (System.nanoTime() < deadline) {
            Reply r = server.get(API + "/activations/" + id, key);
            if (r.status() == 200) {
                return r.json();
            }
            assertEquals(404, r.status(), r.body());
            Thread.sleep(100);
        }
        throw new AssertionError("activation " + id + " was not recorded within 60 s");
    }

    /** The action's activations (full records), once there are at least {@code n}. */
    private static JsonNode awaitActivationsOf(String action, int n) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        JsonNode list = null;
        while (System.nanoTime() < deadline) {
            list = ok(server.get(API + "/activations?docs=true&name=" + action, key));
            if (list.size() >= n) {
                return list;
            }
            Thread.sleep(100);
        }
        throw new AssertionError(action + " has not " + n + " activations within 60 s: " + list);
    }

    /** The trigger activation's log lines, parsed, by rule. */
    private static Map<String, JsonNode> logsByRule(JsonNode activation) throws Exception {
        Map<String, JsonNode> byRule = new HashMap<>();
        for (JsonNode line : activation.path("logs")) {
            JsonNode l = ServerProcess.JSON.readTree(line.asText());
            byRule.put(l.path("rule").asText(), l);
        }
        return byRule;
    }

    @Test
    void fire_invokesEachActiveRulesAction_withMergedArgs_andRecordsTheTriggerActivation() throws Exception {
        action("fire-a1");
        action("fire-a2");
        JsonNode t = trigger("fire-t", "{\"parameters\":[{\"key\":\"from\",\"value\":\"trigger\"},{\"key\":\"over\",\"value\":\"trigger\"}]}");
        assertEquals("guest", t.path("namespace").asText());
        assertEquals("0.0.1", t.path("version").asText());
        assertEquals("{}", t.path("limits").toString());
        assertFalse(t.has("rules"), "no rules yet: " + t);
        JsonNode r1 = rule("fire-r1", "/_/fire-t", "/_/fire-a1");
        assertEquals("active", r1.path("status").asText());
        assertEquals("{\"path\":\"guest\",\"name\":\"fire-t\"}", r1.path("trigger").toString());
        assertEquals("{\"path\":\"guest\",\"name\":\"fire-a1\"}", r1.path("action").toString());
        assertEquals("0.0.1", r1.path("version").asText());
        rule("fire-r2", "/guest/fire-t", "/guest/fire-a2");
        JsonNode rules = ok(send("GET", "/triggers/fire-t", null)).path("rules");
        assertEquals("{\"action\":{\"path\":\"guest\",\"name\":\"fire-a1\"},\"status\":\"active\"}", rules.path("guest/fire-r1").toString());
        assertEquals("active", rules.path("guest/fire-r2").path("status").asText());

        String id = fire("fire-t", "{\"over\":\"payload\",\"n\":1}");
        JsonNode record = awaitActivation(id);
        assertEquals("fire-t", record.path("name").asText());
        assertEquals("guest", record.path("namespace").asText());
        assertEquals("{\"over\":\"payload\",\"n\":1}", record.path("response").path("result").toString());
        assertTrue(record.path("response").path("success").asBoolean());
        assertFalse(record.has("end") || record.has("duration"), "a trigger activation has no end: " + record);
        assertEquals(2, record.path("logs").size(), record.toString());
        Map<String, JsonNode> logs = logsByRule(record);
        for (String n : List.of("1", "2")) {
            JsonNode l = logs.get("guest/fire-r" + n);
            assertNotNull(l, record.toString());
            assertEquals(0, l.path("statusCode").asInt());
            assertTrue(l.path("success").asBoolean());
            assertEquals("guest/fire-a" + n, l.path("action").asText());
            JsonNode run = awaitActivation(l.path("activationId").asText());
            assertEquals("fire-a" + n, run.path("name").asText());
            assertFalse(run.has("cause"));
            JsonNode args = run.path("response").path("result").path("in");
            assertEquals("trigger", args.path("from").asText(), "trigger parameters under the payload: " + args);
            assertEquals("payload", args.path("over").asText(), "the payload wins: " + args);
            assertEquals(1, args.path("n").asInt());
            assertTrue(args.path("__ow_headers").path("content-type").asText().startsWith("application/json"), args.toString());
            assertFalse(args.path("__ow_headers").has("authorization"), "the key is not handed to the action");
        }
        assertEquals(1, awaitActivationsOf("fire-a1", 1).size());
        assertEquals(1, ok(server.get(API + "/activations?name=fire-t&count=true", key)).path("activations").asInt());
        assertEquals(0, ok(server.get(API + "/activations?name=fire-t", key)).get(0).path("statusCode").asInt());

        // disable one rule: only the other's action runs, and the log says why
        setStatus("fire-r2", "inactive");
        setStatus("fire-r2", "inactive"); // already so: still 200
        assertEquals("inactive", ok(send("GET", "/rules/fire-r2", null)).path("status").asText());
        assertEquals("inactive", ok(send("GET", "/triggers/fire-t", null)).path("rules").path("guest/fire-r2").path("status").asText());
        JsonNode second = awaitActivation(fire("fire-t", "{}"));
        Map<String, JsonNode> secondLogs = logsByRule(second);
        assertEquals(0, secondLogs.get("guest/fire-r1").path("statusCode").asInt());
        assertEquals("{\"statusCode\":1,\"success\":false,\"error\":\"Rule 'guest/fire-r2' is inactive, action 'guest/fire-a2' was"
                + " not activated.\",\"rule\":\"guest/fire-r2\",\"action\":\"guest/fire-a2\"}", secondLogs.get("guest/fire-r2").toString());
        awaitActivation(secondLogs.get("guest/fire-r1").path("activationId").asText());
        assertEquals(2, awaitActivationsOf("fire-a1", 2).size());
        assertEquals(1, ok(server.get(API + "/activations?name=fire-a2&count=true", key)).path("activations").asInt(),
                "the disabled rule's action did not run");

        // delete the active rule: no active rule is left, so a fire is a 204 and records nothing
        JsonNode deleted = ok(send("DELETE", "/rules/fire-r1", null));
        assertEquals("inactive", deleted.path("status").asText());
        assertEquals("fire-r1", deleted.path("name").asText());
        assertFalse(ok(send("GET", "/triggers/fire-t", null)).path("rules").has("guest/fire-r1"));
        assertEquals(404, send("GET", "/rules/fire-r1", null).status());
        Reply none = send("POST", "/triggers/fire-t", "{}");
        assertEquals(204, none.status(), none.body());
        assertEquals("", none.body());
        assertEquals(2, ok(server.get(API + "/activations?name=fire-t&count=true", key)).path("activations").asInt());

        // enable again: it fires again
        setStatus("fire-r2", "active");
        JsonNode third = awaitActivation(fire("fire-t", "{\"n\":3}"));
        assertEquals(1, third.path("logs").size());
        assertEquals(3, awaitActivationsOf("fire-a2", 2).get(0).path("response").path("result").path("in").path("n").asInt());
    }

    @Test
    void fire_aRuleWhoseActionIsGone_isLoggedAsAnError() throws Exception {
        action("gone-a");
        trigger("gone-t", "{}");
        rule("gone-r", "/_/gone-t", "/_/gone-a");
        ok(send("DELETE", "/actions/gone-a", null));
        JsonNode record = awaitActivation(fire("gone-t", "{}"));
        JsonNode log = logsByRule(record).get("guest/gone-r");
        assertEquals(1, log.path("statusCode").asInt());
        assertFalse(log.path("success").asBoolean());
        assertEquals("The requested resource does not exist.", log.path("error").asText());
        assertFalse(log.has("activationId"));
    }

    @Test
    void triggers_createGetUpdateListDelete_andTheirErrors() {
        trigger("crud-t", "{\"parameters\":[{\"key\":\"p\",\"value\":1}],\"annotations\":[{\"key\":\"a\",\"value\":\"x\"}]}");
        Reply again = send("PUT", "/triggers/crud-t", "{}");
        assertEquals(409, again.status());
        assertEquals("resource already exists", again.error());
        JsonNode updated = ok(send("PUT", "/triggers/crud-t?overwrite=true", "{\"annotations\":[{\"key\":\"b\",\"value\":2}]}"));
        assertEquals("0.0.2", updated.path("version").asText());
        assertEquals("[{\"key\":\"p\",\"value\":1}]", updated.path("parameters").toString(), "parameters kept");
        assertEquals("[{\"key\":\"b\",\"value\":2}]", updated.path("annotations").toString(), "annotations replaced, as OpenWhisk");
        trigger("crud-t2", "{}");
        JsonNode list = ok(send("GET", "/triggers?limit=2", null));
        assertEquals(2, list.size());
        assertEquals("crud-t2", list.get(0).path("name").asText(), "newest first");
        assertFalse(list.get(0).has("parameters"), "summaries have no parameters");
        long count = ok(send("GET", "/triggers?count=true", null)).path("triggers").asLong();
        assertTrue(count >= 2);
        assertEquals(count - 1, ok(send("GET", "/triggers?skip=1&limit=0", null)).size());
        assertTrue(send("GET", "/triggers?limit=201", null).error().startsWith("limit:"));

        Map<String, String> bad = new java.util.LinkedHashMap<>();
        bad.put("{\"parameters\":{\"a\":1}}", "parameters");
        bad.put("{\"annotations\":[1]}", "annotations[0]");
        bad.put("{\"limits\":5}", "limits");
        bad.put("{\"version\":\"one\"}", "version");
        bad.put("{\"publish\":\"yes\"}", "publish");
        bad.put("{\"annotations\":[{\"key\":\"feed\",\"value\":\"/a/b/c/d\"}]}", "annotations.feed");
        bad.put("[1]", "body");
        bad.put("{\"x\":", "body");
        for (Map.Entry<String, String> c : bad.entrySet()) {
            Reply r = send("PUT", "/triggers/crud-bad", c.getKey());
            assertEquals(400, r.status(), c.getKey() + " -> " + r.body());
            assertTrue(r.error().startsWith(c.getValue() + ":"), c.getKey() + " should name " + c.getValue() + ": " + r.body());
        }
        assertEquals(404, send("GET", "/triggers/crud-bad", null).status(), "nothing was created");
        assertTrue(send("PUT", "/triggers/-dash", "{}").error().startsWith("name:"));
        assertEquals(415, server.send("PUT", API + "/triggers/crud-x", "{}", key, "text/plain").status());

        Reply notObject = send("POST", "/triggers/crud-t", "[1]");
        assertEquals(400, notObject.status());
        assertTrue(notObject.error().startsWith("payload:"), notObject.body());
        byte[] big = ("{\"x\":\"" + "a".repeat(1_100_000) + "\"}").getBytes(java.nio.charset.StandardCharsets.UTF_8);
        Reply tooBig = server.send("POST", API + "/triggers/crud-t", big, key, "application/json");
        assertEquals(413, tooBig.status());
        assertTrue(tooBig.error().startsWith("payload:"), tooBig.body());
        Reply missing = send("POST", "/triggers/no-such-trigger", "{}");
        assertEquals(404, missing.status());
        assertEquals("The requested resource does not exist.", missing.error());
        assertEquals(404, send("GET", "/triggers/no-such-trigger", null).status());

        JsonNode deleted = ok(send("DELETE", "/triggers/crud-t", null));
        assertEquals("crud-t", deleted.path("name").asText());
        assertEquals(404, send("GET", "/triggers/crud-t", null).status());
        assertEquals(404, send("DELETE", "/triggers/crud-t", null).status());
    }

    @Test
    void rules_validationConflictsAndStatus_asOpenWhiskDoes() {
        action("val-a");
        trigger("val-t", "{}");
        trigger("val-t2", "{}");
        Reply noTrigger = send("PUT", "/rules/val-r", "{\"trigger\":\"/_/nope\",\"action\":\"/_/val-a\"}");
        assertEquals(400, noTrigger.status());
        assertEquals("trigger /guest/nope does not exist", noTrigger.error());
        Reply noAction = send("PUT", "/rules/val-r", "{\"trigger\":\"/_/val-t\",\"action\":\"/_/nope\"}");
        assertEquals(400, noAction.status());
        assertEquals("action /guest/nope does not exist", noAction.error());
        assertTrue(send("PUT", "/rules/val-r", "{\"trigger\":\"/_/val-t\"}").error().startsWith("action:"));
        assertTrue(send("PUT", "/rules/val-r", "{\"trigger\":\"/_/val-t\",\"action\":\"/_/pkg/a\"}").error().startsWith("action:"));
        assertTrue(send("PUT", "/rules/val-r", "{\"trigger\":5,\"action\":\"/_/val-a\"}").error().startsWith("trigger:"));
        assertEquals(404, send("GET", "/rules/val-r", null).status(), "nothing was created");
        assertFalse(ok(send("GET", "/triggers/val-t", null)).has("rules"), "nor linked");

        rule("val-r", "/_/val-t", "/_/val-a");
        Reply again = send("PUT", "/rules/val-r", "{\"trigger\":\"/_/val-t\",\"action\":\"/_/val-a\"}");
        assertEquals(409, again.status());
        assertEquals("resource already exists", again.error());
        Reply paused = send("POST", "/rules/val-r", "{\"status\":\"paused\"}");
        assertEquals(400, paused.status());
        assertTrue(paused.error().startsWith("status:"), paused.body());
        assertEquals(404, send("POST", "/rules/no-such-rule", "{\"status\":\"active\"}").status());

        // an update that moves the rule to another trigger keeps its status and moves the link
        setStatus("val-r", "inactive");
        JsonNode moved = ok(send("PUT", "/rules/val-r?overwrite=true", "{\"trigger\":\"/_/val-t2\"}"));
        assertEquals("0.0.2", moved.path("version").asText());
        assertEquals("inactive", moved.path("status").asText());
        assertEquals("val-a", moved.path("action").path("name").asText(), "the action kept");
        assertFalse(ok(send("GET", "/triggers/val-t", null)).path("rules").has("guest/val-r"));
        assertEquals("inactive", ok(send("GET", "/triggers/val-t2", null)).path("rules").path("guest/val-r").path("status").asText());

        JsonNode list = ok(send("GET", "/rules", null));
        JsonNode listed = null;
        for (JsonNode r : list) {
            assertFalse(r.has("status"), "a rule list has no status: " + r);
            if (r.path("name").asText().equals("val-r")) {
                listed = r;
            }
        }
        assertNotNull(listed, list.toString());
        assertEquals("{\"path\":\"guest\",\"name\":\"val-t2\"}", listed.path("trigger").toString());
        assertTrue(ok(send("GET", "/rules?count=true", null)).path("rules").asInt() >= 1);

        // the trigger goes: the rule stays, inactive, and cannot be enabled
        setStatus("val-r", "active");
        ok(send("DELETE", "/triggers/val-t2", null));
        assertEquals("inactive", ok(send("GET", "/rules/val-r", null)).path("status").asText());
        Reply orphan = send("POST", "/rules/val-r", "{\"status\":\"active\"}");
        assertEquals(404, orphan.status());
        assertEquals("Only rules with existing triggers can be activated", orphan.error());
        assertEquals("inactive", ok(send("DELETE", "/rules/val-r", null)).path("status").asText());

        JsonNode ns = ok(send("GET", "", null));
        assertTrue(ns.path("triggers").toString().contains("\"val-t\""), ns.toString());
        assertTrue(ns.path("actions").toString().contains("\"val-a\""), ns.toString());
        assertTrue(ns.path("rules").isArray());
    }

    @Test
    void namespaces_areIsolated_aKeyNeverSeesOrFiresAnothersTriggersOrRules() throws Exception {
        Credentials other;
        try (KafkaStateStore state = KafkaStateStore.open("127.0.0.1:" + server.kafkaPort, "flint", Duration.ofSeconds(10))) {
            other = Namespaces.create(state, "other");
        }
        String otherKey = other.toString();
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (server.get("/api/v1/namespaces", otherKey).status() != 200 && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        action("iso-a");
        trigger("iso-t", "{}");
        rule("iso-r", "/_/iso-t", "/_/iso-a");
        assertEquals(404, server.get(API + "/triggers/iso-t", otherKey).status());
        assertEquals(404, server.send("POST", API + "/triggers/iso-t", "{}", otherKey).status());
        assertEquals(404, server.get(API + "/rules/iso-r", otherKey).status());
        assertEquals(404, server.send("POST", API + "/rules/iso-r", "{\"status\":\"inactive\"}", otherKey).status());
        assertEquals(404, server.send("DELETE", API + "/rules/iso-r", null, otherKey).status());
        assertEquals(403, server.get("/api/v1/namespaces/guest/triggers", otherKey).status());
        assertEquals(403, server.get("/api/v1/namespaces/guest/rules", otherKey).status());
        assertEquals(0, server.get(API + "/triggers?count=true", otherKey).json().path("triggers").asInt());
        assertEquals(0, server.get(API + "/rules?count=true", otherKey).json().path("rules").asInt());
        assertEquals("[]", server.get("/api/v1/namespaces/_", otherKey).json().path("triggers").toString());

        // a rule of the other namespace may not name guest's trigger or action
        assertEquals(200, server.send("PUT", API + "/triggers/iso-t", "{}", otherKey).status(), "same name, another namespace");
        Reply foreignAction = server.send("PUT", API + "/rules/iso-r", "{\"trigger\":\"/_/iso-t\",\"action\":\"/guest/iso-a\"}", otherKey);
        assertEquals(403, foreignAction.status(), foreignAction.body());
        Reply foreignTrigger = server.send("PUT", API + "/rules/iso-r", "{\"trigger\":\"/guest/iso-t\",\"action\":\"/_/iso-a\"}", otherKey);
        assertEquals(403, foreignTrigger.status(), foreignTrigger.body());
        Reply otherFire = server.send("POST", API + "/triggers/iso-t", "{}", otherKey);
        assertEquals(204, otherFire.status(), "the other namespace's trigger has no rules");
        assertEquals("active", ok(send("GET", "/rules/iso-r", null)).path("status").asText(), "guest's rule untouched");
    }

    /** What one CLI command printed and returned. */
    private record Cli(int status, String out, String err) {}

    private static Cli flint(String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(2, List.of("--apihost", server.base(), "--auth", key));
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int status = Flint.run(new PrintWriter(out, true), new PrintWriter(err, true), all.toArray(String[]::new));
        return new Cli(status, out.toString(), err.toString());
    }

    private static Cli flintOk(String... args) {
        Cli r = flint(args);
        assertEquals(0, r.status(), String.join(" ", args) + ": " + r.err());
        return r;
    }

    @Test
    void cli_triggerAndRuleVerbs() throws Exception {
        action("cli-a");
        assertEquals("created cli-t\n", flintOk("trigger", "create", "cli-t", "-p", "who", "trigger", "-p", "n", "1").out());
        assertEquals("updated cli-t\n", flintOk("trigger", "update", "cli-t", "-a", "note", "x").out());
        JsonNode t = ServerProcess.JSON.readTree(flintOk("trigger", "get", "cli-t").out());
        assertEquals("0.0.2", t.path("version").asText());
        assertEquals("[{\"key\":\"who\",\"value\":\"trigger\"},{\"key\":\"n\",\"value\":1}]", t.path("parameters").toString());
        assertTrue(flintOk("trigger", "list").out().contains("/guest/cli-t"));

        Cli created = flintOk("rule", "create", "cli-r", "cli-t", "cli-a");
        assertTrue(created.out().startsWith("created cli-r"), created.out());
        assertEquals("active", ServerProcess.JSON.readTree(flintOk("rule", "get", "cli-r").out()).path("status").asText());
        assertTrue(flintOk("rule", "list").out().contains("/guest/cli-r"), "listed");
        assertTrue(flintOk("rule", "list").out().contains("/guest/cli-t -> /guest/cli-a"));

        Cli fired = flintOk("trigger", "fire", "cli-t", "-p", "n", "2");
        String id = fired.out().replaceAll("(?s).*with id (\\w+).*", "$1");
        assertEquals(32, id.length(), fired.out());
        JsonNode record = awaitActivation(id);
        String ruleActivation = ServerProcess.JSON.readTree(record.path("logs").get(0).asText()).path("activationId").asText();
        JsonNode args = awaitActivation(ruleActivation).path("response").path("result").path("in");
        assertEquals("trigger", args.path("who").asText());
        assertEquals(2, args.path("n").asInt(), "the fire's parameter wins");
        assertTrue(flintOk("activation", "logs", id).out().contains("\"rule\":\"guest/cli-r\""));

        assertEquals("ok: cli-r is inactive\n", flintOk("rule", "disable", "cli-r").out());
        assertEquals("inactive", ServerProcess.JSON.readTree(flintOk("rule", "get", "cli-r").out()).path("status").asText());
        assertTrue(flintOk("trigger", "fire", "cli-t").out().contains("no active rule"));
        assertEquals("ok: cli-r is active\n", flintOk("rule", "enable", "cli-r").out());

        Cli conflict = flint("rule", "create", "cli-r", "cli-t", "cli-a");
        assertEquals(1, conflict.status());
        assertTrue(conflict.err().contains("409"), conflict.err());
        Cli noTrigger = flint("rule", "create", "cli-r2", "nope", "cli-a");
        assertEquals(1, noTrigger.status());
        assertTrue(noTrigger.err().contains("trigger /guest/nope does not exist"), noTrigger.err());

        assertEquals("deleted cli-r\n", flintOk("rule", "delete", "cli-r").out());
        assertEquals("deleted cli-t\n", flintOk("trigger", "delete", "cli-t").out());
        Cli gone = flint("trigger", "fire", "cli-t");
        assertEquals(1, gone.status());
        assertTrue(gone.err().contains("404"), gone.err());
        assertEquals(1, flint("rule", "get", "cli-r").status());
    }
}
