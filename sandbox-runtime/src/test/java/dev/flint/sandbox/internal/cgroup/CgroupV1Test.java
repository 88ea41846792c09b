package dev.flint.sandbox.internal.cgroup;

import static dev.flint.sandbox.internal.cgroup.CgroupFixtures.read;
import static dev.flint.sandbox.internal.cgroup.CgroupFixtures.write;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flint.sandbox.SandboxException;
import dev.flint.sandbox.internal.cgroup.FixtureCgroupFs.Write;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CgroupV1Test {

    private static final long MIB = 1024 * 1024;
    private static final CgroupLimits LIMITS = new CgroupLimits(64 * MIB, 50_000, 100_000, 32);
    private static final List<String> HIERARCHIES = List.of("memory", "cpu", "cpuacct", "pids");

    @TempDir
    Path root;

    private final FixtureCgroupFs fs = new FixtureCgroupFs();

    private CgroupV1 driver() {
        return new CgroupV1(V1Hierarchies.locate(root, fs), fs);
    }

    @Test
    void create_makesTheCgroupAndItsParentsInEveryHierarchy() {
        CgroupFixtures.hybridHost(root);

        Cgroup cgroup = driver().create("flint/rt-1/sb-2", LIMITS);

        for (String hierarchy : HIERARCHIES) {
            assertTrue(Files.isDirectory(root.resolve(hierarchy).resolve("flint/rt-1/sb-2")), hierarchy);
        }
        assertFalse(Files.exists(root.resolve("unified/flint")), "v1 leaves the unified mount alone");
        assertEquals("flint/rt-1/sb-2", cgroup.relativePath());
        assertTrue(cgroup.exists());
    }

    @Test
    void taskCountFile_isInThePidsHierarchy() {
        CgroupFixtures.hybridHost(root);
        Cgroup cgroup = driver().create("flint/sb-1", LIMITS);

        assertEquals(root.resolve("pids/flint/sb-1/pids.current"), cgroup.taskCountFile());
    }

    @Test
    void create_writesMemoryThenMemswThenCpuPeriodThenQuotaThenPids() {
        CgroupFixtures.hybridHost(root);

        driver().create("flint/sb-1", LIMITS);

        assertEquals(List.of(
                written("memory/flint/sb-1/memory.limit_in_bytes", "67108864"),
                written("memory/flint/sb-1/memory.memsw.limit_in_bytes", "67108864"),
                written("cpu/flint/sb-1/cpu.cfs_period_us", "100000"),
                written("cpu/flint/sb-1/cpu.cfs_quota_us", "50000"),
                written("pids/flint/sb-1/pids.max", "32")), fs.writes());
        assertEquals("67108864", read(root.resolve("memory/flint/sb-1/memory.limit_in_bytes")));
        assertEquals("50000", read(root.resolve("cpu/flint/sb-1/cpu.cfs_quota_us")));
    }

    @Test
    void changeMemoryLimit_upward_raisesMemswFirst_downward_lowersItLast() {
        CgroupFixtures.hybridHost(root);
        Cgroup cg = driver().create("flint/sb-1", LIMITS);
        int before = fs.writes().size();

        cg.changeMemoryLimit(64L << 20, 128L << 20);
        cg.changeMemoryLimit(128L << 20, 32L << 20);

        assertEquals(List.of(
                written("memory/flint/sb-1/memory.memsw.limit_in_bytes", "134217728"),
                written("memory/flint/sb-1/memory.limit_in_bytes", "134217728"),
                written("memory/flint/sb-1/memory.limit_in_bytes", "33554432"),
                written("memory/flint/sb-1/memory.memsw.limit_in_bytes", "33554432")),
                fs.writes().subList(before, fs.writes().size()));
    }

    @Test
    void create_onKernelWithoutSwapAccounting_writesNoMemswLimit() {
        CgroupFixtures.hybridHost(root);
        CgroupFixtures.delete(root.resolve("memory/memory.memsw.limit_in_bytes"));

        driver().create("flint/sb-1", LIMITS);

        assertEquals(List.of(written("memory/flint/sb-1/memory.limit_in_bytes", "67108864")),
                fs.writesTo("memory.limit_in_bytes"));
        assertEquals(List.of(), fs.writesTo("memory.memsw.limit_in_bytes"));
    }

    @Test
    void create_withoutLimits_writesTheUnlimitedValues() {
        CgroupFixtures.hybridHost(root);

        driver().create("sb", CgroupLimits.none());

        assertEquals(List.of(
                written("memory/sb/memory.limit_in_bytes", "-1"),
                written("memory/sb/memory.memsw.limit_in_bytes", "-1"),
                written("cpu/sb/cpu.cfs_period_us", "100000"),
                written("cpu/sb/cpu.cfs_quota_us", "-1"),
                written("pids/sb/pids.max", "max")), fs.writes());
    }

    @Test
    void create_onJointCpuCpuacctMount_writesCpuLimitsOnce() {
        CgroupFixtures.jointCpuHost(root, true);

        driver().create("sb", LIMITS);

        assertEquals(List.of(written("cpu/sb/cpu.cfs_period_us", "100000")), fs.writesTo("cpu.cfs_period_us"));
        assertTrue(Files.isDirectory(root.resolve("cpu,cpuacct/sb")));
    }

    @Test
    void create_whenAWriteFails_removesWhatItMadeAndKeepsWhatWasThere() throws IOException {
        CgroupFixtures.hybridHost(root);
        fs.mkdir(root.resolve("memory/flint"));
        fs.failWritesTo("cpu.cfs_quota_us", "Invalid argument");

        SandboxException.Failed e = assertThrows(SandboxException.Failed.class,
                () -> driver().create("flint/rt-1/sb-2", LIMITS));

        assertEquals("cannot write \"50000\" to " + root.resolve("cpu/flint/rt-1/sb-2/cpu.cfs_quota_us")
                + ": invalid argument", e.getMessage());
        assertFalse(e.hint().isEmpty());
        assertTrue(Files.isDirectory(root.resolve("memory/flint")), "a parent that existed before stays");
        assertFalse(Files.exists(root.resolve("memory/flint/rt-1")));
        for (String hierarchy : List.of("cpu", "cpuacct", "pids", "freezer")) {
            assertFalse(Files.exists(root.resolve(hierarchy).resolve("flint")), hierarchy);
        }
    }

    @Test
    void create_ofAnExistingCgroup_failsAndLeavesItAlone() {
        CgroupFixtures.hybridHost(root);
        driver().create("flint/sb-1", LIMITS);
        int writesBefore = fs.writes().size();

        SandboxException.Failed e = assertThrows(SandboxException.Failed.class,
                () -> driver().create("flint/sb-1", CgroupLimits.none()));

        assertEquals("cgroup " + root.resolve("memory/flint/sb-1") + " already exists", e.getMessage());
        assertEquals(writesBefore, fs.writes().size());
        for (String hierarchy : HIERARCHIES) {
            assertTrue(Files.isDirectory(root.resolve(hierarchy).resolve("flint/sb-1")), hierarchy);
        }
    }

    @Test
    void create_withPathLeavingTheRoot_isRejectedBeforeAnyMkdir() {
        CgroupFixtures.hybridHost(root);

        for (String bad : List.of("", "../x", "/abs", "a//b", "a/", "a/./b", "-x")) {
            SandboxException.InvalidSpec e = assertThrows(SandboxException.InvalidSpec.class,
                    () -> driver().create(bad, LIMITS), bad);
            assertEquals("relativePath", e.field());
        }
        assertEquals(List.of(), driver().children("flint"));
    }

    @Test
    void open_writesNothing() {
        CgroupFixtures.hybridHost(root);

        Cgroup cgroup = driver().open("flint/sb-1");

        assertFalse(cgroup.exists());
        assertEquals(List.of(), fs.writes());
        assertFalse(Files.exists(root.resolve("memory/flint")));
    }

    @Test
    void usage_readsMaxUsageCpuacctUsageAndOomKillLine() {
        CgroupFixtures.hybridHost(root);
        Cgroup cgroup = driver().create("sb", LIMITS);
        write(root.resolve("memory/sb/memory.max_usage_in_bytes"), "52428800\n");
        write(root.resolve("cpuacct/sb/cpuacct.usage"), "123456789\n");
        write(root.resolve("memory/sb/memory.oom_control"), "oom_kill_disable 0\nunder_oom 0\noom_kill 3\n");

        assertEquals(new CgroupUsage(52_428_800, 123_456_789, 3), cgroup.usage());
    }

    @Test
    void usage_onKernelWithoutOomKillLine_reportsZeroKills() {
        CgroupFixtures.jointCpuHost(root, true);
        Cgroup cgroup = driver().create("sb", LIMITS);
        write(root.resolve("memory/sb/memory.max_usage_in_bytes"), "4096\n");
        write(root.resolve("cpu,cpuacct/sb/cpuacct.usage"), "7\n");
        write(root.resolve("memory/sb/memory.oom_control"), "oom_kill_disable 0\nunder_oom 0\n");

        assertEquals(new CgroupUsage(4096, 7, 0), cgroup.usage());
    }

    @Test
    void usage_withGarbageInAControlFile_throwsFailedNamingTheFile() {
        CgroupFixtures.hybridHost(root);
        Cgroup cgroup = driver().create("sb", LIMITS);
        write(root.resolve("memory/sb/memory.max_usage_in_bytes"), "lots\n");

        SandboxException.Failed e = assertThrows(SandboxException.Failed.class, cgroup::usage);

        assertEquals("unexpected content in " + root.resolve("memory/sb/memory.max_usage_in_bytes")
                + ": \"lots\"", e.getMessage());
    }

    @Test
    void resetPeak_writesZeroToMaxUsage() {
        CgroupFixtures.hybridHost(root);
        Cgroup cgroup = driver().create("sb", LIMITS);

        cgroup.resetPeak();

        assertEquals(List.of(written("memory/sb/memory.max_usage_in_bytes", "0")),
                fs.writesTo("memory.max_usage_in_bytes"));
    }

    @Test
    void pids_isTheSortedUnionOverHierarchies() {
        CgroupFixtures.hybridHost(root);
        Cgroup cgroup = driver().create("sb", LIMITS);
        write(root.resolve("memory/sb/cgroup.procs"), "30\n10\n");
        write(root.resolve("pids/sb/cgroup.procs"), "10\n20\n");

        assertEquals(List.of(10, 20, 30), cgroup.pids());
    }

    @Test
    void children_isTheUnionOfMemoryPidsAndCpu() throws IOException {
        CgroupFixtures.hybridHost(root);
        driver().create("flint/a", LIMITS);
        driver().create("flint/b", LIMITS);
        Files.createDirectory(root.resolve("pids/flint/only-pids"));
        Files.createDirectory(root.resolve("cpu/flint/only-cpu"));

        assertEquals(List.of("a", "b", "only-cpu", "only-pids"), driver().children("flint"));
        assertEquals(List.of(), driver().children("absent"));
    }

    @Test
    void remove_deletesTheCgroupAndChildCgroupsInEveryHierarchy_butNotItsParent() throws IOException {
        CgroupFixtures.hybridHost(root);
        Cgroup cgroup = driver().create("flint/sb-1", LIMITS);
        fs.mkdir(root.resolve("memory/flint/sb-1/inner"));

        cgroup.remove();

        for (String hierarchy : HIERARCHIES) {
            assertFalse(Files.exists(root.resolve(hierarchy).resolve("flint/sb-1")), hierarchy);
            assertTrue(Files.isDirectory(root.resolve(hierarchy).resolve("flint")), hierarchy);
        }
        List<Path> removed = fs.removed();
        assertTrue(removed.indexOf(root.resolve("memory/flint/sb-1/inner"))
                < removed.indexOf(root.resolve("memory/flint/sb-1")), "deepest first: " + removed);
        assertFalse(cgroup.exists());
    }

    @Test
    void remove_ofACgroupThatDoesNotExist_isNoError() {
        CgroupFixtures.hybridHost(root);

        driver().open("flint/never-made").remove();

        assertEquals(List.of(), fs.removed());
    }

    @Test
    void remove_whilePidsStayInIt_retriesThenFailsListingThem_afterRemovingTheOtherHierarchies() {
        CgroupFixtures.hybridHost(root);
        Cgroup cgroup = driver().create("sb", LIMITS);
        write(root.resolve("memory/sb/cgroup.procs"), "4242\n");
        long start = System.nanoTime();

        SandboxException.Failed e = assertThrows(SandboxException.Failed.class, cgroup::remove);

        assertTrue(System.nanoTime() - start >= CgroupTree.BUSY_TIMEOUT.toNanos(), "retried for the timeout");
        assertEquals("cannot remove cgroup " + root.resolve("memory/sb")
                + " after 2 s: device or resource busy; pids still there: 4242", e.getMessage());
        assertFalse(e.hint().isEmpty());
        assertTrue(Files.isDirectory(root.resolve("memory/sb")));
        assertFalse(Files.exists(root.resolve("pids/sb")));
        assertTrue(cgroup.exists());
    }

    private Write written(String relativeFile, String value) {
        return new Write(root.resolve(relativeFile), value);
    }
}
