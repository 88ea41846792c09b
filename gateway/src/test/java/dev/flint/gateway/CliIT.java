package dev.flint.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.flint.cli.Flint;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code flint action|activation|namespace} verbs against the packaged server, as a user runs
 * them after {@code ./flint server}: deploy from files, invoke, read the records back, errors.
 */
class CliIT {
    @TempDir
    static Path tmp;

    private static ServerProcess server;

    /** What one command printed and returned. */
    record Result(int status, String out, String err) {}

    @BeforeAll
    static void start() throws Exception {
        server = ServerProcess.start("CliIT", Map.of());
    }

    @AfterAll
    static void stop() throws Exception {
        if (server != null) {
            server.close();
        }
    }

    private static Result flint(String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        int at = all.size() >= 2 ? 2 : all.size(); // options after the verb: flint action create --auth ... NAME
        all.addAll(at, List.of("--apihost", server.base(), "--auth", server.guestKey()));
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int status = Flint.run(new PrintWriter(out, true), new PrintWriter(err, true), all.toArray(String[]::new));
        return new Result(status, out.toString(), err.toString());
    }

    private static JsonNode json(Result r) throws IOException {
        assertEquals(0, r.status(), r.err());
        return ServerProcess.JSON.readTree(r.out());
    }

    @Test
    void deployInvokeAndReadBack_aPythonFunction() throws Exception {
        Path hello = Files.writeString(tmp.resolve("hello.py"),
                "def main(args):\n    print('greeting', args.get('name'))\n    return {'greeting': 'hello ' + args.get('name', 'you')}\n");
        Result created = flint("action", "create", "hello", hello.toString(), "-p", "name", "default");
        assertEquals(0, created.status(), created.err());
        assertEquals("created hello\n", created.out());

        JsonNode result = json(flint("action", "invoke", "hello", "-p", "name", "Flint", "--result"));
        assertEquals("hello Flint", result.get("greeting").asText());
        JsonNode withDefault = json(flint("action", "invoke", "hello", "--result"));
        assertEquals("hello default", withDefault.get("greeting").asText(), "the action's parameter under the payload");

        JsonNode record = json(flint("action", "invoke", "hello", "--blocking"));
        String id = record.get("activationId").asText();
        assertEquals("success", record.path("response").path("status").asText());
        Result logs = flint("activation", "logs", id);
        assertEquals(0, logs.status(), logs.err());
        assertTrue(logs.out().contains("stdout: greeting default"), logs.out());
        assertEquals("hello default", json(flint("activation", "result", id)).get("greeting").asText());
        Result list = flint("activation", "list", "hello");
        assertTrue(list.out().contains(id), list.out());

        Result actions = flint("action", "list");
        assertTrue(actions.out().contains("/guest/hello") && actions.out().contains("python:3"), actions.out());
        assertEquals("hello", json(flint("action", "get", "hello", "--no-code")).get("name").asText());
    }

    @Test
    void aNonBlockingInvoke_printsTheId_andTheRecordFollows() throws Exception {
        Path script = Files.writeString(tmp.resolve("echo.sh"), "read -r input\necho \"{\\\"in\\\": $input}\"\n");
        assertEquals(0, flint("action", "create", "echo", script.toString()).status());
        Result accepted = flint("action", "invoke", "echo", "-p", "n", "7");
        assertEquals(0, accepted.status(), accepted.err());
        String id = accepted.out().replaceAll("(?s).*with id (\\w+).*", "$1");
        assertEquals(32, id.length(), accepted.out());
        Result got = null;
        for (int i = 0; i < 100; i++) {
            got = flint("activation", "result", id);
            if (got.status() == 0) {
                break;
            }
            Thread.sleep(100);
        }
        assertEquals("{\"in\":{\"n\":7}}", json(got).toString());
    }

    @Test
    void errors_sayWhatToDo_andExitOne() throws Exception {
        Path boom = Files.writeString(tmp.resolve("boom.py"), "def main(args):\n    raise ValueError('bad input')\n");
        assertEquals(0, flint("action", "create", "boom", boom.toString()).status());

        Result again = flint("action", "create", "boom", boom.toString());
        assertEquals(1, again.status(), again.err());
        assertTrue(again.err().contains("409") && again.err().contains("use update"), again.err());

        Result failed = flint("action", "invoke", "boom", "--blocking");
        assertEquals(1, failed.status(), failed.out());
        assertTrue(failed.out().contains("ValueError: bad input"), failed.out());

        Result wskTimeout = flint("action", "update", "boom", "--timeout", "1000");
        assertEquals(1, wskTimeout.status(), wskTimeout.err());
        assertTrue(wskTimeout.err().contains("limits.timeout") && wskTimeout.err().contains("--timeout 1000ms"), wskTimeout.err());
        Result unitTimeout = flint("action", "update", "boom", "--timeout", "1000s");
        assertEquals(1, unitTimeout.status(), unitTimeout.err());
        assertTrue(unitTimeout.err().contains("limits.timeout") && !unitTimeout.err().contains("bare number"), unitTimeout.err());

        Result missing = flint("action", "get", "no-such-action");
        assertEquals(1, missing.status());
        assertTrue(missing.err().contains("404"), missing.err());

        Result badKey = flintWithKey("action", "list", "--auth", "00000000-0000-0000-0000-000000000000:nope");
        assertEquals(1, badKey.status());
        assertTrue(badKey.err().contains("401") && badKey.err().contains("--auth"), badKey.err());

        assertEquals(0, flint("action", "delete", "boom").status());
        assertEquals(1, flint("action", "get", "boom").status());
    }

    @Test
    void namespaceList_namesTheKeysNamespace() {
        Result r = flint("namespace", "list");
        assertEquals(0, r.status(), r.err());
        assertEquals("guest\n", r.out());
    }

    @Test
    void savedProperties_standInForApihostAndAuth_andPollShowsNewActivations() throws Exception {
        String home = System.getProperty("user.home");
        try {
            System.setProperty("user.home", tmp.resolve("home").toString());
            Result set = bare("property", "set", "--apihost", server.base(), "--auth", server.guestKey());
            assertEquals(0, set.status(), set.err());
            Result got = bare("property", "get");
            assertTrue(got.out().contains(server.base()) && got.out().contains(":***"), got.out());
            assertEquals("rw-------", java.nio.file.attribute.PosixFilePermissions.toString(
                    Files.getPosixFilePermissions(tmp.resolve("home/.flint/props"))));
            Result names = bare("namespace", "list");
            assertEquals("guest\n", names.out(), names.err());

            Path quick = Files.writeString(tmp.resolve("quick.py"), "def main(args):\n    print('polled')\n    return {}\n");
            assertEquals(0, bare("action", "create", "quick", quick.toString(), "--web", "true").status());
            java.util.concurrent.CompletableFuture<Result> poll = java.util.concurrent.CompletableFuture.supplyAsync(
                    () -> bare("activation", "poll", "quick", "--exit", "6", "--interval", "200"));
            Thread.sleep(1500);
            assertEquals(0, bare("action", "invoke", "quick", "--blocking").status());
            Result polled = poll.get(30, java.util.concurrent.TimeUnit.SECONDS);
            assertTrue(polled.out().contains("Activation: 'quick'") && polled.out().contains("stdout: polled"), polled.out());
            JsonNode web = json(bare("action", "get", "quick", "--no-code"));
            assertTrue(web.path("annotations").toString().contains("web-export"), web.toString());
        } finally {
            System.setProperty("user.home", home);
        }
    }

    /** The CLI with nothing added: what a user types after `flint property set`. */
    private static Result bare(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int status = Flint.run(new PrintWriter(out, true), new PrintWriter(err, true), args);
        return new Result(status, out.toString(), err.toString());
    }

    private static Result flintWithKey(String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(2, List.of("--apihost", server.base()));
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int status = Flint.run(new PrintWriter(out, true), new PrintWriter(err, true), all.toArray(String[]::new));
        return new Result(status, out.toString(), err.toString());
    }
}
