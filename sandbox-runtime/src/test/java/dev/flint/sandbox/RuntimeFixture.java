package dev.flint.sandbox;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * One {@link SandboxRuntime} for an integration-test class, on a busybox rootfs in the class's temp
 * directory, with a state directory and a cgroup parent ({@code flint-it-<name>}) of its own.
 * {@link #close()} closes the runtime and then checks, as the host sees it, that nothing of it is
 * left: no init process, no cgroup, no mount, no state file; it removes the (empty) cgroup parent.
 *
 * <p>Also the host-side probes the tests share: a process's cgroup, whether it is gone, which
 * processes run a command line, the cgroup hierarchies.
 */
final class RuntimeFixture implements AutoCloseable {
    static final Path CGROUP_ROOT = Path.of("/sys/fs/cgroup");
    static final Duration RUN_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration EXIT_WAIT = Duration.ofSeconds(10);

    final Path dir;
    final Path rootfs;
    final Path stateDir;
    final String cgroupParent;
    final SandboxRuntime runtime;
    private final List<Integer> initPids = new ArrayList<>();

    private RuntimeFixture(Path dir, Path rootfs, Path stateDir, String cgroupParent, SandboxRuntime runtime) {
        this.dir = dir;
        this.rootfs = rootfs;
        this.stateDir = stateDir;
        this.cgroupParent = cgroupParent;
        this.runtime = runtime;
    }

    /** Skips the class unless we are root; makes the rootfs and starts the runtime. */
    static RuntimeFixture start(Path dir, String name) throws IOException {
        assumeRoot();
        Path rootfs = BusyboxRootfs.create(dir.resolve("rootfs"));
        Path stateDir = dir.resolve("state");
        String parent = cgroupParent(name);
        SandboxRuntime runtime = SandboxRuntime.start(config(stateDir, parent));
        return new RuntimeFixture(dir, rootfs, stateDir, parent, runtime);
    }

    static void assumeRoot() throws IOException {
        assumeTrue((Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid") == 0, "needs root");
    }

    static String cgroupParent(String name) {
        return "flint-it-" + name.toLowerCase(Locale.ROOT);
    }

    static RuntimeConfig config(Path stateDir, String cgroupParent) {
        return RuntimeConfig.defaults().withStateDir(stateDir).withCgroupParent(cgroupParent);
    }

    /** The runtime's id, from its lock file in the state directory. */
    String runtimeId() {
        List<String> locks = stateEntries(stateDir).stream().filter(n -> n.endsWith(".lock")).toList();
        assertEquals(1, locks.size(), "lock files: " + locks);
        return locks.get(0).substring(0, locks.get(0).length() - ".lock".length());
    }

    /** Names of the child cgroups of a cgroup path, the union over hierarchies, sorted. */
    static List<String> cgroupChildren(String relative) {
        java.util.TreeSet<String> names = new java.util.TreeSet<>();
        for (Path dir : existingCgroupDirs(relative)) {
            try (Stream<Path> children = Files.list(dir)) {
                children.filter(Files::isDirectory).forEach(c -> names.add(c.getFileName().toString()));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return List.copyOf(names);
    }

    /** A spec on this fixture's rootfs with the defaults otherwise. */
    SandboxSpec.Builder spec() {
        return SandboxSpec.builder().layer(rootfs);
    }

    /** Creates a sandbox and remembers its init, so {@link #close()} can check it is gone. */
    Sandbox create(SandboxSpec spec) {
        Sandbox sandbox = runtime.create(spec);
        initPids.add(sandbox.initPid());
        return sandbox;
    }

    Sandbox create() {
        return create(spec().build());
    }

    /** Runs {@code sh -c script} with the default environment and a generous timeout. */
    static Execution sh(Sandbox sandbox, String script) {
        return sh(sandbox, RUN_TIMEOUT, script);
    }

    static Execution sh(Sandbox sandbox, Duration timeout, String script) {
        return sandbox.run(ProcessSpec.builder("sh", "-c", script).timeout(timeout).build());
    }

    /** Runs a script that must exit 0, and returns its stdout. */
    static String shOk(Sandbox sandbox, String script) {
        Execution e = sh(sandbox, script);
        assertEquals(Outcome.EXITED, e.outcome(), () -> describe(e));
        assertEquals(0, e.exitCode(), () -> describe(e));
        return e.stdoutText();
    }

    static String describe(Execution e) {
        return e.outcome() + " exit=" + e.exitCode() + " signal=" + e.signal() + " error=" + e.error()
                + "\nstdout: " + e.stdoutText() + "\nstderr: " + e.stderrText();
    }

    // ---- host-side probes ----

    /** The cgroup hierarchies to look in: every v1 hierarchy mounted under the root, or the v2 root. */
    static List<Path> hierarchies() {
        if (Files.exists(CGROUP_ROOT.resolve("cgroup.controllers"))) {
            return List.of(CGROUP_ROOT);
        }
        try (Stream<Path> dirs = Files.list(CGROUP_ROOT)) {
            return dirs.filter(d -> !Files.isSymbolicLink(d) && Files.exists(d.resolve("cgroup.procs"))).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Directories of a cgroup path (relative to the roots) that exist in any hierarchy. */
    static List<Path> existingCgroupDirs(String relative) {
        return hierarchies().stream().map(h -> h.resolve(relative)).filter(Files::isDirectory).toList();
    }

    /** The memory cgroup (v1) or the unified one (v2) of a host process, without the leading slash. */
    static String cgroupOf(long pid) {
        String wanted = Files.exists(CGROUP_ROOT.resolve("cgroup.controllers")) ? "" : "memory";
        for (String line : readLines(Path.of("/proc/" + pid + "/cgroup"))) {
            String[] f = line.split(":", 3);
            boolean match = f.length == 3
                    && (wanted.isEmpty() ? f[0].equals("0") : List.of(f[1].split(",")).contains(wanted));
            if (match) {
                return f[2].substring(1);
            }
        }
        throw new AssertionError("no cgroup of pid " + pid);
    }

    /** A control file of the cgroup a host process is in: v1 in the controller's hierarchy, v2 in the one tree. */
    static Path controlFile(long pid, String controller, String file) {
        Path base = Files.exists(CGROUP_ROOT.resolve("cgroup.controllers")) ? CGROUP_ROOT : CGROUP_ROOT.resolve(controller);
        return base.resolve(cgroupOf(pid)).resolve(file);
    }

    static String readControl(long pid, String controller, String file) {
        try {
            return Files.readString(controlFile(pid, controller, file)).trim();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Whether a host process has exited (gone from /proc, or a zombie waiting for its reaper). */
    static boolean isGone(long pid) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
                if (line.startsWith("State:")) {
                    return line.contains("Z") || line.contains("X");
                }
            }
            return false;
        } catch (NoSuchFileException e) {
            return true;
        } catch (IOException e) {
            return true; // vanished while reading
        }
    }

    /** Waits up to {@code limit} for a process to exit; true when it did. */
    static boolean awaitGone(long pid, Duration limit) throws InterruptedException {
        long deadline = System.nanoTime() + limit.toNanos();
        while (!isGone(pid)) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            Thread.sleep(20);
        }
        return true;
    }

    /**
     * The pids of a sandbox's cgroup other than its init and the one process init keeps forked for
     * the next run (named flint-run, a child of init that has not exec'd; for a moment after the
     * fork still flint-init): what a run left behind.
     */
    static List<Integer> leftoverPids(Sandbox sb) {
        List<Integer> rest = new ArrayList<>(sb.pids());
        rest.remove(Integer.valueOf(sb.initPid()));
        // a process init forked a moment ago may not have renamed itself from flint-init yet
        List<Integer> waiting = rest.stream().filter(pid -> List.of("flint-run", "flint-init").contains(comm(pid))
                && ("" + sb.initPid()).equals(status(pid, "PPid"))).toList();
        if (waiting.size() == 1) {
            rest.removeAll(waiting);
        }
        return rest;
    }

    /** The next run's process of a sandbox, waiting for its request; -1 when there is none. */
    static int nextRunProcess(Sandbox sb) {
        return sb.pids().stream().filter(pid -> pid != sb.initPid() && "flint-run".equals(comm(pid)))
                .findFirst().orElse(-1);
    }

    /** Whether a process's root is an overlay mount (its fresh root is built). */
    static boolean rootIsOverlay(int pid) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/mountinfo"))) {
                String[] f = line.split(" ");
                int dash = java.util.Arrays.asList(f).indexOf("-");
                if (f[4].equals("/") && dash > 0 && f[dash + 1].equals("overlay")) {
                    return true;
                }
            }
        } catch (IOException e) {
            return false;
        }
        return false;
    }

    static String comm(long pid) {
        try {
            return Files.readString(Path.of("/proc/" + pid + "/comm")).trim();
        } catch (IOException e) {
            return "";
        }
    }

    static String status(long pid, String field) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
                if (line.startsWith(field + ":")) {
                    return line.substring(field.length() + 1).trim();
                }
            }
        } catch (IOException e) {
            return "";
        }
        return "";
    }

    /** Host pids whose whole command line (arguments joined by spaces) matches {@code regex}. */
    static List<Long> hostPidsWithCommandLine(String regex) {
        java.util.regex.Pattern pattern = java.util.regex.Pattern.compile(regex);
        return hostPidsRunning("").stream().filter(pid -> pattern.matcher(commandLine(pid)).matches()).toList();
    }

    /** A host process's command line, arguments joined by spaces; empty when it is gone. */
    static String commandLine(long pid) {
        try {
            return new String(Files.readAllBytes(Path.of("/proc/" + pid + "/cmdline")), StandardCharsets.UTF_8)
                    .replace('\0', ' ').trim();
        } catch (IOException e) {
            return "";
        }
    }

    /** Host pids whose command line (NULs as spaces) contains {@code needle}. */
    static List<Long> hostPidsRunning(String needle) {
        List<Long> found = new ArrayList<>();
        try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
            for (Path p : procs.filter(p -> p.getFileName().toString().matches("[0-9]+")).toList()) {
                try {
                    String cmdline = new String(Files.readAllBytes(p.resolve("cmdline")), StandardCharsets.UTF_8).replace('\0', ' ');
                    if (cmdline.contains(needle) && !isGone(Long.parseLong(p.getFileName().toString()))) {
                        found.add(Long.parseLong(p.getFileName().toString()));
                    }
                } catch (IOException e) {
                    // exited meanwhile
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return found;
    }

    /** Lines of the host's /proc/mounts that mention {@code text}. */
    static List<String> hostMountsMentioning(String text) {
        return readLines(Path.of("/proc/mounts")).stream().filter(l -> l.contains(text)).toList();
    }

    /** The value of a "Key:\tvalue" line of /proc/[pid]/status, as the host sees it. */
    static Optional<String> hostStatus(long pid, String key) {
        return readLines(Path.of("/proc/" + pid + "/status")).stream()
                .filter(l -> l.startsWith(key + ":"))
                .map(l -> l.substring(key.length() + 1).trim())
                .findFirst();
    }

    static List<String> readLines(Path file) {
        try {
            return Files.readAllLines(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Entries of the state directory (names), sorted. */
    static List<String> stateEntries(Path stateDir) {
        if (!Files.isDirectory(stateDir)) {
            return List.of();
        }
        try (Stream<Path> entries = Files.list(stateDir)) {
            return entries.map(p -> p.getFileName().toString()).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Checks that nothing below a cgroup parent is left, then removes the parent itself (shared by
     * the runtimes of one test class, which leave it in place) in every hierarchy.
     */
    static void removeEmptyCgroupParent(String parent) {
        for (Path dir : existingCgroupDirs(parent)) {
            try (Stream<Path> children = Files.list(dir)) {
                List<Path> left = children.filter(Files::isDirectory).toList();
                assertTrue(left.isEmpty(), "cgroups left below " + dir + ": " + left);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            try {
                Files.delete(dir); // rmdir of a cgroup
            } catch (IOException e) {
                throw new AssertionError("cannot remove cgroup parent " + dir, e);
            }
        }
        assertEquals(List.of(), existingCgroupDirs(parent), "cgroup parent left behind");
    }

    /** Closes the runtime, then checks that it left nothing on the host. */
    @Override
    public void close() throws InterruptedException {
        runtime.close(); // a failure here is the one to report; the checks below would only echo it
        for (int pid : initPids) {
            assertTrue(awaitGone(pid, EXIT_WAIT), "init " + pid + " still alive after the runtime closed");
        }
        assertEquals(List.of(), hostMountsMentioning(dir.toString()), "host mounts left");
        assertEquals(List.of(), stateEntries(stateDir), "state files left in " + stateDir);
        removeEmptyCgroupParent(cgroupParent);
    }
}
