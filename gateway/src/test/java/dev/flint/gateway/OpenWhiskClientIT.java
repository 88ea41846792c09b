package dev.flint.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * OpenWhisk's own JavaScript client (npm {@code openwhisk} 3.21.9) against the packaged server:
 * actions create/get/list/invoke/update/delete, activations list/get/logs/result, namespaces, triggers
 * create/get/invoke/delete, rules create/enable/disable/get/list/delete, and the errors it throws (a
 * failing action, a missing one, a conflict, a rule on a missing trigger). Skipped only when npm is absent
 * ({@code bin/setup-host test} installs it).
 */
class OpenWhiskClientIT {
    private static final String CLIENT = "openwhisk@3.21.9";

    @Test
    void openWhiskNpmClient_worksUnchanged() throws Exception {
        Assumptions.assumeTrue(onPath("npm") && onPath("node"), "npm and node are not installed (bin/setup-host test)");
        Path prefix = Path.of("target", "npm-openwhisk").toAbsolutePath();
        if (!Files.exists(prefix.resolve("node_modules/openwhisk/package.json"))) {
            Files.createDirectories(prefix);
            Result install = run(List.of("npm", "install", "--prefix", prefix.toString(), "--no-audit", "--no-fund", CLIENT),
                    Map.of(), 300);
            assertEquals(0, install.code(), "npm install " + CLIENT + " failed:\n" + install.out());
        }
        Path script = prefix.resolve("openwhisk-client-check.js");
        try (InputStream in = OpenWhiskClientIT.class.getResourceAsStream("/openwhisk-client-check.js")) {
            Files.write(script, in.readAllBytes());
        }
        try (ServerProcess server = ServerProcess.start("OpenWhiskClientIT", Map.of())) {
            Result r = run(List.of("node", script.toString()), Map.of("OW_APIHOST", server.base(), "OW_AUTH", server.guestKey(),
                    "NODE_PATH", prefix.resolve("node_modules").toString()), 300);
            assertEquals(0, r.code(), "the client script failed:\n" + r.out() + "\nserver log:\n" + server.logTail());
            String[] lines = r.out().trim().split("\n");
            JsonNode s = ServerProcess.JSON.readTree(lines[lines.length - 1]);
            assertEquals("0.0.1", s.path("createdVersion").asText());
            assertEquals("python:3", s.path("createdKind").asText());
            assertTrue(s.path("gotSameCode").asBoolean());
            assertTrue(s.path("listed").toString().contains("\"ow-hello\""), s.toString());
            assertEquals("{\"greeting\":\"hello npm\"}", s.path("result").toString());
            assertEquals("success", s.path("activationStatus").asText());
            assertEquals("{\"greeting\":\"hello full\"}", s.path("activationResult").toString());
            assertEquals("0.0.2", s.path("updatedVersion").asText());
            assertEquals("{\"greeting\":\"hi npm\"}", s.path("afterUpdate").toString());
            assertEquals("{\"greeting\":\"hi async\"}", s.path("polledResult").toString());
            assertTrue(s.path("logs").get(0).asText().endsWith("stdout: log from python"), s.path("logs").toString());
            assertEquals("{\"greeting\":\"hello full\"}", s.path("activationResultCall").path("result").toString());
            assertTrue(s.path("activationsListed").toString().contains(s.path("activationId").asText()), s.toString());
            assertEquals("[\"guest\"]", s.path("namespaces").toString());
            assertEquals(502, s.path("failure").path("statusCode").asInt(), s.toString());
            assertTrue(s.path("failure").path("message").asText().contains("broken on purpose"), s.toString());
            assertEquals(404, s.path("missing").path("statusCode").asInt(), s.toString());
            assertTrue(s.path("missing").path("message").asText().contains("The requested resource does not exist."), s.toString());
            assertEquals(409, s.path("conflict").path("statusCode").asInt(), s.toString());
            assertEquals("{\"name\":\"ow-trigger\",\"version\":\"0.0.1\",\"parameters\":[{\"key\":\"from\",\"value\":\"trigger\"}]}",
                    s.path("triggerCreated").toString());
            assertEquals("{\"status\":\"active\",\"trigger\":{\"path\":\"guest\",\"name\":\"ow-trigger\"},"
                    + "\"action\":{\"path\":\"guest\",\"name\":\"ow-echo\"}}", s.path("ruleCreated").toString());
            assertEquals("active", s.path("triggerRules").path("guest/ow-rule").path("status").asText(), s.toString());
            assertEquals("ow-trigger", s.path("triggerActivationName").asText());
            assertEquals("guest/ow-rule", s.path("ruleLog").path("rule").asText(), s.toString());
            assertTrue(s.path("ruleLog").path("success").asBoolean(), s.toString());
            assertEquals("{\"n\":5,\"from\":\"trigger\"}", s.path("firedResult").toString());
            assertEquals("OK", s.path("disabled").asText());
            assertEquals("inactive", s.path("statusAfterDisable").asText());
            assertEquals("nothing", s.path("fireWithoutActiveRule").asText(), "204 without an active rule");
            assertEquals("OK", s.path("enabled").asText());
            assertEquals("active", s.path("statusAfterEnable").asText());
            assertEquals("[{\"name\":\"ow-rule\",\"hasStatus\":false}]", s.path("rulesListed").toString());
            assertEquals(400, s.path("ruleMissingTrigger").path("statusCode").asInt(), s.toString());
            assertTrue(s.path("ruleMissingTrigger").path("message").asText().contains("trigger /guest/ow-nothing does not exist"),
                    s.toString());
            assertEquals("inactive", s.path("ruleDeletedStatus").asText());
            assertEquals("ow-trigger", s.path("triggerDeleted").asText());
            assertEquals("ow-hello", s.path("deleted").asText());
            assertTrue(!s.path("listAfterDelete").toString().contains("ow-hello"), s.toString());
        }
    }

    private record Result(int code, String out) {
    }

    private static Result run(List<String> cmd, Map<String, String> env, int timeoutSeconds) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().putAll(env);
        Process p = pb.start();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            p.destroyForcibly().waitFor();
            return new Result(-1, new String(out, StandardCharsets.UTF_8) + "\n(timed out)");
        }
        return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8));
    }

    private static boolean onPath(String tool) {
        try {
            Process p = new ProcessBuilder(tool, "--version").redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            return p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException | InterruptedException e) {
            return false;
        }
    }
}
