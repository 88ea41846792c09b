package dev.flint.gateway.actions;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.flint.gateway.GatewayConfig;
import dev.flint.gateway.api.ApiException;
import dev.flint.images.ImageRef;
import dev.flint.invoker.Kind;
import java.util.List;
import org.junit.jupiter.api.Test;

class ActionModelTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** The defaults of GatewayConfig.Limits. */
    private static final GatewayConfig.Limits BOUNDS = new GatewayConfig.Limits() {
        public long timeoutMin() { return 100; }
        public long timeoutMax() { return 300_000; }
        public long memoryMin() { return 128; }
        public long memoryMax() { return 512; }
        public long logsMin() { return 0; }
        public long logsMax() { return 10; }
        public int concurrencyMax() { return 100; }
        public long codeMax() { return 1000; }
        public long payloadMax() { return 1 << 20; }
        public long recordMax() { return 7_000_000; }
    };

    private static JsonNode json(String text) throws Exception {
        return JSON.readTree(text);
    }

    private static String fieldOf(Runnable r) {
        ApiException e = assertThrows(ApiException.class, r::run);
        return e.getMessage().substring(0, e.getMessage().indexOf(':'));
    }

    @Test
    void limits_merge_keepsWhatIsNotGiven_andNamesTheFieldOutOfRange() throws Exception {
        ActionLimits l = ActionLimits.defaults().merge(json("{\"memory\": 128}"), BOUNDS);
        assertEquals(new ActionLimits(60_000, 128, 10, 1), l);
        assertEquals(l, l.merge(null, BOUNDS));
        assertEquals("limits.timeout", fieldOf(() -> l.merge(jsonQuiet("{\"timeout\": 99}"), BOUNDS)));
        assertEquals("limits.memory", fieldOf(() -> l.merge(jsonQuiet("{\"memory\": 513}"), BOUNDS)));
        assertEquals("limits.logs", fieldOf(() -> l.merge(jsonQuiet("{\"logs\": -1}"), BOUNDS)));
        assertEquals("limits.concurrency", fieldOf(() -> l.merge(jsonQuiet("{\"concurrency\": 101}"), BOUNDS)));
        assertEquals("limits.timeout", fieldOf(() -> l.merge(jsonQuiet("{\"timeout\": 1.5}"), BOUNDS)));
        assertEquals(128L << 20, l.toInvoker().memoryBytes());
        assertEquals(10L << 20, l.toInvoker().logBytes());
    }

    private static JsonNode jsonQuiet(String text) {
        try {
            return JSON.readTree(text);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void exec_kinds_resolveDefaultAndKeepOpenWhisksVersionedNames() throws Exception {
        assertEquals("python:3", ExecSpec.parse(json("{\"kind\":\"python:default\",\"code\":\"def main(a): return a\"}"), 1000).kindName());
        ExecSpec v = ExecSpec.parse(json("{\"kind\":\"python:3.11\",\"code\":\"def main(a): return a\"}"), 1000);
        assertEquals("python:3.11", v.kindName());
        assertEquals(Kind.PYTHON, v.kind());
        assertEquals("exec.kind", fieldOf(() -> ExecSpec.parse(jsonQuiet("{\"kind\":\"nodejs:20\",\"code\":\"x\"}"), 1000)));
        assertEquals("exec.image", fieldOf(() -> ExecSpec.parse(jsonQuiet("{\"kind\":\"blackbox\"}"), 1000)));
        ApiException big = assertThrows(ApiException.class,
                () -> ExecSpec.parse(jsonQuiet("{\"kind\":\"shell\",\"code\":\"" + "e".repeat(1001) + "\"}"), 1000));
        assertEquals(413, big.status());
    }

    @Test
    void exec_binary_followsOpenWhisksBase64Test() {
        assertTrue(ExecSpec.isBase64("UEsDBAo="));
        assertTrue(ExecSpec.isBase64("pass"), "as in OpenWhisk, text that looks like base64 is taken as base64");
        assertFalse(ExecSpec.isBase64("def main(args):\n    return args\n"));
        assertFalse(ExecSpec.isBase64("abc"));
    }

    @Test
    void request_versionAndLists_areValidated_andBumpAddsOneToThePatch() {
        assertEquals("0.0.2", ActionRequest.bump("0.0.1"));
        assertEquals("1.2.10", ActionRequest.bump("1.2.9"));
        assertEquals("version", fieldOf(() -> ActionRequest.parse(jsonQuiet("{\"version\":\"1.0\"}"), BOUNDS)));
        assertEquals("delAnnotations[0]", fieldOf(() -> ActionRequest.parse(jsonQuiet("{\"delAnnotations\":[1]}"), BOUNDS)));
        assertEquals("body", fieldOf(() -> ActionRequest.parse(jsonQuiet("\"text\""), BOUNDS)));
    }

    @Test
    void keyValues_merge_dropsDeletedKeys_andLaterEntriesReplaceByKey() throws Exception {
        JsonNode base = json("[{\"key\":\"a\",\"value\":1},{\"key\":\"b\",\"value\":2}]");
        JsonNode added = json("[{\"key\":\"b\",\"value\":3},{\"key\":\"c\",\"value\":4}]");
        assertEquals("[{\"key\":\"a\",\"value\":1},{\"key\":\"b\",\"value\":3},{\"key\":\"c\",\"value\":4}]",
                KeyValues.merge(base, List.of(), added).toString());
        assertEquals("[{\"key\":\"b\",\"value\":2}]", KeyValues.merge(base, List.of("a"), null).toString());
        assertEquals("{\"a\":1,\"b\":2}", KeyValues.toObject(base).toString());
        assertEquals("parameters[1]", fieldOf(() -> KeyValues.parse("parameters", jsonQuiet("[{\"key\":\"a\"},{\"value\":1}]"))));
    }

    @Test
    void names_followOpenWhisksRegex() {
        assertTrue(EntityNames.valid("hello"));
        assertTrue(EntityNames.valid("with space@x.y&z-1"));
        assertTrue(EntityNames.valid("_"));
        assertFalse(EntityNames.valid("-dash"));
        assertFalse(EntityNames.valid("trailing "));
        assertFalse(EntityNames.valid("a/b"));
        assertFalse(EntityNames.valid("x".repeat(257)));
    }

    @Test
    void functionImageTags_areValidRefsForAnyName_andDistinctPerExactName() {
        ImageRef a = CodeDeployer.target("guest", "Hello World&Co", "0.0.3");
        assertEquals(a, ImageRef.parse(a.toString()));
        assertEquals("0.0.3", a.tag());
        assertTrue(a.name().startsWith("flint-fn/guest-"), a.toString());
        assertFalse(a.equals(CodeDeployer.target("guest", "hello world&co", "0.0.3")), "names differing in case get their own tags");
        assertEquals(CodeDeployer.target("guest", "x", "1.0.0"), CodeDeployer.target("guest", "x", "1.0.0"));
    }

    @Test
    void poolKeySegments_keepSimpleNames_andHashOthers() {
        assertEquals("hello", FunctionSpecs.segment("hello"));
        String odd = FunctionSpecs.segment("with space");
        assertTrue(odd.matches("with_space-[0-9a-f]{8}"), odd);
        assertFalse(odd.equals(FunctionSpecs.segment("with_space")));
    }
}
