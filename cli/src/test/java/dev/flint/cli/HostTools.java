package dev.flint.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/** The independent host tools the CLI's integration tests cross-check with (skopeo, umoci, ...). */
final class HostTools {
    private HostTools() {
    }

    /** Runs a tool, expects exit 0, returns its stdout. */
    static String sh(String... argv) throws IOException {
        Process p = new ProcessBuilder(argv).start();
        try {
            byte[] out = p.getInputStream().readAllBytes();
            String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError(String.join(" ", argv) + " timed out");
            }
            assertEquals(0, p.exitValue(), String.join(" ", argv) + ": " + err);
            return new String(out, StandardCharsets.UTF_8);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
    }

    static boolean onPath(String tool) {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin").split(":")) {
            if (Files.isExecutable(Path.of(dir, tool))) {
                return true;
            }
        }
        return false;
    }
}
