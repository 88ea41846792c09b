package dev.flint.invoker;

import static dev.flint.invoker.InvokerFixture.describe;
import static dev.flint.invoker.InvokerFixture.invocation;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flint.pool.PoolConfig;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The invoker on the real kernel with the real base images: shell (exec mode) and Python
 * (instance mode) functions through cold, stem-cell and warm sandboxes, isolation between
 * invocations, every failure status, concurrency limits, and many concurrent invocations.
 */
class InvokerIT {
    private static final String HELLO_PY = """
            def main(args):
                print("hello log")
                return {"greeting": "hello " + args.get("name", "world")}
            """;
    private static final String HELLO_SH = """
            read -r input
            echo "hello log" >&2
            echo "not the result"
            echo "{\\"got\\": $input}"
            """;

    @TempDir
    static Path tmp;

    private static InvokerFixture fx;
    private static SimpleMeterRegistry meters;
    private static Invoker invoker;

    @BeforeAll
    static void start() throws IOException {
        fx = InvokerFixture.start(tmp, "invoker");
        meters = new SimpleMeterRegistry();
        InvokerConfig config = InvokerConfig.defaults(InvokerFixture.python())
                .withPool(PoolConfig.defaults().withStemCells(2, 8));
        invoker = Invoker.start(fx.runtime, config, meters);
        invoker.prewarm(InvokerFixture.python());
        invoker.prewarm(InvokerFixture.busybox());
    }

    @AfterAll
    static void stop() {
        if (invoker != null) {
            invoker.close();
        }
        if (fx != null) {
            fx.close();
            assertEquals(List.of(), mountsMentioning(tmp.toString()), "mounts left behind");
            assertEquals(List.of(), InvokerFixture.cgroupsNamed("flint-it-invoker"), "cgroups left behind");
            assertEquals(List.of(), launchersRunning(), "Python launchers left running");
        }
    }

    private static List<Long> launchersRunning() {
        return ProcessHandle.allProcesses()
                .filter(p -> p.info().commandLine().orElse("").contains("Flint Python instance-mode launcher"))
                .map(ProcessHandle::pid).toList();
    }

    private static List<String> mountsMentioning(String text) {
        try {
            return Files.readAllLines(Path.of("/proc/mounts")).stream().filter(l -> l.contains(text)).toList();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static void awaitStemCells(int images) throws InterruptedException {
        for (int i = 0; i < 300 && invoker.poolSnapshot().stemCellsReady().values().stream().filter(n -> n > 0).count() < images; i++) {
            Thread.sleep(50);
        }
    }

    @Test
    void aPythonFunction_givesTheSameResult_fromAStemCell_warm_andCold() throws Exception {
        awaitStemCells(2);
        FunctionSpec f = fx.python("hello", HELLO_PY);

        ActivationRecord first = invoker.invoke(invocation(f, "{\"name\":\"flint\"}"));
        ActivationRecord second = invoker.invoke(invocation(f, "{\"name\":\"flint\"}"));

        assertEquals(Status.SUCCESS, first.status(), describe(first));
        assertEquals("{\"greeting\":\"hello flint\"}", first.result().toString());
        assertEquals(StartKind.STEM, first.startKind(), describe(first));
        assertEquals(first.result(), second.result(), describe(second));
        assertEquals(StartKind.WARM, second.startKind());
        assertTrue(first.logs().stream().anyMatch(l -> l.stream().equals("stdout") && l.text().equals("hello log")), describe(first));
        assertTrue(second.peakMemoryBytes() > 0);

        try (Invoker coldOnly = Invoker.start(fx.runtime, InvokerConfig.defaults(InvokerFixture.python())
                .withPool(PoolConfig.defaults().withStemCells(0, 0)), new SimpleMeterRegistry())) {
            ActivationRecord cold = coldOnly.invoke(invocation(fx.python("hello-cold", HELLO_PY), "{\"name\":\"flint\"}"));
            assertEquals(StartKind.COLD, cold.startKind(), describe(cold));
            assertEquals(first.result(), cold.result(), describe(cold));
        }
    }

    /** ADR 0015: the interpreter is a copy of the zygote (its parent is outside the sandbox), or one started there. */
    @Test
    void pythonInstances_areForkedFromTheZygote_orStartedInTheSandbox_withTheSameResults() throws Exception {
        String probe = "import os\ndef main(args):\n    import decimal\n"
                + "    return {'ppid': os.getppid(), 'uid': os.getuid(), 'sum': str(decimal.Decimal('0.1') + decimal.Decimal('0.2'))}\n";
        ActivationRecord forked = invoker.invoke(invocation(fx.python("probe-zygote", probe), "{}"));
        assertEquals(Status.SUCCESS, forked.status(), describe(forked));
        assertEquals(0, forked.result().get("ppid").asInt(), "a zygote's copy: " + describe(forked));
        assertEquals("0.3", forked.result().get("sum").asText(), "a module the zygote never imported loads from the sandbox's image");
        try (Invoker plain = Invoker.start(fx.runtime, InvokerConfig.defaults(InvokerFixture.python()).withPythonZygote(false)
                .withPool(PoolConfig.defaults().withStemCells(0, 0)), new SimpleMeterRegistry())) {
            ActivationRecord started = plain.invoke(invocation(fx.python("probe-plain", probe), "{}"));
            assertEquals(Status.SUCCESS, started.status(), describe(started));
            assertEquals(1, started.result().get("ppid").asInt(), "started by the sandbox's init: " + describe(started));
            assertEquals(forked.result().get("uid"), started.result().get("uid"));
            assertEquals("0.3", started.result().get("sum").asText());
        }
    }

    @Test
    void aShellFunction_readsStdin_andItsLastStdoutLineIsTheResult_theRestAreLogs() throws Exception {
        awaitStemCells(2);
        FunctionSpec f = fx.shell("hello-sh", HELLO_SH);

        ActivationRecord first = invoker.invoke(invocation(f, "{\"n\":1}"));
        ActivationRecord second = invoker.invoke(invocation(f, "{\"n\":1}"));

        assertEquals(Status.SUCCESS, first.status(), describe(first));
        assertEquals("{\"got\":{\"n\":1}}", first.result().toString());
        assertEquals(first.result(), second.result());
        assertEquals(StartKind.WARM, second.startKind());
        List<String> logs = first.logs().stream().map(l -> l.stream() + ":" + l.text()).toList();
        assertTrue(logs.contains("stderr:hello log") && logs.contains("stdout:not the result"), logs.toString());
    }

    @Test
    void theEnvironment_namesTheActivation() throws Exception {
        FunctionSpec f = fx.shell("env-sh", "echo \"{\\\"id\\\": \\\"$__OW_ACTIVATION_ID\\\", \\\"name\\\": \\\"$__OW_ACTION_NAME\\\"}\"");
        Invocation inv = invocation(f, "{}");
        ActivationRecord r = invoker.invoke(inv);
        assertEquals(inv.activationId(), r.result().get("id").asText(), describe(r));
        assertEquals("/guest/env-sh", r.result().get("name").asText());
    }

    @Test
    void inExecMode_nothingOfOneInvocation_reachesTheNext() throws Exception {
        FunctionSpec f = fx.shell("state-sh", """
                seen=$(cat /tmp/mark 2>/dev/null || echo none)
                others=$(ps -o pid= 2>/dev/null | wc -l)
                echo x > /tmp/mark
                sleep 300 &
                echo "{\\"seen\\": \\"$seen\\"}"
                """);
        for (int i = 0; i < 3; i++) {
            ActivationRecord r = invoker.invoke(invocation(f, "{}"));
            assertEquals("{\"seen\":\"none\"}", r.result().toString(), describe(r));
        }
    }

    @Test
    void inInstanceMode_tmpIsReset_andBackgroundProcessesAreGone_butGlobalsStay() throws Exception {
        FunctionSpec f = fx.python("state-py", """
                import os, subprocess
                count = 0
                def main(args):
                    global count
                    count += 1
                    seen = os.path.exists("/tmp/mark")
                    others = [p for p in os.listdir("/proc") if p.isdigit() and int(p) not in (1, os.getpid())]
                    open("/tmp/mark", "w").write("x")
                    subprocess.Popen(["sleep", "300"])
                    return {"count": count, "seen": seen, "others": len(others)}
                """);
        for (int i = 1; i <= 3; i++) {
            ActivationRecord r = invoker.invoke(invocation(f, "{}"));
            assertEquals("{\"count\":" + i + ",\"seen\":false,\"others\":0}", r.result().toString(), describe(r));
        }
    }

    @Test
    void aTimeout_killsEverything_andTheSandboxIsReplaced() throws Exception {
        Limits quick = Limits.defaults().withTimeout(Duration.ofMillis(500));
        FunctionSpec py = fx.python("slow-py", """
                import time
                def main(args):
                    if args.get("sleep"):
                        time.sleep(30)
                    return {"pid": __import__("os").getpid()}
                """, quick);
        ActivationRecord before = invoker.invoke(invocation(py, "{}"));
        ActivationRecord slow = invoker.invoke(invocation(py, "{\"sleep\": true}"));
        ActivationRecord after = invoker.invoke(invocation(py, "{}"));

        assertEquals(Status.TIMEOUT, slow.status(), describe(slow));
        assertEquals("The action exceeded its time limits of 500 milliseconds.", slow.result().get("error").asText());
        assertEquals(Status.SUCCESS, after.status(), describe(after));
        assertNotEquals(StartKind.WARM, after.startKind(), "a timed-out sandbox is not reused");

        FunctionSpec sh = fx.shell("slow-sh", "sleep 30 & sleep 30", quick);
        ActivationRecord shSlow = invoker.invoke(invocation(sh, "{}"));
        assertEquals(Status.TIMEOUT, shSlow.status(), describe(shSlow));
        assertTrue(before.status().success(), describe(before));
    }

    @Test
    void overItsMemoryLimit_aFunctionEndsWithMemoryLimitExceeded() throws Exception {
        FunctionSpec py = fx.python("hog-py", """
                def main(args):
                    hog = []
                    while True:
                        hog.append(bytearray(16 << 20))
                """);
        ActivationRecord r = invoker.invoke(invocation(py, "{}"));
        assertEquals(Status.MEMORY_LIMIT, r.status(), describe(r));

        FunctionSpec small = fx.python("small-py", """
                def main(args):
                    block = bytearray(96 << 20)
                    return {"ok": len(block)}
                """, Limits.defaults().withMemoryBytes(64L << 20));
        ActivationRecord tooBig = invoker.invoke(invocation(small, "{}"));
        assertEquals(Status.MEMORY_LIMIT, tooBig.status(), "a function's own limit holds below the stem cell's: " + describe(tooBig));

        FunctionSpec big = fx.python("big-py", """
                def main(args):
                    block = bytearray(400 << 20)
                    return {"ok": len(block)}
                """, Limits.defaults().withMemoryBytes(512L << 20));
        ActivationRecord fits = invoker.invoke(invocation(big, "{}"));
        assertEquals(Status.SUCCESS, fits.status(), "and above it: " + describe(fits));
        assertTrue(fits.peakMemoryBytes() > 400L << 20, describe(fits));

        FunctionSpec sh = fx.shell("hog-sh", "x=a; while true; do x=$x$x; done");
        ActivationRecord s = invoker.invoke(invocation(sh, "{}"));
        assertEquals(Status.MEMORY_LIMIT, s.status(), describe(s));
    }

    @Test
    void exceptionsAndBadResults_getTheirStatuses() throws Exception {
        ActivationRecord raised = invoker.invoke(invocation(fx.python("raise-py", """
                def main(args):
                    raise ValueError("no good")
                """), "{}"));
        assertEquals(Status.APPLICATION_ERROR, raised.status(), describe(raised));
        assertEquals("ValueError: no good", raised.result().get("error").asText());
        assertTrue(raised.logs().stream().anyMatch(l -> l.stream().equals("stderr") && l.text().contains("Traceback")), describe(raised));

        ActivationRecord list = invoker.invoke(invocation(fx.python("list-py", "def main(args):\n    return [1]\n"), "{}"));
        assertEquals(Status.DEVELOPER_ERROR, list.status(), describe(list));

        ActivationRecord syntax = invoker.invoke(invocation(fx.python("syntax-py", "def main(args)\n    return {}\n"), "{}"));
        assertEquals(Status.DEVELOPER_ERROR, syntax.status(), describe(syntax));
        assertTrue(syntax.result().get("error").asText().contains("SyntaxError"), describe(syntax));

        ActivationRecord errorField = invoker.invoke(invocation(fx.python("error-py", "def main(args):\n    return {'error': 'mine'}\n"), "{}"));
        assertEquals(Status.APPLICATION_ERROR, errorField.status(), describe(errorField));

        ActivationRecord exit = invoker.invoke(invocation(fx.shell("exit-sh", "echo '{}'; exit 3"), "{}"));
        assertEquals(Status.APPLICATION_ERROR, exit.status(), describe(exit));
        ActivationRecord notJson = invoker.invoke(invocation(fx.shell("text-sh", "echo hello"), "{}"));
        assertEquals(Status.DEVELOPER_ERROR, notJson.status(), describe(notJson));
    }

    @Test
    void logsOverTheLimit_areCut_andMarked() throws Exception {
        FunctionSpec f = fx.python("chatty-py", """
                def main(args):
                    for i in range(1000):
                        print("line", i)
                    return {}
                """, Limits.defaults().withLogBytes(1000));
        ActivationRecord r = invoker.invoke(invocation(f, "{}"));
        assertEquals(Status.SUCCESS, r.status(), describe(r));
        assertTrue(r.logsTruncated());
        assertTrue(r.logs().get(r.logs().size() - 1).text().contains("truncated"), describe(r));
    }

    @Test
    void aFunctionAtItsLimit_queues_thenRejectsWithTooManyRequests() throws Exception {
        FunctionSpec f = fx.shell("busy-sh", "read -r x; sleep 2; echo '{}'", Limits.defaults().withConcurrency(1));
        try (Invoker small = Invoker.start(fx.runtime, InvokerConfig.defaults(null).withQueueBound(1), new SimpleMeterRegistry())) {
            ExecutorService threads = Executors.newFixedThreadPool(2);
            try {
                Future<ActivationRecord> running = threads.submit(() -> small.invoke(invocation(f, "{}")));
                Thread.sleep(300);
                Future<ActivationRecord> queued = threads.submit(() -> small.invoke(invocation(f, "{}")));
                Thread.sleep(300);
                assertThrows(InvokerException.TooManyRequests.class, () -> small.invoke(invocation(f, "{}")));
                assertEquals(Status.SUCCESS, running.get(30, TimeUnit.SECONDS).status());
                assertEquals(Status.SUCCESS, queued.get(30, TimeUnit.SECONDS).status());
            } finally {
                threads.shutdownNow();
            }
        }
    }

    @Test
    void twoHundredConcurrentInvocations_overTwentyFunctions_getTheirOwnResults() throws Exception {
        List<FunctionSpec> functions = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            Limits two = Limits.defaults().withConcurrency(2);
            functions.add(i % 2 == 0
                    ? fx.python("many-py-" + i, "def main(args):\n    return {'fn': " + i + ", 'n': args['n']}\n", two)
                    : fx.shell("many-sh-" + i, "read -r in; echo \"{\\\"fn\\\": " + i + ", \\\"in\\\": $in}\"", two));
        }
        ExecutorService threads = Executors.newFixedThreadPool(40);
        CountDownLatch go = new CountDownLatch(1);
        List<Future<ActivationRecord>> results = new ArrayList<>();
        try {
            for (int n = 0; n < 200; n++) {
                FunctionSpec f = functions.get(n % 20);
                Invocation inv = invocation(f, "{\"n\":" + n + "}");
                results.add(threads.submit(() -> {
                    go.await();
                    return invoker.invoke(inv);
                }));
            }
            go.countDown();
            for (int n = 0; n < 200; n++) {
                ActivationRecord r = results.get(n).get(120, TimeUnit.SECONDS);
                assertEquals(Status.SUCCESS, r.status(), describe(r));
                int fn = n % 20;
                String expected = fn % 2 == 0 ? "{\"fn\":" + fn + ",\"n\":" + n + "}" : "{\"fn\":" + fn + ",\"in\":{\"n\":" + n + "}}";
                assertEquals(expected, r.result().toString());
            }
        } finally {
            threads.shutdownNow();
        }
        assertTrue(meters.get("flint.invocations").tag("status", "success").counters().stream()
                .mapToDouble(c -> c.count()).sum() >= 200);
    }

    @Test
    void aBlackboxImage_runsItsCommand_inExecMode() {
        FunctionSpec f = FunctionSpec.blackbox(dev.flint.pool.FunctionKey.parse("guest/box"), "r1", InvokerFixture.busybox(),
                List.of("/bin/sh", "-c", "read -r x; echo \"{\\\"box\\\": $x}\""), "/", java.util.Map.of(), Limits.defaults());
        ActivationRecord r = invoker.invoke(invocation(f, "{\"a\":1}"));
        assertEquals("{\"box\":{\"a\":1}}", r.result().toString(), describe(r));
    }
}
