package dev.flint.images.internal;

import dev.flint.images.ImageException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Compiles the standard library of a Python tree to bytecode, reproducibly, with the tree's own
 * interpreter run under {@code chroot} (root only; a build step, not the sandbox path). Debian
 * ships no .pyc files: its maintainer scripts make them at install time, which dpkg-deb -x skips.
 * Without them every sandbox would compile what it imports on each cold start.
 *
 * <p>The .pyc files are "unchecked-hash" ones, so they do not record source mtimes (the layer's are
 * all the epoch), and {@code PYTHONHASHSEED=0} makes the order of set constants fixed: the same
 * tree gives the same bytes.
 */
public final class PythonBytecode {
    private PythonBytecode() {
    }

    /** Compiles /usr/lib/python3* in {@code root}; returns the number of .pyc files there afterwards. */
    public static long compile(Path root) {
        if (!isRoot()) {
            throw new ImageException.BuildFailed("compile", "compiling the standard library needs chroot, hence root",
                    "build the python image as root, e.g. sudo ./flint image build python");
        }
        List<String> dirs;
        try (Stream<Path> s = Files.list(root.resolve("usr/lib"))) {
            dirs = s.map(p -> p.getFileName().toString()).filter(n -> n.startsWith("python3")).sorted()
                    .map(n -> "/usr/lib/" + n).toList();
        } catch (IOException e) {
            throw new ImageException.BuildFailed("compile", "no usr/lib in the tree: " + e, "");
        }
        List<String> argv = new java.util.ArrayList<>(List.of("chroot", root.toString(), "/usr/bin/python3",
                "-m", "compileall", "-q", "-j1", "--invalidation-mode", "unchecked-hash"));
        argv.addAll(dirs);
        Commands.run("compile", argv, null, Map.of("PYTHONHASHSEED", "0", "LC_ALL", "C"),
                "the python3 of the image does not run: check the package list");
        try (Stream<Path> s = Files.walk(root.resolve("usr/lib"))) {
            return s.filter(p -> p.toString().endsWith(".pyc")).count();
        } catch (IOException e) {
            return 0;
        }
    }

    private static boolean isRoot() {
        try {
            return (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid") == 0;
        } catch (IOException e) {
            return false;
        }
    }
}
