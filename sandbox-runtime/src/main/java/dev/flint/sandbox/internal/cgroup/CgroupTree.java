package dev.flint.sandbox.internal.cgroup;

import dev.flint.sandbox.SandboxException;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Directory work within one hierarchy, shared by both cgroup versions: checking relative paths,
 * making a cgroup with its parents, and removing a cgroup subtree deepest first, retrying while
 * the kernel still reports it busy. Thread-safe (stateless over {@link ControlFiles}).
 */
final class CgroupTree {

    /** How long {@link #removeSubtree} keeps retrying a busy cgroup. */
    static final Duration BUSY_TIMEOUT = Duration.ofSeconds(2);

    private static final long RETRY_PAUSE_MILLIS = 10;
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9._-]*");

    private final ControlFiles files;

    CgroupTree(ControlFiles files) {
        this.files = files;
    }

    /** Returns {@code relativePath} if it is a valid cgroup path below a root, else throws InvalidSpec. */
    static String checkRelativePath(String relativePath) {
        if (relativePath == null || relativePath.isEmpty()) {
            throw invalidPath("must not be empty");
        }
        for (String name : relativePath.split("/", -1)) {
            if (!NAME.matcher(name).matches()) {
                throw invalidPath("\"" + relativePath + "\" has an invalid name \"" + name + "\"");
            }
        }
        return relativePath;
    }

    /** Deadline for a removal that starts now, in {@link System#nanoTime()} terms. */
    static long removalDeadline() {
        return System.nanoTime() + BUSY_TIMEOUT.toNanos();
    }

    /**
     * Makes {@code root/relativePath} and any missing parents. The cgroup itself must be new: if it
     * exists this removes the parents it made and throws. Returns the directories this call made,
     * shallowest first, for {@link #removeCreated}.
     */
    List<Path> makeDirs(Path root, String relativePath) {
        List<Path> created = new ArrayList<>();
        Path leaf = root.resolve(relativePath);
        try {
            // The parents usually exist (one runtime makes many sandboxes below them): try the
            // leaf first and walk down from the root only when a parent is missing.
            // Another runtime may remove a shared parent it found empty (removeIfEmpty) between
            // our mkdirs: then make it again, a few times at most.
            for (int attempt = 0; !tryMkdirLeaf(leaf, created); attempt++) {
                if (attempt == 3) {
                    throw new SandboxException.Failed("cannot create cgroup " + leaf + ": its parent keeps disappearing",
                            "another process is removing " + root.resolve(relativePath).getParent() + "; try again");
                }
                Path dir = root;
                String[] names = relativePath.split("/");
                for (int i = 0; i < names.length - 1; i++) {
                    dir = dir.resolve(names[i]);
                    if (mkdir(dir)) {
                        created.add(dir);
                    }
                }
            }
            return created;
        } catch (RuntimeException e) {
            removeCreated(created, e);
            throw e;
        }
    }

    /** True when the leaf was made now; false when a parent is missing; throws when it exists. */
    private boolean tryMkdirLeaf(Path leaf, List<Path> created) {
        try {
            if (!files.fs().mkdir(leaf)) {
                throw alreadyExists(leaf);
            }
            created.add(leaf);
            return true;
        } catch (NoSuchFileException e) {
            return false;
        } catch (IOException e) {
            throw new SandboxException.Failed("cannot create cgroup " + leaf + ": " + ControlFiles.reason(e),
                    "check that the hierarchy is mounted read-write and that you are root", e);
        }
    }

    private static SandboxException.Failed alreadyExists(Path dir) {
        return new SandboxException.Failed("cgroup " + dir + " already exists",
                "remove the old cgroup first (open(...).remove()) or choose another name");
    }

    /** Rolls back {@link #makeDirs}: rmdir each directory once, deepest first; failures go to {@code cause}. */
    void removeCreated(List<Path> created, Throwable cause) {
        for (int i = created.size() - 1; i >= 0; i--) {
            Path dir = created.get(i);
            try {
                files.fs().rmdir(dir);
            } catch (IOException e) {
                cause.addSuppressed(new SandboxException.Failed(
                        "cannot remove " + dir + " after a failed create: " + ControlFiles.reason(e),
                        "remove it by hand once no other cgroup is below it", e));
            }
        }
    }

    /**
     * Removes {@code dir} and every cgroup below it, deepest first. A busy directory (processes
     * still in it, or exiting) is retried until {@code deadlineNanos}, then this throws Failed
     * listing the pids still there. A directory that does not exist is not an error.
     */
    void removeSubtree(Path dir, long deadlineNanos) {
        try {
            files.fs().rmdir(dir); // a sandbox's cgroup is a leaf: usually this is all it takes
            return;
        } catch (IOException e) {
            // busy, or has children: list them and go the long way
        }
        for (String child : childNames(dir)) {
            removeSubtree(dir.resolve(child), deadlineNanos);
        }
        while (true) {
            try {
                files.fs().rmdir(dir);
                return;
            } catch (AccessDeniedException e) {
                throw notRemoved(dir, "", e, "run as root, or as the owner of the cgroup");
            } catch (IOException e) {
                // EBUSY while the last process finishes exiting; the errno text is not portable
                // enough to tell it apart, so any other error is retried too and reported at the end.
                if (System.nanoTime() - deadlineNanos >= 0) {
                    throw notRemoved(dir, " after " + BUSY_TIMEOUT.toSeconds() + " s", e,
                            "kill the processes still in it, wait for them to exit, then remove it again");
                }
                pause();
            }
        }
    }

    /** One rmdir; false when the directory is busy, not empty or already gone. */
    boolean tryRemove(Path dir) {
        try {
            return files.fs().rmdir(dir);
        } catch (IOException e) {
            return false;
        }
    }

    /** Names of the child cgroups of {@code dir}, sorted; empty when it does not exist. */
    List<String> childNames(Path dir) {
        try {
            return files.fs().childDirs(dir);
        } catch (IOException e) {
            throw new SandboxException.Failed("cannot list " + dir + ": " + ControlFiles.reason(e),
                    "check that the cgroup hierarchy is mounted and readable", e);
        }
    }

    private boolean mkdir(Path dir) {
        try {
            return files.fs().mkdir(dir);
        } catch (IOException e) {
            throw new SandboxException.Failed("cannot create cgroup " + dir + ": " + ControlFiles.reason(e),
                    "check that the hierarchy is mounted read-write and that you are root", e);
        }
    }

    private SandboxException.Failed notRemoved(Path dir, String after, IOException e, String hint) {
        List<Integer> pids = files.readPids(dir.resolve("cgroup.procs"));
        String still = pids.isEmpty() ? ""
                : "; pids still there: " + pids.stream().map(String::valueOf).collect(Collectors.joining(", "));
        return new SandboxException.Failed(
                "cannot remove cgroup " + dir + after + ": " + ControlFiles.reason(e) + still, hint, e);
    }

    private static void pause() {
        try {
            Thread.sleep(RETRY_PAUSE_MILLIS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SandboxException.Failed("interrupted while waiting for a cgroup to empty",
                    "call remove() again to finish the clean-up");
        }
    }

    private static SandboxException.InvalidSpec invalidPath(String message) {
        return new SandboxException.InvalidSpec("relativePath", message,
                "use slash-separated names of letters, digits, '.', '_' and '-', e.g. flint/rt-1/sb-2");
    }
}
