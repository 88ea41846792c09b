package dev.flint.images;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flint.sandbox.Execution;
import dev.flint.sandbox.Outcome;
import dev.flint.sandbox.ProcessSpec;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The base images built for real from Debian packages (downloaded once into the IT store's cache),
 * built again to check they are reproducible, and run in real sandboxes.
 */
class BaseImagesIT {
    @TempDir
    static Path tmp;
    private static SandboxFixture sandboxes;

    @BeforeAll
    static void start() throws IOException {
        ItImages.assumeRoot();
        sandboxes = new SandboxFixture(tmp, "base");
    }

    @AfterAll
    static void stop() throws IOException {
        if (sandboxes != null) {
            sandboxes.close();
        }
    }

    @Test
    void busybox_builtTwice_hasTheSameDigests() {
        Image first = ItImages.busybox();
        Image second = BaseImages.buildBusybox(ItImages.store(), Progress.none());

        assertEquals(first.manifest().layers(), second.manifest().layers());
        assertEquals(first.digest(), second.digest());
        assertTrue(first.config().labels().get(BaseImages.PACKAGES_LABEL).startsWith("busybox-static="),
                first.config().labels().toString());
    }

    @Test
    void busybox_runsCommandsInASandbox_asNobody_withAWritableTmp() {
        Image img = ItImages.busybox();

        assertEquals("hello from flint\n", sandboxes.runOk(img, "echo", "hello from flint"));
        assertEquals("nobody\n", sandboxes.runOk(img, "id", "-un"));
        assertEquals("ok\n", sandboxes.runOk(img, "sh", "-c", "echo ok > /tmp/f && cat /tmp/f"));
        assertEquals("1777\n", sandboxes.runOk(img, "stat", "-c", "%a", "/tmp"));
    }

    @Test
    void busybox_layer_hasNoDocs_andIsSmall() {
        Image img = ItImages.busybox();
        Path layer = img.layerDirs().get(0);

        assertTrue(Files.isRegularFile(layer.resolve("bin/busybox")));
        assertTrue(Files.isSymbolicLink(layer.resolve("bin/sh")));
        assertFalse(Files.exists(layer.resolve("usr/share/doc")), "no docs");
        assertTrue(img.size() < 4_000_000, "busybox image is " + img.size() + " bytes");
    }

    @Test
    void python_builtTwice_hasTheSameDigests_andSharesTheBusyboxLayer() {
        Image first = ItImages.python();
        Image second = BaseImages.buildPython(ItImages.store(), Progress.none());

        assertEquals(first.digest(), second.digest());
        assertEquals(first.manifest().layers(), second.manifest().layers());
        assertEquals(ItImages.busybox().manifest().layers().get(0), first.manifest().layers().get(0), "busybox layer shared");
        assertEquals(2, first.manifest().layers().size());
    }

    @Test
    void python_isSmall_withoutDocsOrApt_withCompiledStandardLibrary() throws IOException {
        Image img = ItImages.python();
        Path layer = img.layerDirs().get(0);

        assertTrue(img.size() < 80_000_000, "python image is " + img.size() + " bytes");
        for (String absent : List.of("usr/share/doc", "usr/share/man", "usr/share/locale", "usr/bin/apt-get", "usr/lib/x86_64-linux-gnu/gconv")) {
            assertFalse(Files.exists(layer.resolve(absent)), absent + " should not be in the image");
        }
        assertTrue(Files.isRegularFile(layer.resolve("usr/lib/python3.11/__pycache__/json.cpython-311.pyc"))
                || Files.isRegularFile(layer.resolve("usr/lib/python3.11/json/__pycache__/__init__.cpython-311.pyc")), "stdlib compiled");
        String labels = img.config().labels().get(BaseImages.PACKAGES_LABEL);
        assertTrue(labels.contains("python3=") && labels.contains("libc6="), labels);
    }

    @Test
    void python_runsAFunctionFile_thatPrintsJson() throws IOException {
        Path main = Files.writeString(tmp.resolve("main.py"), String.join("\n",
                "import json, sys",
                "",
                "def main(args):",
                "    return {'greeting': 'hello ' + args.get('name', 'world'), 'python': sys.version_info[0]}",
                "",
                "if __name__ == '__main__':",
                "    print(json.dumps(main(json.load(sys.stdin))))",
                ""));
        Image fn = FunctionImages.withCode(ItImages.store(), BaseImages.PYTHON.withTag("3"), FunctionCode.file(main, "main.py"),
                ImageRef.parse("it/python-fn:1"));
        ItImages.python();

        Execution e = sandboxes.run(fn, ProcessSpec.builder("python3", "/function/main.py")
                .stdin("{\"name\": \"flint\"}".getBytes(StandardCharsets.UTF_8)));

        assertEquals(Outcome.EXITED, e.outcome(), SandboxFixture.describe(e));
        assertEquals(0, e.exitCode(), SandboxFixture.describe(e));
        assertEquals("{\"greeting\": \"hello flint\", \"python\": 3}\n", e.stdoutText());
        assertEquals("", e.stderrText());
    }

    @Test
    void builds_reportEachPhase_withTimings() {
        ItImages.python();
        for (String phase : List.of("resolve", "download", "extract", "finish", "pack", "commit")) {
            assertTrue(ItImages.PROGRESS.stream().anyMatch(l -> l.startsWith("flint/python:3: " + phase + ": ") && l.endsWith(" s)")),
                    phase + " not reported: " + ItImages.PROGRESS);
        }
    }
}
