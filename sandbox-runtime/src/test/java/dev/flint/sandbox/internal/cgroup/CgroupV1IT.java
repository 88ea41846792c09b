package dev.flint.sandbox.internal.cgroup;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.flint.sandbox.SandboxException;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * cgroup v1 on the real kernel: runs as root on a host with v1 hierarchies at /sys/fs/cgroup
 * (skipped elsewhere). Every cgroup lives under flint-it/, which {@link #leaveNothingBehind}
 * removes, and checks is gone, whatever the test did.
 */
class CgroupV1IT {

    private static final Path ROOT = Path.of("/sys/fs/cgroup");
    private static final String PARENT = "flint-it";
    private static final List<String> HIERARCHIES = List.of("memory", "cpu", "cpuacct", "pids");
    private static final long MIB = 1024 * 1024;

    private final List<Process> processes = new ArrayList<>();
    private CgroupDriver driver;
    private String path;

    @BeforeEach
    void requireRootAndV1() throws IOException {
        assumeTrue((Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid") == 0, "needs root");
        assumeTrue(Files.exists(ROOT.resolve("memory/cgroup.procs")), "needs cgroup v1 memory at " + ROOT);
        // v1 memory is mounted, so the host cannot be pure v2: detection must say v1
        driver = CgroupDriver.detect(ROOT);
        assertEquals(CgroupVersion.V1, driver.version());
        path = PARENT + "/" + UUID.randomUUID().toString().substring(0, 8);
    }

    @AfterEach
    void leaveNothingBehind() throws InterruptedException {
        if (driver == null) {
            return;
        }
        for (Process process : processes) {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }
        try {
            driver.open(path).remove();
        } finally {
            driver.open(PARENT).remove();
        }
        for (String hierarchy : HIERARCHIES) {
            assertFalse(Files.exists(ROOT.resolve(hierarchy).resolve(PARENT)), "left behind in " + hierarchy);
        }
    }

    @Test
    void create_writesTheLimitsToTheKernel_andAnAttachedProcessIsCountedAndRemoved() throws Exception {
        Cgroup cgroup = driver.create(path, new CgroupLimits(64 * MIB, 50_000, 100_000, 32));

        assertEquals("67108864", control("memory", "memory.limit_in_bytes"));
        if (Files.exists(dir("memory").resolve("memory.memsw.limit_in_bytes"))) {
            assertEquals("67108864", control("memory", "memory.memsw.limit_in_bytes"));
        }
        assertEquals("100000", control("cpu", "cpu.cfs_period_us"));
        assertEquals("50000", control("cpu", "cpu.cfs_quota_us"));
        assertEquals("32", control("pids", "pids.max"));

        Process sleep = start("sleep", "30");
        attach(cgroup, sleep.pid());

        assertTrue(cgroup.pids().contains((int) sleep.pid()), "pids " + cgroup.pids());
        for (String line : Files.readAllLines(Path.of("/proc/" + sleep.pid() + "/cgroup"))) {
            if (line.matches("\\d+:(memory|pids|cpu|cpuacct|cpu,cpuacct|cpuacct,cpu):.*")) {
                assertTrue(line.endsWith(":/" + path), line);
            }
        }
        assertTrue(cgroup.usage().cpuNanos() >= 0);

        sleep.destroyForcibly();
        sleep.waitFor();
        cgroup.remove();

        assertFalse(cgroup.exists());
        for (String hierarchy : HIERARCHIES) {
            assertFalse(Files.exists(dir(hierarchy)), hierarchy);
        }
        assertEquals(List.of(), driver.children(PARENT));
    }

    @Test
    void remove_rightAfterKill_waitsForTheLastProcessToLeave() throws Exception {
        Cgroup cgroup = driver.create(path, CgroupLimits.none());
        Process sleep = start("sleep", "30");
        attach(cgroup, sleep.pid());

        sleep.destroyForcibly(); // no waitFor: the process may still be exiting
        cgroup.remove();

        assertFalse(cgroup.exists());
    }

    @Test
    void remove_withALiveProcess_failsListingItsPid() throws Exception {
        Cgroup cgroup = driver.create(path, CgroupLimits.none());
        Process sleep = start("sleep", "30");
        attach(cgroup, sleep.pid());

        SandboxException.Failed e = assertThrows(SandboxException.Failed.class, cgroup::remove);

        assertTrue(e.getMessage().contains("pids still there: " + sleep.pid()), e.getMessage());
        assertTrue(cgroup.exists());
    }

    @Test
    void usage_countsTheOomKillOfAProcessThatOutgrowsTheLimit() throws Exception {
        Cgroup cgroup = driver.create(path, new CgroupLimits(16 * MIB, 0, 0, 0));
        // attach before it allocates: it waits for a line on stdin, then grows without bound
        Process hog = start("sh", "-c", "read go; exec tail /dev/zero");
        attach(cgroup, hog.pid());
        cgroup.resetPeak();
        try (OutputStream stdin = hog.getOutputStream()) {
            stdin.write("go\n".getBytes());
        }

        assertTrue(hog.waitFor(20, TimeUnit.SECONDS), "the OOM killer should have stopped it");

        assertEquals(128 + 9, hog.exitValue(), "killed by SIGKILL");
        CgroupUsage usage = cgroup.usage();
        assertTrue(usage.oomKills() >= 1, usage.toString());
        assertTrue(usage.peakMemoryBytes() > 8 * MIB && usage.peakMemoryBytes() <= 16 * MIB, usage.toString());
    }

    private Process start(String... command) throws IOException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        processes.add(process);
        return process;
    }

    private static void attach(Cgroup cgroup, long pid) throws IOException {
        for (Path procs : cgroup.procsFiles()) {
            Files.writeString(procs, Long.toString(pid));
        }
    }

    private Path dir(String hierarchy) {
        return ROOT.resolve(hierarchy).resolve(path);
    }

    private String control(String hierarchy, String file) throws IOException {
        return Files.readString(dir(hierarchy).resolve(file)).trim();
    }
}
