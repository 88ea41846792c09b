package dev.flint.images;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flint.sandbox.Execution;
import dev.flint.sandbox.Outcome;
import dev.flint.sandbox.ProcessSpec;
import dev.flint.sandbox.RuntimeConfig;
import dev.flint.sandbox.Sandbox;
import dev.flint.sandbox.SandboxRuntime;
import dev.flint.sandbox.SandboxSpec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/**
 * A sandbox runtime for an IT class, with its own state directory and cgroup parent; closing it
 * checks that it left no mount, state file or cgroup, and removes the (empty) cgroup parent.
 */
final class SandboxFixture implements AutoCloseable {
    private static final Path CGROUP_ROOT = Path.of("/sys/fs/cgroup");

    final SandboxRuntime runtime;
    private final Path stateDir;
    private final String cgroupParent;

    SandboxFixture(Path tmp, String name) {
        this.stateDir = tmp.resolve("state");
        this.cgroupParent = "flint-it-images-" + name;
        this.runtime = SandboxRuntime.start(RuntimeConfig.defaults().withStateDir(stateDir).withCgroupParent(cgroupParent));
    }

    /** Runs argv in a fresh sandbox on the image's layers, output captured. */
    Execution run(Image image, ProcessSpec.Builder process) {
        try (Sandbox sb = runtime.create(SandboxSpec.builder().layers(image.layerDirs()).build())) {
            return sb.run(process.build());
        }
    }

    static String describe(Execution e) {
        return e.outcome() + " exit=" + e.exitCode() + " error=" + e.error() + "\nstdout: " + e.stdoutText() + "\nstderr: " + e.stderrText();
    }

    /** Runs and expects exit 0; returns stdout. */
    String runOk(Image image, String... argv) {
        Execution e = run(image, ProcessSpec.builder(argv));
        assertEquals(Outcome.EXITED, e.outcome(), () -> describe(e));
        assertEquals(0, e.exitCode(), () -> describe(e));
        return e.stdoutText();
    }

    @Override
    public void close() throws IOException {
        runtime.close();
        List<String> mounts = Files.readAllLines(Path.of("/proc/mounts")).stream().filter(l -> l.contains(stateDir.toString())).toList();
        assertEquals(List.of(), mounts, "mounts left");
        try (Stream<Path> left = Files.exists(stateDir) ? Files.list(stateDir) : Stream.empty()) {
            assertEquals(List.of(), left.toList(), "state files left");
        }
        for (Path hierarchy : hierarchies()) {
            Path dir = hierarchy.resolve(cgroupParent);
            if (Files.isDirectory(dir)) {
                try (Stream<Path> children = Files.list(dir)) {
                    assertTrue(children.noneMatch(Files::isDirectory), "cgroups left below " + dir);
                }
                Files.delete(dir);
            }
        }
    }

    private static List<Path> hierarchies() {
        if (Files.exists(CGROUP_ROOT.resolve("cgroup.controllers"))) {
            return List.of(CGROUP_ROOT);
        }
        try (Stream<Path> dirs = Files.list(CGROUP_ROOT)) {
            return dirs.filter(d -> !Files.isSymbolicLink(d) && Files.exists(d.resolve("cgroup.procs"))).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
