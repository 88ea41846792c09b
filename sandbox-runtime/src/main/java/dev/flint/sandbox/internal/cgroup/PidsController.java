package dev.flint.sandbox.internal.cgroup;

import java.nio.file.Path;

/**
 * The pids controller: how many processes and threads may exist in the cgroup. The file names
 * are the same in both versions; {@code dir} is the cgroup's directory in the pids hierarchy (v1)
 * or its only directory (v2). Thread-safe (stateless).
 */
final class PidsController {

    private final ControlFiles files;

    PidsController(ControlFiles files) {
        this.files = files;
    }

    /** Allows at most {@code max} tasks (0 = no limit). */
    void applyLimit(Path dir, int max) {
        files.write(dir.resolve("pids.max"), max == 0 ? "max" : Integer.toString(max));
    }
}
