package dev.flint.invoker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs the Python launcher's own test suite ({@code test_python_loop.py}, standard-library
 * {@code unittest}) against the launcher as packaged on the classpath. The suite starts the launcher
 * the way the invoker does and checks the fd 3 protocol, the markers and the per-activation clean-up.
 */
class PythonLoopScriptTest {

    private static final String RUNTIME = "/dev/flint/invoker/runtime/";

    @Test
    void pythonLoop_passesItsUnittestSuite(@TempDir Path dir) throws Exception {
        assumeTrue(onPath("python3"), "python3 is not on PATH");
        copyResource("python_loop.py", dir);
        copyResource("test_python_loop.py", dir);

        Path log = dir.resolve("unittest.log");
        Process process = new ProcessBuilder("python3", "test_python_loop.py", "-v")
                .directory(dir.toFile())
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .start();
        boolean finished = process.waitFor(5, TimeUnit.MINUTES);
        if (!finished) {
            process.destroyForcibly().waitFor();
        }
        String output = Files.readString(log, StandardCharsets.UTF_8);
        assertTrue(finished, () -> "test_python_loop.py did not finish in 5 minutes:\n" + output);
        assertEquals(0, process.exitValue(), () -> "test_python_loop.py failed:\n" + output);
    }

    private static void copyResource(String name, Path dir) throws IOException {
        try (InputStream in = PythonLoopScriptTest.class.getResourceAsStream(RUNTIME + name)) {
            assertNotNull(in, () -> "resource " + RUNTIME + name + " is not on the classpath");
            Files.copy(in, dir.resolve(name), StandardCopyOption.REPLACE_EXISTING);
        }
    }

    private static boolean onPath(String program) {
        String path = System.getenv("PATH");
        return path != null
                && Stream.of(path.split(File.pathSeparator))
                        .anyMatch(entry -> !entry.isEmpty() && Files.isExecutable(Path.of(entry, program)));
    }
}
