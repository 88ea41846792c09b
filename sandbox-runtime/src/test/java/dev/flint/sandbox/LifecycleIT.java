package dev.flint.sandbox;

import static dev.flint.sandbox.RuntimeFixture.describe;
import static dev.flint.sandbox.RuntimeFixture.sh;
import static dev.flint.sandbox.RuntimeFixture.shOk;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * How runs end and what a sandbox and a runtime leave behind: exit codes, signals, exec failures,
 * kill from another thread, many runs in one sandbox, destroy and close, prepare-ahead on and off
 * (with and without a user namespace), and layer checks at create.
 */
class LifecycleIT {
    private static final Duration EXIT_WAIT = Duration.ofSeconds(10);

    @TempDir
    static Path tmp;

    private static RuntimeFixture fx;
    private static Sandbox sandbox;

    @BeforeAll
    static void start() throws IOException {
        fx = RuntimeFixture.start(tmp, "lifecycle");
        sandbox = fx.create(fx.spec().build());
    }

    @AfterAll
    static void stop() throws InterruptedException {
        if (fx != null) {
            fx.close();
        }
    }

    @Test
    void anImageWithoutProcDevOrTmp_getsThemInEveryRun() throws IOException {
        Path bare = Files.createDirectories(tmp.resolve("bare/bin"));
        Files.copy(fx.rootfs.resolve("bin/busybox"), bare.resolve("busybox"), java.nio.file.StandardCopyOption.COPY_ATTRIBUTES);
        try (Sandbox s = fx.create(SandboxSpec.builder().layer(tmp.resolve("bare")).build())) {
            for (int i = 0; i < 3; i++) { // made in each fresh root: the image never holds them
                Execution e = s.run(ProcessSpec.builder("/bin/busybox", "sh", "-c",
                        "/bin/busybox test -d /proc/self && /bin/busybox test -c /dev/null && /bin/busybox touch /tmp/x"
                                + " && /bin/busybox ls -d /proc /dev /tmp").timeout(RuntimeFixture.RUN_TIMEOUT).build());
                assertEquals(Outcome.EXITED, e.outcome(), describe(e));
                assertEquals(0, e.exitCode(), describe(e));
                assertEquals("/dev\n/proc\n/tmp\n", e.stdoutText(), describe(e));
            }
        }
    }

    @Test
    void run_exitingWithACode_isExitedWithThatCode() {
        Execution e = sh(sandbox, "exit 3");

        assertEquals(Outcome.EXITED, e.outcome(), describe(e));
        assertEquals(3, e.exitCode());
        assertEquals(0, e.signal());
        assertEquals(3, e.shellStatus());
    }

    @Test
    void run_killedBySignal_isSignaledWithThatSignal() {
        Execution e = sh(sandbox, "kill -9 $$");

        assertEquals(Outcome.SIGNALED, e.outcome(), describe(e));
        assertEquals(9, e.signal());
        assertEquals(-1, e.exitCode());
        assertEquals(137, e.shellStatus());
    }

    @Test
    void run_ofAMissingCommand_isExecFailed_andTheSandboxStillWorks() {
        Execution e = sandbox.run(ProcessSpec.builder("no-such-command").build());

        assertEquals(Outcome.EXEC_FAILED, e.outcome(), describe(e));
        assertTrue(e.error().contains("No such file"), e.error());
        assertEquals(127, e.shellStatus());
        assertEquals("ok\n", shOk(sandbox, "echo ok"));
    }

    @Test
    void run_ofANonExecutableFile_isExecFailed() {
        Execution e = sandbox.run(ProcessSpec.builder("/etc/passwd").build());

        assertEquals(Outcome.EXEC_FAILED, e.outcome(), describe(e));
        assertTrue(e.error().contains("Permission denied"), e.error());
        assertEquals(126, e.shellStatus());
    }

    @Test
    void run_withAMissingCwd_isExecFailed_andTheSandboxStillWorks() {
        Execution e = sandbox.run(ProcessSpec.builder("pwd").cwd("/no/such/dir").build());

        assertEquals(Outcome.EXEC_FAILED, e.outcome(), describe(e));
        assertTrue(e.error().contains("/no/such/dir"), e.error());
        assertEquals("/tmp\n", sandbox.run(ProcessSpec.builder("pwd").cwd("/tmp").build()).stdoutText());
    }

    @Test
    void kill_fromAnotherThread_endsTheRunAsKilled() throws Exception {
        ExecutorService runner = Executors.newSingleThreadExecutor();
        try {
            Future<Execution> run = runner.submit(() -> sandbox.run(ProcessSpec.builder("sleep", "100").build()));
            awaitProcessRunning("sleep 100");

            sandbox.kill();

            Execution e = run.get(30, TimeUnit.SECONDS); // far below the 100 s the sleep asked for
            assertEquals(Outcome.KILLED, e.outcome(), describe(e));
            assertEquals(9, e.signal());
            assertEquals("after\n", shOk(sandbox, "echo after"));
        } finally {
            runner.shutdownNow();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "read -r x; echo \"out $x\"; echo err >&2", // ends within the window: read at its end
        "head -c 300000 /dev/zero | tr '\\0' x; echo; echo err >&2", // fills the pipe within it
        "sleep 0.05; echo \"out $(cat)\"; echo err >&2", // outlives it: read as it arrives from then on
    })
    void run_readingOutputAtEnd_getsAllOfIt_shortOrLongOrLarge(String script) {
        ProcessSpec spec = ProcessSpec.builder("/bin/sh", "-c", script).stdin("in\n".getBytes())
                .timeout(RuntimeFixture.RUN_TIMEOUT).readOutputAtEnd().build();
        Execution plain = sandbox.run(ProcessSpec.builder("/bin/sh", "-c", script).stdin("in\n".getBytes())
                .timeout(RuntimeFixture.RUN_TIMEOUT).build());

        Execution atEnd = sandbox.run(spec);

        assertEquals(Outcome.EXITED, atEnd.outcome(), describe(atEnd));
        assertEquals(plain.stdoutText(), atEnd.stdoutText());
        assertEquals("err\n", atEnd.stderrText());
        assertTrue(atEnd.stdoutText().length() > 4, describe(atEnd));
    }

    @Test
    void run_manyTimesInOneSandbox_eachRunHasFreshScratch() {
        for (int i = 0; i < 50; i++) {
            int run = i;
            Execution e = sh(sandbox, "test ! -e /tmp/marker && echo " + i + " > /tmp/marker && cat /tmp/marker");
            assertEquals(Outcome.EXITED, e.outcome(), () -> "run " + run + ": " + describe(e));
            assertEquals(i + "\n", e.stdoutText(), () -> "run " + run + ": " + describe(e));
        }
    }

    @ParameterizedTest(name = "prepareAhead={0}")
    @ValueSource(booleans = {true, false})
    void run_withPrepareAheadOnOrOff_works_andBuildsTheNextRootAheadOnlyWhenOn(boolean ahead) throws InterruptedException {
        try (Sandbox sb = fx.create(fx.spec().prepareAhead(ahead).build())) {
            for (int i = 0; i < 3; i++) {
                assertEquals("run " + i + "\n", shOk(sb, "echo run " + i + " > /tmp/x; cat /tmp/x"));
                // init forks the next run's process right after it reports the end of this one
                long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
                int next;
                while ((next = RuntimeFixture.nextRunProcess(sb)) < 0 && System.nanoTime() < deadline) {
                    Thread.sleep(5);
                }
                assertTrue(next > 0, "no next-run process between runs: " + sb.pids());
                assertEquals(List.of(), RuntimeFixture.leftoverPids(sb));
                // init builds the root right after it forks the process: give it a moment
                while (ahead && !RuntimeFixture.rootIsOverlay(next) && System.nanoTime() < deadline) {
                    Thread.sleep(5);
                }
                assertEquals(ahead, RuntimeFixture.rootIsOverlay(next), "next run's root built ahead");
            }
        }
    }

    @ParameterizedTest(name = "prepareAhead={0}")
    @ValueSource(booleans = {true, false})
    void run_withUserNamespace_worksWithPrepareAheadOnOrOff(boolean ahead) {
        try (Sandbox sb = fx.create(fx.spec().userNamespace(100_000).prepareAhead(ahead).build())) {
            for (int i = 0; i < 3; i++) {
                assertEquals("0 100000 65536\n", shOk(sb, "cat /proc/self/uid_map").trim().replaceAll("\\s+", " ") + "\n");
                assertEquals("ok\n", shOk(sb, "echo ok > /dev/shm/x && cat /dev/shm/x"));
            }
            assertEquals(Outcome.EXEC_FAILED, sb.run(ProcessSpec.builder("missing").build()).outcome());
        }
    }

    @Test
    void destroy_leavesNoProcessCgroupOrMount() throws Exception {
        Sandbox sb = fx.create(fx.spec().build());
        shOk(sb, "echo something > /tmp/x");
        List<Integer> pids = sb.pids();
        String cgroup = RuntimeFixture.cgroupOf(sb.initPid());
        assertTrue(cgroup.startsWith(fx.cgroupParent + "/"), cgroup);
        assertTrue(RuntimeFixture.existingCgroupDirs(cgroup).size() >= 3, "cgroup dirs before destroy");

        sb.destroy();

        for (int pid : pids) {
            assertTrue(RuntimeFixture.awaitGone(pid, EXIT_WAIT), "pid " + pid + " outlived destroy");
        }
        assertEquals(List.of(), RuntimeFixture.existingCgroupDirs(cgroup), "cgroup left");
        assertEquals(List.of(), RuntimeFixture.hostMountsMentioning(fx.stateDir.toString()));
        assertThrows(SandboxException.Failed.class, () -> sh(sb, "true"), "a destroyed sandbox runs nothing");
        sb.destroy(); // idempotent
    }

    @Test
    void close_destroysLiveSandboxes_andRemovesTheRuntimesCgroupAndStateFiles() throws Exception {
        Path stateDir = tmp.resolve("closing-state");
        SandboxRuntime rt = SandboxRuntime.start(RuntimeFixture.config(stateDir, fx.cgroupParent));
        List<String> claimed = RuntimeFixture.stateEntries(stateDir);
        assertEquals(2, claimed.size(), "a lock file and a directory: " + claimed);
        String runtimeId = claimed.get(0).replace(".lock", "");
        Sandbox a = rt.create(fx.spec().build());
        Sandbox b = rt.create(fx.spec().prepareAhead(false).build());
        shOk(a, "true");
        List<Integer> inits = List.of(a.initPid(), b.initPid());
        String runtimeCgroup = fx.cgroupParent + "/" + runtimeId;
        assertEquals(runtimeCgroup + "/" + a.id(), RuntimeFixture.cgroupOf(a.initPid()));
        b.destroy();

        rt.close();

        assertEquals(0, rt.liveSandboxes());
        for (int pid : inits) {
            assertTrue(RuntimeFixture.awaitGone(pid, EXIT_WAIT), "init " + pid + " outlived close");
        }
        assertEquals(List.of(), RuntimeFixture.existingCgroupDirs(runtimeCgroup), "runtime cgroup left");
        assertEquals(List.of(), RuntimeFixture.stateEntries(stateDir), "state files left");
        assertThrows(SandboxException.Failed.class, () -> rt.create(fx.spec().build()), "a closed runtime creates nothing");
        assertEquals(List.of(), RuntimeFixture.existingCgroupDirs(runtimeCgroup), "a create after close made a cgroup");
        rt.close(); // idempotent
    }

    @Test
    void create_withAMissingLayerDirectory_isRejectedNamingLayers() {
        Path missing = tmp.resolve("no-such-layer");
        String runtimeCgroup = fx.cgroupParent + "/" + fx.runtimeId();
        List<String> sandboxesBefore = RuntimeFixture.cgroupChildren(runtimeCgroup);

        SandboxException.InvalidSpec e = assertThrows(SandboxException.InvalidSpec.class,
                () -> fx.create(SandboxSpec.builder().layer(missing).build()));

        assertEquals("layers", e.field());
        assertTrue(e.getMessage().contains(missing.toString()), e.getMessage());
        assertEquals(sandboxesBefore, RuntimeFixture.cgroupChildren(runtimeCgroup), "a rejected create left a cgroup");
    }

    @Test
    void create_withALayerThatIsAFile_isRejectedNamingLayers() throws IOException {
        Path file = Files.writeString(tmp.resolve("layer-file"), "not a directory");

        SandboxException.InvalidSpec e = assertThrows(SandboxException.InvalidSpec.class,
                () -> fx.create(SandboxSpec.builder().layer(file).build()));

        assertEquals("layers", e.field());
    }

    /** Waits until a process of the shared sandbox runs {@code cmdline}, as the host sees it. */
    private static void awaitProcessRunning(String cmdline) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (sandbox.pids().stream().noneMatch(pid -> RuntimeFixture.commandLine(pid).equals(cmdline))) {
            assertTrue(System.nanoTime() < deadline, "'" + cmdline + "' never started in the sandbox");
            Thread.sleep(10);
        }
    }
}
