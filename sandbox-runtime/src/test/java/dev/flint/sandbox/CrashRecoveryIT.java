package dev.flint.sandbox;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A runtime's JVM dies by kill -9 ({@link CrashingRuntimeMain} in a child JVM) with a run in
 * progress. Its sandboxes must die on their own (each init sees its control socket close), and the
 * next runtime on the same state directory must remove the cgroups and state files it left, killing
 * whatever still lives in them.
 */
class CrashRecoveryIT {
    private static final String PARENT = RuntimeFixture.cgroupParent("crash");
    private static final Duration READY_WAIT = Duration.ofSeconds(60);
    private static final Duration EXIT_WAIT = Duration.ofSeconds(10);

    @TempDir
    static Path tmp;

    private static Path rootfs;

    private Process child;
    private Victim victim;

    /** What the child JVM reported: its sandbox's init, the sleep it runs, and the sandbox's cgroup. */
    private record Victim(int initPid, int sleepPid, String cgroup, Path stateDir) {
        String runtimeCgroup() {
            return cgroup.substring(0, cgroup.lastIndexOf('/'));
        }

        String runtimeId() {
            return runtimeCgroup().substring(runtimeCgroup().lastIndexOf('/') + 1);
        }
    }

    @BeforeAll
    static void makeRootfs() throws IOException {
        RuntimeFixture.assumeRoot();
        rootfs = BusyboxRootfs.create(tmp.resolve("rootfs"));
    }

    @AfterAll
    static void removeCgroupParent() {
        if (rootfs != null) {
            RuntimeFixture.removeEmptyCgroupParent(PARENT);
        }
    }

    /** Whatever a failed test left: the child JVM, the sandbox's processes, its cgroups. */
    @AfterEach
    void killLeftovers() throws InterruptedException {
        if (child != null) {
            child.destroyForcibly();
            child.waitFor(30, TimeUnit.SECONDS);
        }
        if (victim == null) {
            return;
        }
        for (int pid : List.of(victim.initPid(), victim.sleepPid())) {
            ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
            RuntimeFixture.awaitGone(pid, EXIT_WAIT);
        }
        for (String path : List.of(victim.cgroup(), victim.runtimeCgroup())) {
            for (Path dir : RuntimeFixture.existingCgroupDirs(path)) {
                try {
                    Files.delete(dir);
                } catch (IOException e) {
                    // reported by the test's own assertions
                }
            }
        }
    }

    @Test
    void jvmKilledMidRun_sandboxDiesOnItsOwn_andTheNextRuntimeRemovesItsCgroupsAndStateFiles() throws Exception {
        Path stateDir = tmp.resolve("state-crash");
        victim = startVictim(stateDir);
        assertTrue(RuntimeFixture.stateEntries(stateDir).contains(victim.runtimeId() + ".lock"));

        child.destroyForcibly();
        assertTrue(child.waitFor(30, TimeUnit.SECONDS), "the child JVM did not die");

        assertTrue(RuntimeFixture.awaitGone(victim.initPid(), EXIT_WAIT), "init outlived its runtime's JVM");
        assertTrue(RuntimeFixture.awaitGone(victim.sleepPid(), EXIT_WAIT), "the run outlived its runtime's JVM");
        assertFalse(RuntimeFixture.existingCgroupDirs(victim.cgroup()).isEmpty(),
                "no leftovers to recover: did the dead runtime clean up after all?");

        try (SandboxRuntime next = SandboxRuntime.start(RuntimeFixture.config(stateDir, PARENT))) {
            assertEquals(List.of(), RuntimeFixture.existingCgroupDirs(victim.runtimeCgroup()), "dead runtime's cgroups");
            assertTrue(RuntimeFixture.stateEntries(stateDir).stream().noneMatch(n -> n.startsWith(victim.runtimeId())),
                    "dead runtime's state files: " + RuntimeFixture.stateEntries(stateDir));
            assertEquals(2, RuntimeFixture.stateEntries(stateDir).size(), "only the new runtime's claim");
        }
        assertEquals(List.of(), RuntimeFixture.stateEntries(stateDir));
    }

    @Test
    void jvmKilledWhileInitCannotNotice_theNextRuntimeKillsTheSandbox_andRemovesItsLeftovers() throws Exception {
        Path stateDir = tmp.resolve("state-stopped");
        victim = startVictim(stateDir);
        signal("STOP", victim.initPid()); // a stopped init cannot see its control socket close

        child.destroyForcibly();
        assertTrue(child.waitFor(30, TimeUnit.SECONDS), "the child JVM did not die");
        assertFalse(RuntimeFixture.isGone(victim.initPid()), "precondition: the stopped init is still there");
        assertFalse(RuntimeFixture.isGone(victim.sleepPid()));

        try (SandboxRuntime next = SandboxRuntime.start(RuntimeFixture.config(stateDir, PARENT))) {
            assertTrue(RuntimeFixture.awaitGone(victim.initPid(), EXIT_WAIT), "the new runtime left the old init alive");
            assertTrue(RuntimeFixture.awaitGone(victim.sleepPid(), EXIT_WAIT), "the new runtime left the old run alive");
            assertEquals(List.of(), RuntimeFixture.existingCgroupDirs(victim.runtimeCgroup()), "dead runtime's cgroups");
            assertTrue(RuntimeFixture.stateEntries(stateDir).stream().noneMatch(n -> n.startsWith(victim.runtimeId())),
                    "dead runtime's state files: " + RuntimeFixture.stateEntries(stateDir));
        }
        assertEquals(List.of(), RuntimeFixture.stateEntries(stateDir));
    }

    /** Starts {@link CrashingRuntimeMain} in a new JVM and waits for its READY line. */
    private Victim startVictim(Path stateDir) throws Exception {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        child = new ProcessBuilder(java.toString(), "-cp", System.getProperty("java.class.path"),
                CrashingRuntimeMain.class.getName(), stateDir.toString(), rootfs.toString(), PARENT)
                .redirectErrorStream(true)
                .start();
        BlockingQueue<String> lines = new LinkedBlockingQueue<>();
        Thread reader = new Thread(() -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line = in.readLine(); line != null; line = in.readLine()) {
                    lines.add(line);
                }
            } catch (IOException e) {
                // the child died
            }
        }, "victim-output");
        reader.setDaemon(true);
        reader.start();

        List<String> seen = Collections.synchronizedList(new ArrayList<>());
        long deadline = System.nanoTime() + READY_WAIT.toNanos();
        while (System.nanoTime() < deadline) {
            String line = lines.poll(100, TimeUnit.MILLISECONDS);
            if (line == null) {
                if (!child.isAlive() && lines.isEmpty()) {
                    break;
                }
                continue;
            }
            seen.add(line);
            if (line.startsWith("READY ")) {
                String[] f = line.split(" ");
                Victim v = new Victim(Integer.parseInt(f[1]), Integer.parseInt(f[2]), f[3], stateDir);
                assertTrue(v.cgroup().startsWith(PARENT + "/"), v.cgroup());
                return v;
            }
        }
        throw new AssertionError("the child JVM never got ready; its output:\n" + String.join("\n", seen));
    }

    /** Sends a signal by name with the host's kill(1): Java has no way to send SIGSTOP. */
    private static void signal(String name, int pid) throws Exception {
        Process kill = new ProcessBuilder("kill", "-" + name, String.valueOf(pid)).inheritIO().start();
        assertEquals(0, kill.waitFor(), "kill -" + name + " " + pid);
    }
}
