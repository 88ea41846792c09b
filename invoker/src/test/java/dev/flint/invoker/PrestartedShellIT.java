package dev.flint.invoker;

import static dev.flint.invoker.InvokerFixture.describe;
import static dev.flint.invoker.InvokerFixture.invocation;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flint.pool.FunctionKey;
import dev.flint.pool.PoolConfig;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * ADR 0017: a shell function's next process is its shell started ahead, waiting for its script.
 * It must be indistinguishable from {@code sh SCRIPT} started on the request: the same
 * environment, working directory, {@code $0}, arguments and stdin; a fresh process in a fresh root
 * each time; the timeout counted from the request.
 */
class PrestartedShellIT {
    /** Tells the two apart in the logs only: the shell's own command line. */
    private static final String PROBE = """
            tr '\\0' ' ' < /proc/$$/cmdline >&2; echo >&2
            read -r input
            case "$input" in *slow*) sleep 30 & sleep 30 ;; esac
            seen=$(cat /tmp/mark 2>/dev/null || echo none)
            echo x > /tmp/mark
            sum=$(env | grep -v -e '^__OW_ACTIVATION_ID=' -e '^__OW_DEADLINE=' | sort | md5sum | cut -c1-32)
            echo "{\\"env\\": \\"$sum\\", \\"pwd\\": \\"$PWD\\", \\"zero\\": \\"$0\\", \\"args\\": $#, \\"seen\\": \\"$seen\\", \\"in\\": $input}"
            """;
    private static final Map<String, String> TRICKY_ENV = Map.of(
            "QUOTED", "it's \"quoted\" $(echo not run) `id` \\ end",
            "LINES", "one\ntwo\n",
            "EMPTY", "",
            "OLDPWD", "/the/caller's");

    @TempDir
    static Path tmp;

    private static InvokerFixture fx;
    private static Invoker invoker;

    @BeforeAll
    static void start() throws IOException {
        fx = InvokerFixture.start(tmp, "prestart");
        invoker = Invoker.start(fx.runtime, InvokerConfig.defaults(null).withPool(PoolConfig.defaults().withStemCells(1, 1)),
                new SimpleMeterRegistry());
        invoker.prewarm(InvokerFixture.busybox());
    }

    @AfterAll
    static void stop() {
        if (invoker != null) {
            invoker.close();
        }
        if (fx != null) {
            fx.close();
        }
    }

    private FunctionSpec function(String name, Map<String, String> env, Limits limits) throws IOException {
        return new FunctionSpec(FunctionKey.parse("guest/" + name), "r1", Kind.SHELL, InvokerFixture.busybox(),
                fx.codeLayer("main.sh", PROBE), "main.sh", List.of(), null, env, limits);
    }

    private static boolean prestarted(ActivationRecord r) {
        return r.logs().stream().anyMatch(l -> l.text().contains(". /proc/self/fd/3"));
    }

    @Test
    void theSecondInvocation_runsOnAShellStartedAhead_andSeesWhatAPlainOneSees() throws IOException {
        FunctionSpec f = function("same-sh", TRICKY_ENV, Limits.defaults());
        // The same script as a blackbox command: always sh SCRIPT, started on the request.
        FunctionSpec plainSpec = new FunctionSpec(f.key(), "plain", Kind.BLACKBOX, f.image(), f.code(), "",
                List.of("/bin/sh", "/function/main.sh"), null, TRICKY_ENV, Limits.defaults());

        ActivationRecord plain = invoker.invoke(invocation(plainSpec, "{\"n\": 1}"));
        invoker.invoke(invocation(f, "{\"n\": 1}"));
        ActivationRecord second = invoker.invoke(invocation(f, "{\"n\": 1}"));

        assertEquals(Status.SUCCESS, plain.status(), describe(plain));
        assertEquals(Status.SUCCESS, second.status(), describe(second));
        assertTrue(!prestarted(plain) && prestarted(second), describe(plain) + describe(second));
        assertEquals(StartKind.WARM, second.startKind());
        assertEquals("/function", plain.result().get("pwd").asText());
        assertEquals("/function/main.sh", plain.result().get("zero").asText());
        assertEquals("none", second.result().get("seen").asText(), "a fresh root each time");
        assertEquals(plain.result(), second.result(), describe(plain) + describe(second));
    }

    /**
     * A pre-started shell reports its status from an EXIT trap before its own exit, and the run
     * ends there (init's finish_early): the same status, result, logs and clean-up as a plain
     * {@code sh SCRIPT}, also when the script exits itself, sets its own EXIT trap (then the run
     * ends at the exit), leaves a process running or writes more than a pipe holds.
     */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {
        "echo '{\"a\": 1}'; false",
        "echo '{\"a\": 1}'; exit 3",
        "trap 'echo its own trap >&2' EXIT; echo '{\"a\": 1}'",
        "(sleep 30; echo late >&2) & echo '{\"a\": 1}'",
        "printf '{\"a\": \"'; head -c 200000 /dev/zero | tr '\\0' a; echo '\"}'"})
    void aPrestartedShellsEnd_isThatOfThePlainShell(String body) throws IOException {
        String script = "tr '\\0' ' ' < /proc/$$/cmdline >&2; echo >&2\nread -r input\n" + body + "\n";
        FunctionSpec f = new FunctionSpec(FunctionKey.parse("guest/end-" + Integer.toHexString(body.hashCode())), "r1",
                Kind.SHELL, InvokerFixture.busybox(), fx.codeLayer("main.sh", script), "main.sh", List.of(), null, Map.of(),
                Limits.defaults());
        FunctionSpec plainSpec = new FunctionSpec(f.key(), "plain", Kind.BLACKBOX, f.image(), f.code(), "",
                List.of("/bin/sh", "/function/main.sh"), null, Map.of(), Limits.defaults());

        ActivationRecord plain = invoker.invoke(invocation(plainSpec, "{}"));
        invoker.invoke(invocation(f, "{}"));
        ActivationRecord ahead = invoker.invoke(invocation(f, "{}"));
        ActivationRecord next = invoker.invoke(invocation(f, "{}"));

        assertTrue(!prestarted(plain) && prestarted(ahead) && prestarted(next), describe(plain) + describe(ahead));
        assertEquals(plain.status(), ahead.status(), describe(plain) + describe(ahead));
        assertEquals(plain.result(), ahead.result(), describe(plain) + describe(ahead));
        assertEquals(plain.status(), next.status(), describe(next));
        assertEquals(logsButTheFirst(plain), logsButTheFirst(ahead), describe(plain) + describe(ahead));
    }

    /** The log lines' texts, but the first (the shell's command line, which tells the two apart). */
    private static List<String> logsButTheFirst(ActivationRecord r) {
        List<String> texts = r.logs().stream().map(LogLine::text).toList();
        return texts.isEmpty() ? texts : texts.subList(1, texts.size());
    }

    @Test
    void aStemCell_holdsTheShellAhead_onceTheInvokerRanAShellFunctionOnItsImage() throws Exception {
        invoker.invoke(invocation(function("teach-sh", Map.of(), Limits.defaults()), "{}"));
        ActivationRecord r = null;
        for (int i = 0; i < 50 && (r == null || r.startKind() != StartKind.STEM); i++) {
            awaitStemCell();
            r = invoker.invoke(invocation(function("stem-sh-" + i, Map.of(), Limits.defaults()), "{\"n\": 2}"));
        }

        assertEquals(StartKind.STEM, r.startKind(), describe(r));
        assertEquals(Status.SUCCESS, r.status(), describe(r));
        assertTrue(prestarted(r), describe(r));
        assertEquals(2, r.result().get("in").get("n").asInt());
    }

    @Test
    void theTimeout_countsFromTheRequest_andATimedOutShellIsNotReused() throws Exception {
        FunctionSpec f = function("slow-sh", Map.of(), Limits.defaults().withTimeout(Duration.ofMillis(800)));
        invoker.invoke(invocation(f, "{}"));
        Thread.sleep(1000); // the shell waiting for the next request is not timed

        ActivationRecord waited = invoker.invoke(invocation(f, "{}"));
        ActivationRecord slow = invoker.invoke(invocation(f, "{\"slow\": true}"));
        ActivationRecord after = invoker.invoke(invocation(f, "{}"));

        assertEquals(Status.SUCCESS, waited.status(), describe(waited));
        assertTrue(prestarted(waited), describe(waited));
        assertEquals(Status.TIMEOUT, slow.status(), describe(slow));
        assertEquals(Status.SUCCESS, after.status(), describe(after));
        assertEquals("none", after.result().get("seen").asText(), describe(after));
    }

    @Test
    void anEnvironmentTooLargeForTheStartText_runsThePlainWay() throws IOException {
        FunctionSpec f = function("big-env-sh", Map.of("BIG", "x".repeat(5000)), Limits.defaults());

        ActivationRecord first = invoker.invoke(invocation(f, "{}"));
        ActivationRecord second = invoker.invoke(invocation(f, "{}"));

        assertEquals(Status.SUCCESS, second.status(), describe(second));
        assertTrue(!prestarted(second), describe(second));
        assertEquals(first.result(), second.result(), describe(second));
    }

    private static void awaitStemCell() throws InterruptedException {
        for (int i = 0; i < 300 && invoker.poolSnapshot().stemCellsReady().getOrDefault(InvokerFixture.busybox(), 0) == 0; i++) {
            Thread.sleep(20);
        }
    }
}
