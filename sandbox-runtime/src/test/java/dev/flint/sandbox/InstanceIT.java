package dev.flint.sandbox;

import static dev.flint.sandbox.RuntimeFixture.describe;
import static dev.flint.sandbox.RuntimeFixture.sh;
import static dev.flint.sandbox.RuntimeFixture.shOk;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Instances (a process that stays up across requests, talking on fd 3) and attached code (a host
 * directory bound into a live sandbox for good), on the real kernel.
 */
class InstanceIT {
    private static final Duration WAIT = Duration.ofSeconds(20);
    /** Answers each line on fd 3 with "got LINE" there and "log LINE" on stdout and stderr. */
    private static final String ECHO_LOOP =
            "while read -r line <&3; do echo \"got $line\" >&3; echo \"log $line\"; echo \"err $line\" >&2; done";

    @TempDir
    static Path tmp;

    private static RuntimeFixture fx;
    private static Path code;

    @BeforeAll
    static void start() throws IOException {
        fx = RuntimeFixture.start(tmp, "instance");
        code = Files.createDirectories(tmp.resolve("code"));
        Files.writeString(code.resolve("hello.txt"), "hello from the host\n");
    }

    @AfterAll
    static void stop() throws InterruptedException {
        if (fx != null) {
            fx.close();
        }
    }

    /** Collects a conversation and is complete once the channel and stdout each have a whole line. */
    private static final class Lines implements Instance.Listener {
        final ByteArrayOutputStream channel = new ByteArrayOutputStream();
        final ByteArrayOutputStream stdout = new ByteArrayOutputStream();
        final ByteArrayOutputStream stderr = new ByteArrayOutputStream();
        final int wantStdoutLines;

        Lines(int wantStdoutLines) {
            this.wantStdoutLines = wantStdoutLines;
        }

        @Override
        public void channel(byte[] data, int offset, int length) {
            channel.write(data, offset, length);
        }

        @Override
        public void output(boolean err, byte[] data, int offset, int length) {
            (err ? stderr : stdout).write(data, offset, length);
        }

        @Override
        public boolean complete() {
            return channel.toString(StandardCharsets.UTF_8).endsWith("\n")
                    && stdout.toString(StandardCharsets.UTF_8).lines().count() >= wantStdoutLines;
        }
    }

    private static Instance startSh(Sandbox sandbox, String script) {
        return sandbox.start(ProcessSpec.builder("sh", "-c", script).timeout(Duration.ofMinutes(5)).build());
    }

    private static byte[] line(String text) {
        return (text + "\n").getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void anInstance_answersManyRequests_onItsChannel_withItsOutputApart() {
        try (Sandbox sandbox = fx.create()) {
            Instance instance = startSh(sandbox, ECHO_LOOP);
            for (String word : new String[] {"one", "two", "three"}) {
                Lines l = new Lines(1);
                assertEquals(Instance.Result.COMPLETE, instance.converse(line(word), WAIT, l));
                assertEquals("got " + word + "\n", l.channel.toString(StandardCharsets.UTF_8));
                assertEquals("log " + word + "\n", l.stdout.toString(StandardCharsets.UTF_8));
            }
            assertTrue(instance.takeUsage().peakMemoryBytes() > 0);
        }
    }

    @Test
    void anInstanceKeepsItsScratch_betweenRequests_butARunAfterItsEndStartsFresh() {
        try (Sandbox sandbox = fx.create()) {
            Instance instance = startSh(sandbox,
                    "read -r a <&3; echo kept > /tmp/state; echo ok >&3; read -r b <&3; cat /tmp/state >&3");
            assertEquals(Instance.Result.COMPLETE, instance.converse(line("a"), WAIT, new Lines(0)));
            Lines second = new Lines(0);
            assertEquals(Instance.Result.COMPLETE, instance.converse(line("b"), WAIT, second));
            assertEquals("kept\n", second.channel.toString(StandardCharsets.UTF_8));

            assertEquals(Instance.Result.ENDED, instance.converse(new byte[0], WAIT, new Lines(1)));
            assertEquals(Outcome.EXITED, instance.outcome());
            assertEquals("none\n", shOk(sandbox, "cat /tmp/state 2>/dev/null || echo none"));
        }
    }

    @Test
    void whileAnInstanceIsUp_theSandboxRunsNothingElse() {
        try (Sandbox sandbox = fx.create()) {
            startSh(sandbox, ECHO_LOOP);
            SandboxException e = assertThrows(SandboxException.class, () -> sh(sandbox, "true"));
            assertTrue(e.getMessage().contains("instance"), e.getMessage());
            assertThrows(SandboxException.class, () -> startSh(sandbox, ECHO_LOOP));
        }
    }

    @Test
    void anInstanceThatDoesNotAnswer_timesOut_andKillEndsIt_thenTheSandboxRunsAgain() {
        try (Sandbox sandbox = fx.create()) {
            Instance instance = startSh(sandbox, "sleep 1000 & read -r x <&3; sleep 1000");
            assertEquals(Instance.Result.TIMED_OUT, instance.converse(line("x"), Duration.ofMillis(300), new Lines(1)));
            assertTrue(RuntimeFixture.leftoverPids(sandbox).size() >= 2, "the instance's processes are up");

            sandbox.kill();
            assertEquals(Instance.Result.ENDED, instance.converse(new byte[0], WAIT, new Lines(1)));
            assertEquals(Outcome.KILLED, instance.outcome());
            assertEquals("again\n", shOk(sandbox, "echo again"));
            assertEquals(java.util.List.of(), RuntimeFixture.leftoverPids(sandbox), "every process of the instance is gone");
        }
    }

    @Test
    void aRunsKillOfItsProcessGroup_reachesNoOtherSandbox() {
        try (Sandbox other = fx.create(); Sandbox killer = fx.create()) {
            Instance instance = startSh(other, ECHO_LOOP);
            assertEquals(Instance.Result.COMPLETE, instance.converse(line("one"), WAIT, new Lines(1)));
            sh(killer, "kill -9 0"); // same uid as the other sandbox's processes: only the group protects them
            Lines l = new Lines(1);
            assertEquals(Instance.Result.COMPLETE, instance.converse(line("two"), WAIT, l), "outcome: " + instance.outcome());
            assertEquals("got two\n", l.channel.toString(StandardCharsets.UTF_8));
        }
    }

    @Test
    void anInstanceOverItsMemoryLimit_endsOutOfMemory() {
        try (Sandbox sandbox = fx.create(fx.spec().memoryBytes(64L << 20).scratchBytes(8L << 20).build())) {
            Instance instance = startSh(sandbox, "read -r x <&3; x=a; while true; do x=$x$x; done");
            Instance.Result r = instance.converse(line("go"), WAIT, new Lines(1));
            assertEquals(Instance.Result.ENDED, r);
            assertEquals(Outcome.OUT_OF_MEMORY, instance.outcome());
        }
    }

    @ParameterizedTest(name = "prepareAhead={0}")
    @ValueSource(booleans = {true, false})
    void attachedCode_showsReadOnly_inEveryLaterRun(boolean ahead) {
        try (Sandbox sandbox = fx.create(fx.spec().prepareAhead(ahead).build())) {
            sandbox.attach(code, "/code");
            for (int i = 0; i < 2; i++) {
                assertEquals("hello from the host\n", shOk(sandbox, "cat /code/hello.txt"));
            }
            Execution write = sh(sandbox, "echo x > /code/new.txt");
            assertNotEquals(0, write.exitCode(), describe(write));
            assertTrue(write.stderrText().contains("Read-only"), describe(write));
            assertTrue(Files.notExists(code.resolve("new.txt")));
        }
    }

    @Test
    void anAttachNotWaitedFor_isInPlaceForTheNextRun_andAFailedOneFailsThatRun() throws IOException {
        try (Sandbox sandbox = fx.create()) {
            sandbox.attach(code, "/code", false);
            assertEquals("hello from the host\n", shOk(sandbox, "cat /code/hello.txt"));
        }
        Path layer = Files.createDirectories(tmp.resolve("file-at-code-2"));
        Files.writeString(layer.resolve("code"), "not a directory");
        Sandbox broken = fx.create(fx.spec().layers(java.util.List.of(layer, fx.rootfs)).build());
        broken.attach(code, "/code", false);
        SandboxException e = assertThrows(SandboxException.class, () -> sh(broken, "true"));
        assertTrue(e.getMessage().contains("attach failed"), e.getMessage());
        assertThrows(SandboxException.class, () -> sh(broken, "true"), "the sandbox is destroyed");
    }

    @Test
    void codeAttachedToARunningInstance_showsInIt() {
        try (Sandbox sandbox = fx.create()) {
            Instance instance = startSh(sandbox, "read -r x <&3; cat /code/hello.txt >&3");
            sandbox.attach(code, "/code");
            Lines l = new Lines(0);
            assertEquals(Instance.Result.COMPLETE, instance.converse(line("go"), WAIT, l));
            assertEquals("hello from the host\n", l.channel.toString(StandardCharsets.UTF_8));
        }
    }

    @ParameterizedTest(name = "a request of {0} bytes")
    @ValueSource(ints = {5, Instance.MAX_FORWARDED_REQUEST + 1})
    void anInstancesFirstRequest_withItsAttach_reachesItOnlyOnceTheCodeIsThere(int size) {
        try (Sandbox sandbox = fx.create()) {
            Instance instance = startSh(sandbox,
                    "while read -r x <&3; do echo \"$(cat /code/hello.txt) ${#x}\" >&3; done");
            String request = "x".repeat(size);
            Lines first = new Lines(0);
            assertEquals(Instance.Result.COMPLETE, instance.attachAndConverse(code, "/code", line(request), WAIT, first));
            assertEquals("hello from the host " + size + "\n", first.channel.toString(StandardCharsets.UTF_8));
            assertTrue(sandbox.attached());

            Lines second = new Lines(0);
            assertEquals(Instance.Result.COMPLETE, instance.converse(line("next"), WAIT, second));
            assertEquals("hello from the host 4\n", second.channel.toString(StandardCharsets.UTF_8));
        }
    }

    @Test
    void aFirstRequestThatInitCannotCarry_goesThePlainWay() {
        byte[] notUtf8 = {'a', (byte) 0xff, 'b', '\n'};
        byte[] nul = {'a', 0, 'b', '\n'};
        for (byte[] request : new byte[][] {notUtf8, nul}) {
            try (Sandbox sandbox = fx.create()) {
                Instance instance = startSh(sandbox, "read -r x <&3; echo \"$(cat /code/hello.txt)\" >&3");
                Lines first = new Lines(0);
                assertEquals(Instance.Result.COMPLETE, instance.attachAndConverse(code, "/code", request, WAIT, first));
                assertEquals("hello from the host\n", first.channel.toString(StandardCharsets.UTF_8));
            }
        }
    }

    @Test
    void anInstanceThatEndsBeforeItsFirstRequest_endsTheConversationWithItsOwnOutcome() {
        try (Sandbox sandbox = fx.create()) {
            Instance instance = startSh(sandbox, "exit 3");

            assertEquals(Instance.Result.ENDED, instance.attachAndConverse(code, "/code", line("go"), WAIT, new Lines(0)));
            assertEquals(Outcome.EXITED, instance.outcome(), instance.error());
        }
    }

    @Test
    void aFailedAttachWithTheFirstRequest_failsTheConversation_andDestroysTheSandbox() throws IOException {
        Path layer = Files.createDirectories(tmp.resolve("file-at-code-3"));
        Files.writeString(layer.resolve("code"), "not a directory");
        try (Sandbox sandbox = fx.create(fx.spec().layers(java.util.List.of(layer, fx.rootfs)).build())) {
            Instance instance = startSh(sandbox, "read -r x <&3; echo \"$x\" >&3");

            SandboxException e = assertThrows(SandboxException.class,
                    () -> instance.attachAndConverse(code, "/code", line("go"), WAIT, new Lines(0)));

            assertTrue(e.getMessage().contains("attach"), e.getMessage());
            assertThrows(SandboxException.class, () -> sh(sandbox, "true"), "the sandbox is destroyed");
        }
    }

    @Test
    void attachedCode_inAUserNamespace_isReadableByTheRun() {
        try (Sandbox sandbox = fx.create(fx.spec().userNamespace(300_000).build())) {
            sandbox.attach(code, "/code");
            assertEquals("hello from the host\n", shOk(sandbox, "cat /code/hello.txt"));
        }
    }

    @Test
    void attach_isOncePerSandbox_andChecksItsArguments() {
        try (Sandbox sandbox = fx.create()) {
            assertThrows(SandboxException.InvalidSpec.class, () -> sandbox.attach(code, "/a/b"));
            assertThrows(SandboxException.InvalidSpec.class, () -> sandbox.attach(code, "/.."));
            assertThrows(SandboxException.InvalidSpec.class, () -> sandbox.attach(code, "code"));
            assertThrows(SandboxException.InvalidSpec.class, () -> sandbox.attach(Path.of("relative"), "/code"));
            assertThrows(SandboxException.InvalidSpec.class, () -> sandbox.attach(tmp.resolve("missing"), "/code"));
            assertThrows(SandboxException.InvalidSpec.class, () -> sandbox.attach(code.resolve("hello.txt"), "/code"));
            sandbox.attach(code, "/code");
            assertThrows(SandboxException.InvalidSpec.class, () -> sandbox.attach(code, "/other"));
            assertEquals("hello from the host\n", shOk(sandbox, "cat /code/hello.txt"));
        }
    }

    @Test
    void anImageFileWhereCodeGoes_isRefused_andTheSandboxIsDestroyed() throws IOException {
        Path layer = Files.createDirectories(tmp.resolve("file-at-code"));
        Files.writeString(layer.resolve("code"), "not a directory");
        Sandbox sandbox = fx.create(fx.spec().layers(java.util.List.of(layer, fx.rootfs)).build());
        SandboxException e = assertThrows(SandboxException.class, () -> sandbox.attach(code, "/code"));
        assertTrue(e.getMessage().contains("not a directory"), e.getMessage());
        assertThrows(SandboxException.class, () -> sh(sandbox, "true"));
    }
}
