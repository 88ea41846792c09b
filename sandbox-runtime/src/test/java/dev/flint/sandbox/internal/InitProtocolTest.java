package dev.flint.sandbox.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flint.sandbox.ProcessSpec;
import dev.flint.sandbox.SandboxException;
import dev.flint.sandbox.internal.sys.RecordingSyscalls;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The JVM side of the flint-init protocol, against the recording fake: no root, no kernel. */
class InitProtocolTest {
    private final RecordingSyscalls sys = new RecordingSyscalls();

    private static byte[] msg(NativeMessage m) {
        return m.encode();
    }

    @Test
    void factory_startsOnceFromSealedMemfd_andPassesTheInitSocketWithTheRequest() {
        InitFactory factory = new InitFactory(sys);
        int factorySocket = 101; // memfd took 100, the pair is 101/102
        assertEquals("memfd flint-init", sys.calls().get(0).substring(0, 16));
        assertTrue(sys.calls().get(2).startsWith("spawn /proc/self/fd/100 flint-init factory fd3=102"), sys.calls().toString());
        sys.queueMessage(factorySocket, msg(NativeMessage.builder(NativeMessage.CREATED).put("pid", 4242).build()), 77);

        InitFactory.Created created = factory.create(NativeMessage.builder(NativeMessage.CREATE).put("id", "sb-1").build(), 55);

        assertEquals(4242, created.pid());
        assertEquals(77, created.pidfd());
        int send = sys.calls().indexOf("send 101 C fds=[55]");
        assertTrue(send > 0, sys.calls().toString());
        assertTrue(sys.calls().indexOf("close 55") > send, "the init's socket end is closed once sent");
        factory.close();
        List<String> tail = sys.calls().subList(sys.calls().size() - 3, sys.calls().size());
        assertEquals(List.of("close 101", "waitpid 5000", "close 100"), tail);
    }

    @Test
    void factory_errorReply_becomesFailedWithTheNativeWordsAndAHint() {
        InitFactory factory = new InitFactory(sys);
        sys.queueMessage(101, msg(NativeMessage.builder(NativeMessage.ERROR)
                .put("error", "attach to cgroup /sys/fs/cgroup/pids/x/cgroup.procs: No space left on device").build()));

        SandboxException e = assertThrows(SandboxException.Failed.class,
                () -> factory.create(NativeMessage.builder(NativeMessage.CREATE).build(), 55));

        assertTrue(e.getMessage().contains("attach to cgroup"), e.getMessage());
        assertTrue(e.hint().contains("pids"), e.hint());
    }

    @Test
    void run_sendsExecWithTheChildEndsOfThreePipes_closesThem_andCollectsOutput() {
        InitChannel channel = new InitChannel(sys, 10, 4242, 11);
        int first = sys.peekFd(); // pipes: stdin first..+1, stdout +2..+3, stderr +4..+5
        sys.queueRead(first + 2, "hello\n".getBytes(StandardCharsets.UTF_8));
        sys.queueRead(first + 4, "warn\n".getBytes(StandardCharsets.UTF_8));
        sys.queueMessage(10, msg(NativeMessage.builder(NativeMessage.DONE).put("exit", 3).put("utime_us", 10).build()));

        InitChannel.RunResult r = channel.run(ProcessSpec.builder("echo", "hello").env("A", "b").build());

        assertEquals("hello\n", new String(r.stdout(), StandardCharsets.UTF_8));
        assertEquals("warn\n", new String(r.stderr(), StandardCharsets.UTF_8));
        assertEquals(3, r.done().getLong("exit", -1));
        String send = "send 10 X fds=[" + first + ", " + (first + 3) + ", " + (first + 5) + "]";
        int at = sys.calls().indexOf(send);
        assertTrue(at > 0, sys.calls().toString());
        for (int childEnd : new int[] {first, first + 3, first + 5}) {
            assertTrue(sys.calls().subList(at, sys.calls().size()).contains("close " + childEnd), "closes " + childEnd);
        }
        NativeMessage exec = NativeMessage.decode(sys.lastSent(10), sys.lastSent(10).length);
        assertEquals(List.of("echo", "hello"), exec.all("arg"));
        assertTrue(exec.all("env").contains("A=b"));
        assertEquals("60000", exec.get("timeout_ms").orElseThrow());
    }

    @Test
    void run_outputPastTheLimit_isDroppedAndMarked() {
        InitChannel channel = new InitChannel(sys, 10, 4242, 11);
        int first = sys.peekFd();
        sys.queueRead(first + 2, "0123456789".getBytes(StandardCharsets.UTF_8));
        sys.queueMessage(10, msg(NativeMessage.builder(NativeMessage.DONE).put("exit", 0).build()));

        InitChannel.RunResult r = channel.run(ProcessSpec.builder("yes").outputLimitBytes(4).build());

        assertArrayEquals("0123".getBytes(StandardCharsets.UTF_8), r.stdout());
        assertTrue(r.truncated());
    }

    @Test
    void run_initGone_isAFailureThatSaysToRecreate() {
        InitChannel channel = new InitChannel(sys, 10, 4242, 11);
        SandboxException e = assertThrows(SandboxException.Failed.class, () -> channel.run(ProcessSpec.builder("true").build()));
        assertTrue(e.getMessage().contains("init exited"), e.getMessage());
    }

    @Test
    void close_killsInitThroughItsPidfd_once() {
        InitChannel channel = new InitChannel(sys, 10, 4242, 11);
        channel.close();
        channel.close();
        assertEquals(List.of("pidfd_send_signal 11 9", "close 10", "close 11"), sys.calls());
    }

    @Test
    void nativeMessage_roundTripsRepeatedKeysAndValuesWithEquals() {
        NativeMessage m = NativeMessage.builder('X').put("arg", "a=b").put("arg", "").put("env", "K=V=W").build();
        NativeMessage back = NativeMessage.decode(m.encode(), m.encode().length);
        assertEquals('X', back.op());
        assertEquals(List.of("a=b", ""), back.all("arg"));
        assertEquals("K=V=W", back.get("env").orElseThrow());
        assertThrows(IllegalArgumentException.class, () -> NativeMessage.builder('X').put("arg", "nul\0byte"));
    }
}
