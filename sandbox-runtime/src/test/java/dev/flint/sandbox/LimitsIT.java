package dev.flint.sandbox;

import static dev.flint.sandbox.RuntimeFixture.describe;
import static dev.flint.sandbox.RuntimeFixture.readControl;
import static dev.flint.sandbox.RuntimeFixture.sh;
import static dev.flint.sandbox.RuntimeFixture.shOk;
import static dev.flint.sandbox.SandboxSpec.MIB;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The limits of a sandbox on the real kernel: memory (OOM inside the cgroup, the sandbox survives),
 * pids, CPU quota, scratch size and inodes, the wall-clock timeout (which kills daemons and
 * orphans too), the output cap, open files, and stdin delivery.
 */
class LimitsIT {
    @TempDir
    static Path tmp;

    private static RuntimeFixture fx;
    private static Sandbox plain;

    @BeforeAll
    static void start() throws IOException {
        fx = RuntimeFixture.start(tmp, "limits");
        plain = fx.create(fx.spec().build());
    }

    @AfterAll
    static void stop() throws InterruptedException {
        if (fx != null) {
            fx.close();
        }
    }

    private static boolean v1() {
        return fx.runtime.cgroupMode().equals("v1");
    }

    @Test
    void limitMemory_changesTheLimitOfALiveSandbox_upAndDown() {
        try (Sandbox sb = fx.create(fx.spec().memoryBytes(32 * MIB).scratchBytes(8 * MIB).build())) {
            // a 32 MiB string made by doubling (the old and new copies live at once): over the
            // first limit, under the raised one
            String fill = "awk 'BEGIN { s = \"x\"; for (i = 0; i < 25; i++) s = s s; print \"ok\" }'";
            Execution tooSmall = sh(sb, fill);
            assertEquals(Outcome.OUT_OF_MEMORY, tooSmall.outcome(), describe(tooSmall));

            sb.limitMemory(256 * MIB);
            assertEquals(String.valueOf(256 * MIB), readControl(sb.initPid(), "memory", v1() ? "memory.limit_in_bytes" : "memory.max"));
            assertEquals(256 * MIB, sb.memoryLimit());
            assertEquals("ok\n", shOk(sb, fill));

            sb.limitMemory(32 * MIB);
            assertEquals(String.valueOf(32 * MIB), readControl(sb.initPid(), "memory", v1() ? "memory.limit_in_bytes" : "memory.max"));
            assertEquals(Outcome.OUT_OF_MEMORY, sh(sb, fill).outcome());
            assertThrows(SandboxException.InvalidSpec.class, () -> sb.limitMemory(1024));
        }
    }

    @Test
    void run_allocatingPastTheMemoryLimit_endsOutOfMemory_andTheSandboxKeepsWorking() {
        try (Sandbox sb = fx.create(fx.spec().memoryBytes(64 * MIB).scratchBytes(16 * MIB).build())) {
            String limit = readControl(sb.initPid(), "memory", v1() ? "memory.limit_in_bytes" : "memory.max");
            assertEquals(String.valueOf(64 * MIB), limit);

            // doubling a string: each step holds the old and the new copy, so memory really is used
            Execution e = sh(sb, "awk 'BEGIN { s = \"x\"; while (1) s = s s }'");

            assertEquals(Outcome.OUT_OF_MEMORY, e.outcome(), describe(e));
            assertEquals(9, e.signal());
            assertTrue(e.usage().peakMemoryBytes() > 48 * MIB && e.usage().peakMemoryBytes() <= 64 * MIB,
                    "peak " + e.usage().peakMemoryBytes());
            assertTrue(sb.pids().contains(sb.initPid()), "the OOM killer took init");
            assertEquals("alive\n", shOk(sb, "echo alive"));
        }
    }

    @Test
    void run_peakMemory_isTheRunsOwn_andStartsAfreshForTheNextRun() {
        try (Sandbox sb = fx.create(fx.spec().memoryBytes(128 * MIB).scratchBytes(64 * MIB).build())) {
            // files in the scratch layer are tmpfs pages, charged to the sandbox's cgroup
            Execution big = sh(sb, "dd if=/dev/zero of=/tmp/fill bs=1M count=40 2>/dev/null && echo written");
            Execution small = sh(sb, "echo small");

            assertEquals("written\n", big.stdoutText(), describe(big));
            assertTrue(big.usage().peakMemoryBytes() >= 40 * MIB, "peak " + big.usage().peakMemoryBytes());
            assertEquals("small\n", small.stdoutText(), describe(small));
            assertTrue(small.usage().peakMemoryBytes() > 0 && small.usage().peakMemoryBytes() < 20 * MIB,
                    "the previous run's peak or scratch counted again: peak " + small.usage().peakMemoryBytes());
        }
    }

    @Test
    void run_forkBomb_isContainedByThePidsLimit_andLeavesNothingBehind() throws InterruptedException {
        int max = 32;
        try (Sandbox sb = fx.create(fx.spec().pidsMax(max).build())) {
            assertEquals(String.valueOf(max), readControl(sb.initPid(), "pids", "pids.max"));
            LongSupplier current = () -> Long.parseLong(readControl(sb.initPid(), "pids", "pids.current"));

            Sampled most = Sampled.start(current);
            Execution e;
            try {
                e = sh(sb, Duration.ofSeconds(3), "f() { f | f & }; f; exec sleep 60");
            } finally {
                most.stop();
            }

            // Usually the timeout ends it; if the main shell itself is refused a fork first, it exits
            // and the run ends with it. Either way every bomb process must be gone afterwards.
            assertTrue(e.outcome() == Outcome.TIMED_OUT || (e.outcome() == Outcome.EXITED && e.exitCode() != 0),
                    describe(e));
            assertTrue(most.max() <= max, "tasks in the sandbox peaked at " + most.max());
            // (the sampled peak can miss a burst; pids.events below is the kernel's own count of refusals)
            String events = readControl(sb.initPid(), "pids", "pids.events");
            assertNotEquals("max 0", events, "the limit never refused a fork");
            assertEquals(List.of(), RuntimeFixture.leftoverPids(sb), "bomb processes outlived the run: " + sb.pids());
            assertEquals("next\n", shOk(sb, "echo next"));
        }
    }

    @Test
    void run_busyLoop_isThrottledToTheCpuQuota() {
        try (Sandbox sb = fx.create(fx.spec().cpus(0.2).build())) {
            Execution e = sh(sb, Duration.ofMillis(1500), "while :; do :; done");

            assertEquals(Outcome.TIMED_OUT, e.outcome(), describe(e));
            double ratio = (double) e.usage().cpuTime().toNanos() / e.wallTime().toNanos();
            assertTrue(ratio < 0.5, "cpu " + e.usage().cpuTime() + " over wall " + e.wallTime() + " = " + ratio);
            assertTrue(e.usage().cpuTime().toMillis() >= 50, "the loop hardly ran: " + e.usage().cpuTime());
        }
    }

    @Test
    void run_writingPastTheScratchSize_getsNoSpaceLeft_notOutOfMemory() {
        try (Sandbox sb = fx.create(fx.spec().memoryBytes(128 * MIB).scratchBytes(8 * MIB).build())) {
            Execution e = sh(sb, "dd if=/dev/zero of=/tmp/fill bs=1M count=64");

            assertEquals(Outcome.EXITED, e.outcome(), describe(e));
            assertNotEquals(0, e.exitCode());
            assertTrue(e.stderrText().contains("No space left on device"), describe(e));
            assertTrue(e.usage().peakMemoryBytes() < 64 * MIB, "peak " + e.usage().peakMemoryBytes());
            assertEquals("fresh\n", shOk(sb, "test -e /tmp/fill || echo fresh"), "the next run has new scratch");
        }
    }

    @Test
    void run_creatingFilesPastTheScratchInodeLimit_getsNoSpaceLeft() {
        try (Sandbox sb = fx.create(fx.spec().memoryBytes(128 * MIB).scratchBytes(8 * MIB).build())) {
            Execution e = sh(sb, "i=0; while printf '' > /tmp/f$i; do i=$((i+1)); done; echo $i");

            assertEquals(Outcome.EXITED, e.outcome(), describe(e));
            int created = Integer.parseInt(e.stdoutText().trim());
            assertTrue(created > 500 && created < 1024, "created " + created + " empty files");
            assertTrue(e.stderrText().contains("No space left on device"), describe(e));
        }
    }

    @Test
    void run_pastItsTimeout_isKilledWithEveryProcess_daemonsAndOrphansIncluded() throws InterruptedException {
        try (Sandbox sb = fx.create(fx.spec().prepareAhead(false).build())) {
            String tag = "sleep 1000." + ThreadLocalRandom.current().nextInt(10_000, 99_999);
            String sleeps = tag.replace(".", "\\.") + "[1-4]";
            Sampled seen = Sampled.start(() -> RuntimeFixture.hostPidsWithCommandLine(sleeps).size());
            Execution e;
            try {
                // an orphan (its parent subshell exits), a daemon in its own session, a plain background
                // job, and the main process
                e = sh(sb, Duration.ofSeconds(1), "(" + tag + "1 &); setsid " + tag + "2 & " + tag + "3 & exec " + tag + "4");
            } finally {
                seen.stop();
            }

            assertEquals(Outcome.TIMED_OUT, e.outcome(), describe(e));
            assertEquals(4, seen.max(), "not all four sleeps started");
            assertEquals(List.of(), RuntimeFixture.hostPidsRunning(tag), "processes of the run survived it");
            assertEquals(List.of(), RuntimeFixture.leftoverPids(sb), "the sandbox's cgroup holds more than init and the next run's process");
        }
    }

    @Test
    void run_whoseMainProcessExits_takesItsDaemonsAndOrphansWithIt() {
        try (Sandbox sb = fx.create(fx.spec().prepareAhead(false).build())) {
            String tag = "sleep 1000." + ThreadLocalRandom.current().nextInt(10_000, 99_999);
            String started = "until [ $(ps -o args | grep -c '^" + tag.replace(".", "[.]") + "') -ge 2 ]; do sleep 0.01; done";

            assertEquals("started\n", shOk(sb, "(" + tag + "1 &); setsid " + tag + "2 & " + started + "; echo started"));

            assertEquals(List.of(), RuntimeFixture.hostPidsRunning(tag), "processes of the run survived it");
            assertEquals(List.of(), RuntimeFixture.leftoverPids(sb));
        }
    }

    @Test
    void run_producingMoreThanTheOutputLimit_isCutExactlyAtTheLimit() {
        Execution e = plain.run(ProcessSpec.builder("yes").outputLimitBytes(1000).timeout(Duration.ofSeconds(1)).build());

        assertEquals(1000, e.stdout().length, describe(e));
        assertTrue(e.outputTruncated());
        assertEquals("y\n".repeat(500), e.stdoutText());

        Execution small = plain.run(ProcessSpec.builder("echo", "hi").outputLimitBytes(1000).build());
        assertEquals("hi\n", small.stdoutText());
        assertFalse(small.outputTruncated());
    }

    @Test
    void run_deliversStdinIntact_pastThePipeBuffer() {
        byte[] input = new byte[200 * 1024];
        new Random(42).nextBytes(input);

        Execution e = plain.run(ProcessSpec.builder("cat").stdin(input).build());

        assertEquals(Outcome.EXITED, e.outcome(), describe(e));
        assertArrayEquals(input, e.stdout());
    }

    @Test
    void run_thatNeverReadsItsStdin_stillEnds() {
        byte[] input = "x".repeat(1024 * 1024).getBytes(StandardCharsets.US_ASCII);

        Execution e = plain.run(ProcessSpec.builder("true").stdin(input).timeout(Duration.ofSeconds(20)).build());

        assertEquals(Outcome.EXITED, e.outcome(), describe(e));
        assertEquals(0, e.exitCode());
    }

    @Test
    void run_openFilesLimit_isTheSpecs() {
        assertEquals("1024\n1024\n", shOk(plain, "ulimit -Sn; ulimit -Hn"));
        try (Sandbox sb = fx.create(fx.spec().maxOpenFiles(64).build())) {
            assertEquals("64\n64\n", shOk(sb, "ulimit -Sn; ulimit -Hn"));
        }
    }

    /** The largest value a supplier gave, polled on its own thread until stopped. */
    private static final class Sampled {
        private final AtomicLong max = new AtomicLong();
        private final AtomicBoolean running = new AtomicBoolean(true);
        private final Thread thread;

        private Sampled(LongSupplier value) {
            thread = new Thread(() -> {
                while (running.get()) {
                    try {
                        max.accumulateAndGet(value.getAsLong(), Math::max);
                        Thread.sleep(2);
                    } catch (RuntimeException e) {
                        // the cgroup or a process went away between list and read
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }, "sampler");
            thread.setDaemon(true);
        }

        static Sampled start(LongSupplier value) {
            Sampled s = new Sampled(value);
            s.thread.start();
            return s;
        }

        void stop() throws InterruptedException {
            running.set(false);
            thread.join();
        }

        long max() {
            return max.get();
        }
    }
}
