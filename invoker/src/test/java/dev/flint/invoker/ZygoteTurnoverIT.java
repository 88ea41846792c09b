package dev.flint.invoker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.flint.invoker.internal.PythonLauncher;
import dev.flint.sandbox.Instance;
import dev.flint.sandbox.Sandbox;
import dev.flint.sandbox.SandboxSpec;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
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
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * ADR 0015's addendum: a zygote gives a bounded number of copies (they share its address-space
 * layout and hash seed), then the next sandbox gets a new zygote's copy, while the old one's copies
 * go on serving and the old zygote itself is gone.
 */
class ZygoteTurnoverIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** The fixture's cgroup parent for the name "turnover". */
    private static final String CGROUP_PARENT = "flint-it-turnover";

    @TempDir
    Path tmp;

    private InvokerFixture fx;
    private final List<Sandbox> sandboxes = new ArrayList<>();

    @BeforeEach
    void start() throws IOException {
        fx = InvokerFixture.start(tmp, "turnover");
    }

    @AfterEach
    void stop() {
        sandboxes.forEach(Sandbox::destroy);
        if (fx != null) {
            fx.close();
            assertEquals(List.of(), InvokerFixture.cgroupsNamed(CGROUP_PARENT), "cgroups left behind, retired zygotes' included");
        }
    }

    @Test
    void aZygoteGivesAtMostItsCopies_thenANewOneGivesTheNext_andTheOldCopiesServeOn() throws Exception {
        Path code = Files.createDirectories(tmp.resolve("code"));
        Files.writeString(code.resolve("main.py"), """
                import os, random
                def main(args):
                    return {"pid": os.getpid(), "seen": args["n"], "draw": random.random(), "seed": hash("flint")}
                """);
        int zygoteB;
        try (PythonLauncher launcher = new PythonLauncher(JSON, fx.runtime, InvokerFixture.python(), 2, Duration.ofHours(1))) {
            Instance first = launcher.start(sandbox());
            int zygoteA = launcher.zygotePid();
            Instance second = launcher.start(sandbox());
            assertEquals(zygoteA, launcher.zygotePid(), "two copies from one zygote");
            Instance third = launcher.start(sandbox());
            zygoteB = launcher.zygotePid();
            assertTrue(zygoteA > 0 && zygoteB > 0, "copies of zygotes: " + zygoteA + ", " + zygoteB);
            assertNotEquals(zygoteA, zygoteB, "the third copy comes from a new zygote");
            assertTrue(gone(zygoteA), "the retired zygote was closed: no fork of it was under way");

            List<JsonNode> answers = new ArrayList<>();
            int n = 0;
            for (Instance i : List.of(first, second, third)) {
                answers.add(activate(i, code, ++n));
            }
            for (int i = 0; i < answers.size(); i++) {
                assertEquals(i + 1, answers.get(i).path("result").path("seen").asInt(), "answer " + i + ": " + answers.get(i));
            }
            assertNotEquals(answers.get(0).path("result").path("draw"), answers.get(1).path("result").path("draw"),
                    "each copy re-seeds random");
            assertEquals(seed(answers.get(0)), seed(answers.get(1)), "copies of one zygote share its hash seed");
            assertNotEquals(seed(answers.get(0)), seed(answers.get(2)), "a new zygote's copy has a new hash seed");
        }
        assertTrue(gone(zygoteB), "closing the launcher closed its zygote");
        assertEquals(List.of(), zygoteCgroups(), "no zygote's cgroup is left");
    }

    @Test
    void concurrentStarts_retireZygotesWithForksUnderWay_andEveryCopyServes_andNoZygoteIsLeft() throws Exception {
        Path code = Files.createDirectories(tmp.resolve("code"));
        Files.writeString(code.resolve("main.py"), "def main(args):\n    return {\"seen\": args[\"n\"]}\n");
        int n = 6;
        List<Sandbox> made = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            made.add(sandbox());
        }
        ExecutorService starters = Executors.newFixedThreadPool(n);
        try (PythonLauncher launcher = new PythonLauncher(JSON, fx.runtime, InvokerFixture.python(), 1, Duration.ofHours(1))) {
            CountDownLatch go = new CountDownLatch(1);
            List<Future<Instance>> started = new ArrayList<>();
            for (Sandbox s : made) {
                started.add(starters.submit(() -> {
                    go.await();
                    return launcher.start(s);
                }));
            }
            go.countDown();
            for (int i = 0; i < n; i++) {
                JsonNode answer = activate(started.get(i).get(60, TimeUnit.SECONDS), code, i);
                assertEquals(i, answer.path("result").path("seen").asInt(), answer.toString());
            }
            assertEquals(1, zygoteCgroups().stream().map(Path::getFileName).distinct().count(),
                    "only the current zygote is left while the launcher is open: " + zygoteCgroups());
        } finally {
            starters.shutdownNow();
        }
        assertEquals(List.of(), zygoteCgroups(), "no zygote's cgroup is left after the launcher's close");
    }

    @Test
    void limitsMustGiveAtLeastOneCopyForAPositiveTime() {
        assertThrows(IllegalArgumentException.class,
                () -> new PythonLauncher(JSON, fx.runtime, InvokerFixture.python(), 0, Duration.ofMinutes(1)));
        assertThrows(IllegalArgumentException.class,
                () -> new PythonLauncher(JSON, fx.runtime, InvokerFixture.python(), 1, Duration.ZERO));
    }

    private Sandbox sandbox() {
        Sandbox s = fx.runtime.create(SandboxSpec.builder().layers(InvokerFixture.python().dirs()).build());
        sandboxes.add(s);
        return s;
    }

    /** One activation of {@code code}'s main.py, attached at /function, with {@code n} as its argument. */
    private static JsonNode activate(Instance instance, Path code, int n) throws IOException {
        byte[] request = ("{\"value\":{\"n\":" + n + "},\"code\":\"/function/main.py\"}\n").getBytes(StandardCharsets.UTF_8);
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        Instance.Result r = instance.attachAndConverse(code, "/function", request, Duration.ofSeconds(10), new Instance.Listener() {
            @Override
            public void channel(byte[] data, int offset, int length) {
                line.write(data, offset, length);
            }

            @Override
            public void output(boolean stderr, byte[] data, int offset, int length) {
            }

            @Override
            public boolean complete() {
                byte[] b = line.toByteArray();
                return b.length > 0 && b[b.length - 1] == '\n';
            }
        });
        assertEquals(Instance.Result.COMPLETE, r, "the copy answered: " + line);
        JsonNode answer = JSON.readTree(line.toByteArray());
        assertEquals("success", answer.path("status").asText(), answer.toString());
        return answer;
    }

    private static String seed(JsonNode answer) {
        return answer.path("result").path("seed").asText();
    }

    /** The zygotes' cgroups under this test's cgroup parent, in any hierarchy. */
    private static List<Path> zygoteCgroups() throws IOException {
        List<Path> found = new ArrayList<>();
        for (Path parent : InvokerFixture.cgroupsNamed(CGROUP_PARENT)) {
            try (var runtimes = Files.list(parent)) {
                for (Path runtime : runtimes.filter(Files::isDirectory).toList()) {
                    try (var children = Files.list(runtime)) {
                        children.filter(c -> c.getFileName().toString().startsWith("zygote-")).forEach(found::add);
                    }
                }
            }
        }
        return found;
    }

    private static boolean gone(int pid) throws InterruptedException {
        for (int i = 0; i < 100 && Files.exists(Path.of("/proc/" + pid)); i++) {
            Thread.sleep(20);
        }
        return !Files.exists(Path.of("/proc/" + pid));
    }
}
