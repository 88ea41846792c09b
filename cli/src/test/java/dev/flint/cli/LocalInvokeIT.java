package dev.flint.cli;

import static dev.flint.cli.ImageCliIT.flint;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code flint local invoke} end to end: function files through a local invoker in real
 * sandboxes, on the base images function-images' tests built (flint.it.base-store).
 */
class LocalInvokeIT {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path tmp;
    private static String store;

    @BeforeAll
    static void needsRoot() throws IOException {
        assumeTrue((Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid") == 0, "needs root");
        store = System.getProperty("flint.it.base-store", "target/it-store");
    }

    private static ImageCliIT.Result invoke(String... args) {
        String[] all = new String[args.length + 6];
        all[0] = "local";
        all[1] = "invoke";
        all[2] = "--store";
        all[3] = store;
        all[4] = "--state-dir";
        all[5] = tmp.resolve("state").toString();
        System.arraycopy(args, 0, all, 6, args.length);
        return flint(all);
    }

    @Test
    void aPythonFile_printsItsResult_andItsLogsOnStderr() throws IOException {
        Path f = Files.writeString(tmp.resolve("hello.py"),
                "def main(args):\n    print('computing')\n    return {'greeting': 'hello ' + args['name'], 'n': args['n']}\n");
        ImageCliIT.Result r = invoke(f.toString(), "-p", "name", "Flint", "-p", "n", "3");
        assertEquals(0, r.status(), r.err());
        JsonNode result = JSON.readTree(r.out());
        assertEquals("hello Flint", result.get("greeting").asText());
        assertEquals(3, result.get("n").asInt(), "a parameter that parses as JSON is JSON");
        assertTrue(r.err().matches("(?s)\\S+Z stdout: computing\n.*"), r.err());
    }

    @Test
    void aShellScript_withJson_printsTheWholeRecord() throws IOException {
        Path f = Files.writeString(tmp.resolve("echo.sh"), "read -r input\necho \"{\\\"echo\\\": $input}\"\n");
        ImageCliIT.Result r = invoke("--json", f.toString(), "-p", "word", "hi");
        assertEquals(0, r.status(), r.err());
        JsonNode record = JSON.readTree(r.out());
        assertEquals("success", record.get("status").asText());
        assertEquals("{\"echo\":{\"word\":\"hi\"}}", record.get("result").toString());
        assertEquals("cold", record.get("startKind").asText());
        assertEquals(32, record.get("activationId").asText().length());
    }

    @Test
    void aFailingFunction_exitsOne_andSaysWhy() throws IOException {
        Path f = Files.writeString(tmp.resolve("boom.py"), "def main(args):\n    raise RuntimeError('boom')\n");
        ImageCliIT.Result r = invoke(f.toString());
        assertEquals(1, r.status(), r.out() + r.err());
        assertTrue(r.out().contains("RuntimeError: boom"), r.out());
        assertTrue(r.err().contains("flint: application error"), r.err());
    }

    @Test
    void aMissingFile_isAClearUsageError() {
        ImageCliIT.Result r = invoke(tmp.resolve("nope.py").toString());
        assertEquals(2, r.status(), r.err());
        assertTrue(r.err().contains("no such file"), r.err());
    }
}
