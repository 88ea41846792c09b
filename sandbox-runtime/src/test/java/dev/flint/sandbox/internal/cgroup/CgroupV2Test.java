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
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CgroupV2Test {

    private static final long MIB = 1024 * 1024;
    private static final CgroupLimits LIMITS = new CgroupLimits(64 * MIB, 50_000, 100_000, 32);

    @TempDir
    Path root;

    private final FixtureCgroupFs fs = new FixtureCgroupFs();
    private CgroupV2 driver;

    @BeforeEach
    void pureV2HostWhereSystemdEnabledTheControllersAtTheRoot() {
        CgroupFixtures.v2Host(root, "cpuset cpu io memory hugetlb pids");
        write(root.resolve("cgroup.subtree_control"), "cpu memory pids\n");
        driver = new CgroupV2(root, fs);
    }

    @Test
    void create_enablesEachControllerSeparatelyInEachAncestorBelowTheRoot_thenWritesTheLimits() {
        Cgroup cgroup = driver.create("flint/rt-1/sb-2", LIMITS);

        assertEquals(List.of(
                written("flint/cgroup.subtree_control", "+cpu"),
                written("flint/cgroup.subtree_control", "+memory"),
                written("flint/cgroup.subtree_control", "+pids"),
                written("flint/rt-1/cgroup.subtree_control", "+cpu"),
                written("flint/rt-1/cgroup.subtree_control", "+memory"),
                written("flint/rt-1/cgroup.subtree_control", "+pids"),
                written("flint/rt-1/sb-2/memory.max", "67108864"),
                written("flint/rt-1/sb-2/memory.swap.max", "0"),
                written("flint/rt-1/sb-2/cpu.max", "50000 100000"),
                written("flint/rt-1/sb-2/pids.max", "32")), fs.writes());
        assertEquals("cpu memory pids", read(root.resolve("flint/rt-1/cgroup.subtree_control")).trim());
        assertEquals("50000 100000", read(root.resolve("flint/rt-1/sb-2/cpu.max")));
        assertEquals(List.of(root.resolve("flint/rt-1/sb-2/cgroup.procs")), cgroup.procsFiles());
    }

    @Test
    void taskCountFile_isThePidsControllersCountInTheCgroupsOwnDirectory() {
        Cgroup cgroup = driver.create("flint/rt-1/sb-2", LIMITS);

        assertEquals(root.resolve("flint/rt-1/sb-2/pids.current"), cgroup.taskCountFile());
    }

    @Test
    void create_leavesControllersAlreadyEnabledAlone() {
        write(root.resolve("cgroup.subtree_control"), "memory\n");

        driver.create("sb", LIMITS);

        assertEquals(List.of(written("cgroup.subtree_control", "+cpu"), written("cgroup.subtree_control", "+pids")),
                fs.writesTo("cgroup.subtree_control"));
        assertEquals("cpu memory pids", read(root.resolve("cgroup.subtree_control")).trim());
    }

    @Test
    void create_withoutLimits_writesMaxWithTheDefaultPeriod() {
        driver.create("sb", CgroupLimits.none());

        assertEquals(List.of(
                written("sb/memory.max", "max"),
                written("sb/memory.swap.max", "0"),
                written("sb/cpu.max", "max 100000"),
                written("sb/pids.max", "max")), fs.writes());
    }

    @Test
    void create_onKernelWithoutSwapAccounting_writesNoSwapLimit() {
        CgroupFixtures.delete(root.resolve("memory.swap.max"));

        driver.create("sb", LIMITS);

        assertEquals(List.of(written("sb/memory.max", "67108864")), fs.writesTo("memory.max"));
        assertEquals(List.of(), fs.writesTo("memory.swap.max"));
    }

    @Test
    void create_whenALimitIsRefused_removesTheDirectoriesItMade() {
        fs.failWritesTo("pids.max", "Invalid argument");

        SandboxException.Failed e =
                assertThrows(SandboxException.Failed.class, () -> driver.create("flint/sb-1", LIMITS));

        assertEquals("cannot write \"32\" to " + root.resolve("flint/sb-1/pids.max") + ": invalid argument",
                e.getMessage());
        assertFalse(Files.exists(root.resolve("flint")));
    }

    @Test
    void create_whenAControllerCannotBeEnabled_failsNamingItAndRemovesWhatItMade() {
        fs.failWritesTo("cgroup.subtree_control", "Device or resource busy");

        SandboxException.Failed e =
                assertThrows(SandboxException.Failed.class, () -> driver.create("flint/sb-1", LIMITS));

        assertEquals("cannot enable the cpu controller in " + root.resolve("flint/cgroup.subtree_control")
                + ": device or resource busy", e.getMessage());
        assertFalse(Files.exists(root.resolve("flint")));
    }

    @Test
    void usage_readsMemoryPeakCpuStatAndMemoryEvents() {
        Cgroup cgroup = driver.create("sb", LIMITS);
        write(root.resolve("sb/memory.peak"), "1048576\n");
        write(root.resolve("sb/cpu.stat"), "usage_usec 2500\nuser_usec 2000\nsystem_usec 500\n");
        write(root.resolve("sb/memory.events"), "low 0\nhigh 0\nmax 4\noom 2\noom_kill 1\noom_group_kill 0\n");

        assertEquals(new CgroupUsage(1_048_576, 2_500_000, 1), cgroup.usage());
    }

    @Test
    void usage_onKernelWithoutMemoryPeak_fallsBackToMemoryCurrent() {
        CgroupFixtures.delete(root.resolve("memory.peak"));
        Cgroup cgroup = driver.create("sb", LIMITS);
        write(root.resolve("sb/memory.current"), "8192\n");
        write(root.resolve("sb/cpu.stat"), "usage_usec 0\n");
        write(root.resolve("sb/memory.events"), "oom 0\noom_kill 0\n");

        assertEquals(new CgroupUsage(8192, 0, 0), cgroup.usage());
    }

    @Test
    void resetPeak_writesZeroToMemoryPeak() {
        Cgroup cgroup = driver.create("sb", LIMITS);

        cgroup.resetPeak();

        assertEquals(List.of(written("sb/memory.peak", "0")), fs.writesTo("memory.peak"));
    }

    @Test
    void resetPeak_onKernelWhereMemoryPeakIsReadOnly_doesNothing() {
        Cgroup cgroup = driver.create("sb", LIMITS);
        fs.failWritesTo("memory.peak", "Invalid argument");

        cgroup.resetPeak();

        assertEquals(List.of(), fs.writesTo("memory.peak"));
    }

    @Test
    void pids_areSortedAndDistinct() {
        Cgroup cgroup = driver.create("sb", LIMITS);
        write(root.resolve("sb/cgroup.procs"), "12\n7\n");

        assertEquals(List.of(7, 12), cgroup.pids());
    }

    @Test
    void children_listsChildCgroupsOnly() {
        driver.create("flint/b", LIMITS);
        driver.create("flint/a", LIMITS);

        assertEquals(List.of("a", "b"), driver.children("flint"));
        assertEquals(List.of(), driver.children("absent"));
    }

    @Test
    void remove_deletesTheCgroupAndItsChildrenDeepestFirst_butNotItsParent() throws IOException {
        Cgroup cgroup = driver.create("flint/sb-1", LIMITS);
        fs.mkdir(root.resolve("flint/sb-1/inner"));

        cgroup.remove();

        assertEquals(List.of(root.resolve("flint/sb-1/inner"), root.resolve("flint/sb-1")), fs.removed());
        assertTrue(Files.isDirectory(root.resolve("flint")));
        assertFalse(cgroup.exists());
        cgroup.remove(); // a second time: nothing there, no error
    }

    private Write written(String relativeFile, String value) {
        return new Write(root.resolve(relativeFile), value);
    }
}
