package dev.flint.images.internal;

import dev.flint.images.ImageException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * Runs the Debian tools an image build uses (apt-get, dpkg-deb, chroot) as child processes.
 * Building an image is not on the sandbox path, so running host tools from Java is fine here; the
 * sandbox runtime itself never does.
 */
public final class Commands {
    private Commands() {
    }

    /** Runs {@code argv} in {@code cwd} (null for ours) with extra environment; returns stdout, or fails naming the step. */
    public static String run(String step, List<String> argv, Path cwd, Map<String, String> env, String hint) {
        ProcessBuilder pb = new ProcessBuilder(argv);
        if (cwd != null) {
            pb.directory(cwd.toFile());
        }
        pb.environment().putAll(env);
        pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            throw new ImageException.BuildFailed(step, "cannot run " + argv.get(0) + ": " + e.getMessage(),
                    argv.get(0) + " comes with Debian's apt and dpkg: build images on a Debian host", e);
        }
        CompletableFuture<byte[]> err = CompletableFuture.supplyAsync(() -> readAll(p.getErrorStream()));
        byte[] out = readAll(p.getInputStream());
        int status;
        try {
            status = p.waitFor();
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new ImageException.BuildFailed(step, "interrupted", "");
        }
        String stderr = new String(err.join(), StandardCharsets.UTF_8).strip();
        if (status != 0) {
            throw new ImageException.BuildFailed(step, String.join(" ", argv.subList(0, Math.min(argv.size(), 6)))
                    + (argv.size() > 6 ? " ..." : "") + " exited " + status + ": " + tail(stderr), hint);
        }
        return new String(out, StandardCharsets.UTF_8);
    }

    private static byte[] readAll(java.io.InputStream in) {
        try (in) {
            return in.readAllBytes();
        } catch (IOException e) {
            return new byte[0];
        }
    }

    private static String tail(String text) {
        String[] lines = text.split("\n");
        int from = Math.max(0, lines.length - 5);
        return String.join(" | ", java.util.Arrays.asList(lines).subList(from, lines.length));
    }
}
