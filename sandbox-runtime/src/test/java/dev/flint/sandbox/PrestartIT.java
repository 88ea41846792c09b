package dev.flint.sandbox;

import static dev.flint.sandbox.RuntimeFixture.describe;
import static dev.flint.sandbox.RuntimeFixture.shOk;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A process started ahead of its request ({@link Sandbox#prestart}): it runs the text it is given
 * on fd 3 with the request's stdin and output, in a fresh root, under the sandbox's rules, with the
 * timeout counted from its start; one that died is reported empty and the sandbox goes on serving.
 */
class PrestartIT {
    /** What a pre-started shell runs: the text written on its fd 3. */
    private static final ProcessSpec SHELL = ProcessSpec.builder("/bin/sh", "-c", ". /proc/self/fd/3", "main").build();

    @TempDir
    static Path tmp;

    private static RuntimeFixture fx;
    private static Sandbox sandbox;

    @BeforeAll
    static void start() throws IOException {
        fx = RuntimeFixture.start(tmp, "prestart");
        sandbox = fx.create(fx.spec().build());
    }

    @AfterAll
    static void stop() throws InterruptedException {
        if (fx != null) {
            fx.close();
        }
    }

    private static ProcessSpec request(String stdin, Duration timeout) {
        return ProcessSpec.builder("unused").stdin(stdin.getBytes(StandardCharsets.UTF_8)).timeout(timeout).build();
    }

    private static Execution runText(Sandbox s, String text, String stdin) {
        Optional<Execution> e = s.runPrestarted(text, request(stdin, RuntimeFixture.RUN_TIMEOUT));
        assertTrue(e.isPresent(), "the pre-started process should have run");
        return e.get();
    }

    @Test
    void prestartedShell_runsItsText_withTheRequestsStdinAndOutput() {
        sandbox.prestart(SHELL);
        assertEquals(Optional.of(SHELL.argv()), sandbox.prestartedCommand());

        Execution e = runText(sandbox, "read -r x; echo \"got $x as $0 uid $(id -u)\"; echo err >&2; exit 7", "{\"a\":1}\n");

        assertEquals(Outcome.EXITED, e.outcome(), describe(e));
        assertEquals(7, e.exitCode(), describe(e));
        String plainUid = shOk(sandbox, "id -u").strip();
        assertEquals("got {\"a\":1} as main uid " + plainUid + "\n", e.stdoutText(), describe(e));
        assertEquals("err\n", e.stderrText());
        assertTrue(sandbox.prestartedCommand().isEmpty(), "a run takes the pre-started process");
    }

    /**
     * A status written on fd 4 ("N\n", from the shell's EXIT trap) ends the run before the shell's
     * exit: its status, all its output (more than a pipe holds too), and nothing of it left.
     */
    @Test
    void aStatusReportedOnFd4_endsTheRun_withItsOutputWhole_andNothingLeft() {
        String report = "exec 57>&4 4>&-; trap '{ echo \"$?\" >&57; } 2>/dev/null' EXIT\n";
        for (int i = 0; i < 3; i++) {
            sandbox.prestart(SHELL);
            Execution e = runText(sandbox, report + "(sleep 30 &); head -c 100000 /dev/zero | tr '\\0' a; echo; exit 5", "");

            assertEquals(Outcome.EXITED, e.outcome(), describe(e));
            assertEquals(5, e.exitCode(), describe(e));
            assertEquals("a".repeat(100000) + "\n", e.stdoutText());
            // killed before the DONE, gone a moment later (the DONE does not wait for their exit)
            List<Integer> left = RuntimeFixture.leftoverPids(sandbox);
            for (long end = System.nanoTime() + 5_000_000_000L; !left.isEmpty() && System.nanoTime() < end; ) {
                Thread.onSpinWait();
                left = RuntimeFixture.leftoverPids(sandbox);
            }
            assertEquals(List.of(), left, "the shell and its sleep were killed");
        }
        sandbox.prestart(SHELL);
        Execution reported = runText(sandbox, "echo out; echo 9 >&4; sleep 30; exit 1", "");
        assertEquals(9, reported.exitCode(), "the report ends the run, the rest is killed: " + describe(reported));
        assertEquals("out\n", reported.stdoutText());

        sandbox.prestart(SHELL);
        Execution garbage = runText(sandbox, report + "echo nonsense >&57; echo out; exit 6", "");
        assertEquals(Outcome.EXITED, garbage.outcome(), "the trap's later report is no SIGPIPE: " + describe(garbage));
        assertEquals(6, garbage.exitCode(), "a report that is not a status is ignored: " + describe(garbage));
        assertEquals("out\n", garbage.stdoutText());
    }

    @Test
    void prestartedProcess_hasAFreshRoot_andLeavesNothingToTheNextRun() {
        shOk(sandbox, "echo before > /tmp/mark");
        sandbox.prestart(SHELL);
        Execution e = runText(sandbox, "test -e /tmp/mark && echo seen; echo during > /tmp/mark2; echo done", "");
        assertEquals("done\n", e.stdoutText(), describe(e));

        assertEquals("fresh\n", shOk(sandbox, "test -e /tmp/mark2 || echo fresh"));
    }

    @Test
    void timeout_countsFromTheStart_notFromThePrestart() throws InterruptedException {
        sandbox.prestart(SHELL);
        Thread.sleep(700); // longer than the timeout below: the waiting process is not timed
        Optional<Execution> ok = sandbox.runPrestarted("echo ok", request("", Duration.ofMillis(500)));
        assertEquals(Outcome.EXITED, ok.orElseThrow().outcome(), describe(ok.get()));
        assertEquals("ok\n", ok.get().stdoutText());

        sandbox.prestart(SHELL);
        Optional<Execution> slow = sandbox.runPrestarted("sleep 30 & sleep 30", request("", Duration.ofMillis(300)));
        assertEquals(Outcome.TIMED_OUT, slow.orElseThrow().outcome(), describe(slow.get()));
        assertEquals(List.of(), RuntimeFixture.leftoverPids(sandbox));
    }

    @Test
    void aNextProcessAskedForDuringARun_isPrestartedWhenItEnds_inAFreshRoot() {
        sandbox.prestart(SHELL);
        Execution first = sandbox.runPrestarted("read -r x; echo \"$x\" > /tmp/mark; echo first", request("in\n", RuntimeFixture.RUN_TIMEOUT),
                SHELL).orElseThrow();
        assertEquals("first\n", first.stdoutText(), describe(first));
        assertEquals(Optional.of(SHELL.argv()), sandbox.prestartedCommand());

        Execution second = runText(sandbox, "test -e /tmp/mark && echo seen; read -r x; echo \"second $x\"", "two\n");

        assertEquals("second two\n", second.stdoutText(), describe(second));
        assertTrue(sandbox.prestartedCommand().isEmpty());
        assertEquals("plain\n", shOk(sandbox, "echo plain"));
    }

    @Test
    void aNextProcessAskedForDuringARunThatTimesOut_isStillPrestarted_andServes() {
        sandbox.prestart(SHELL);
        Execution slow = sandbox.runPrestarted("sleep 30", request("", Duration.ofMillis(300)), SHELL).orElseThrow();
        assertEquals(Outcome.TIMED_OUT, slow.outcome(), describe(slow));

        assertEquals("next\n", runText(sandbox, "echo next", "").stdoutText());
        assertEquals(List.of(), RuntimeFixture.leftoverPids(sandbox));
    }

    @Test
    void aNextProcessAskedForWhenNothingRan_isNotLeftPrestarted_andPlainRunsWork() throws InterruptedException {
        sandbox.prestart(ProcessSpec.builder("/bin/true").build());
        Thread.sleep(200);

        assertEquals(Optional.empty(), sandbox.runPrestarted("echo never", request("", RuntimeFixture.RUN_TIMEOUT), SHELL));
        assertTrue(sandbox.prestartedCommand().isEmpty());
        sandbox.prestart(SHELL);
        assertEquals("again\n", runText(sandbox, "echo again", "").stdoutText());
        assertEquals("after\n", shOk(sandbox, "echo after"));
        assertEquals(List.of(), RuntimeFixture.leftoverPids(sandbox));
    }

    @Test
    void aProcessThatFilledItsOwnStartPipe_isNotStarted_andTheNextOneAskedForIsReplaced() throws InterruptedException {
        // it reopens its fd 3 for writing and fills it: init's write of the text finds no room
        sandbox.prestart(ProcessSpec.builder("/bin/sh", "-c", "head -c 70000 /dev/zero > /proc/self/fd/3; sleep 30").build());
        Thread.sleep(500);

        assertEquals(Optional.empty(), sandbox.runPrestarted("echo never", request("", RuntimeFixture.RUN_TIMEOUT), SHELL));

        assertTrue(sandbox.prestartedCommand().isEmpty());
        sandbox.prestart(SHELL); // replaces the one init started on the idle sandbox meanwhile
        assertEquals("again\n", runText(sandbox, "echo again", "").stdoutText());
        assertEquals("after\n", shOk(sandbox, "echo after"));
        assertEquals(List.of(), RuntimeFixture.leftoverPids(sandbox));
    }

    @Test
    void aCommandThatCannotStart_isEmpty_andTheSandboxServesPlainRuns() throws InterruptedException {
        sandbox.prestart(ProcessSpec.builder("/no/such/interpreter").build());
        Thread.sleep(200); // else the start may reach it first, and its exec fails as the run's

        assertEquals(Optional.empty(), sandbox.runPrestarted("echo never", request("", RuntimeFixture.RUN_TIMEOUT)));
        assertEquals("plain\n", shOk(sandbox, "echo plain"));
    }

    @Test
    void aProcessThatExitedBeforeItsStart_isEmpty() throws InterruptedException {
        sandbox.prestart(ProcessSpec.builder("/bin/true").build());
        Thread.sleep(200);

        assertEquals(Optional.empty(), sandbox.runPrestarted("echo never", request("", RuntimeFixture.RUN_TIMEOUT)));
        assertEquals("after\n", shOk(sandbox, "echo after"));
    }

    @Test
    void aPlainRun_replacesThePrestartedProcess_inAFreshRoot() {
        sandbox.prestart(ProcessSpec.builder("/bin/sh", "-c", "echo left > /tmp/left; . /proc/self/fd/3").build());

        assertEquals("clean\n", shOk(sandbox, "test -e /tmp/left || echo clean"));
        assertTrue(sandbox.prestartedCommand().isEmpty());
        assertEquals(List.of(), RuntimeFixture.leftoverPids(sandbox));
    }

    @Test
    void prestartTwice_isRejected_andTooLongATextIsRejected() {
        sandbox.prestart(SHELL);
        assertThrows(SandboxException.InvalidSpec.class, () -> sandbox.prestart(SHELL));
        String tooLong = "#" + "x".repeat(Sandbox.MAX_START_TEXT);
        assertThrows(SandboxException.InvalidSpec.class, () -> sandbox.runPrestarted(tooLong, request("", RuntimeFixture.RUN_TIMEOUT)));

        assertEquals("still\n", runText(sandbox, "echo still", "").stdoutText());
    }

    @Test
    void inAUserNamespace_theShellReadsItsText() {
        try (Sandbox s = fx.create(fx.spec().userNamespace(100_000).build())) {
            s.prestart(SHELL);

            Execution e = runText(s, "echo \"uid $(id -u)\"", "");
            assertEquals("uid " + shOk(s, "id -u"), e.stdoutText(), describe(e));
        }
    }

    /** The failed attach is the answer at once: the pre-started shell must not hold the run's output open. */
    @Test
    void aFailedAttach_failsTheStart_withoutWaitingForTheTimeout() throws IOException {
        Path layer = Files.createDirectories(tmp.resolve("file-at-code"));
        Files.writeString(layer.resolve("code"), "not a directory");
        Path code = Files.createDirectories(tmp.resolve("code-for-broken"));
        try (Sandbox broken = fx.create(fx.spec().layers(List.of(layer, fx.rootfs)).build())) {
            broken.prestart(SHELL);
            broken.attach(code, "/code", false);
            long start = System.nanoTime();

            SandboxException e = assertThrows(SandboxException.class,
                    () -> broken.runPrestarted("echo never", request("", Duration.ofSeconds(20))));

            assertTrue(e.getMessage().contains("attach failed"), e.getMessage());
            assertTrue(System.nanoTime() - start < Duration.ofSeconds(15).toNanos(), "answered by the attach, not the timeout");
            assertThrows(SandboxException.class, () -> broken.run(ProcessSpec.builder("true").build()), "no run without its code");
        }
    }

    @Test
    void aShellThatWroteBeforeItsStart_isNotStarted_andNothingOfItReachesTheRequest() throws InterruptedException {
        sandbox.prestart(ProcessSpec.builder("/bin/sh", "-c", "echo early; echo early >&2; sleep 30").build());
        Thread.sleep(300);

        assertEquals(Optional.empty(), sandbox.runPrestarted("echo never", request("", RuntimeFixture.RUN_TIMEOUT)));
        Execution plain = sandbox.run(ProcessSpec.builder("sh", "-c", "echo plain").build());
        assertEquals("plain\n", plain.stdoutText(), describe(plain));
        assertEquals("", plain.stderrText());
        assertEquals(List.of(), RuntimeFixture.leftoverPids(sandbox), "the sleep it started is gone too");
    }

    @Test
    void codeAttachedAfterThePrestart_isVisibleToIt() throws IOException {
        Path code = Files.createDirectories(tmp.resolve("code"));
        Files.writeString(code.resolve("main.sh"), "echo \"from code $1\"\n");
        try (Sandbox s = fx.create(fx.spec().build())) {
            s.prestart(SHELL);
            s.attach(code, "/code", false);

            Execution e = runText(s, "set -- arg; . /code/main.sh", "");
            assertEquals("from code arg\n", e.stdoutText(), describe(e));
        }
    }
}
