package dev.flint.sandbox.internal.cgroup;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flint.sandbox.SandboxException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CgroupDetectionTest {

    @TempDir
    Path root;

    @Test
    void detect_v2RootListingMemoryCpuAndPids_isV2() {
        CgroupFixtures.v2Host(root, "cpuset cpu io memory hugetlb pids rdma misc");

        CgroupDriver driver = CgroupDriver.detect(root);

        assertEquals(CgroupVersion.V2, driver.version());
        assertInstanceOf(CgroupV2.class, driver);
    }

    @Test
    void detect_v1Layout_isV1() {
        CgroupFixtures.hierarchy(root, "memory", CgroupFixtures.MEMORY_V1);
        CgroupFixtures.hierarchy(root, "cpu", CgroupFixtures.CPU_V1);
        CgroupFixtures.hierarchy(root, "cpuacct", CgroupFixtures.CPUACCT_V1);
        CgroupFixtures.hierarchy(root, "pids", CgroupFixtures.PIDS_V1);

        CgroupDriver driver = CgroupDriver.detect(root);

        assertEquals(CgroupVersion.V1, driver.version());
        assertEquals(List.of(root.resolve("memory/x/cgroup.procs"), root.resolve("cpu/x/cgroup.procs"),
                root.resolve("cpuacct/x/cgroup.procs"), root.resolve("pids/x/cgroup.procs")),
                driver.open("x").procsFiles());
    }

    @Test
    void detect_hybridHostWithControllerlessUnifiedMount_isV1_andLeavesFreezerAlone() {
        CgroupFixtures.hybridHost(root);

        CgroupDriver driver = CgroupDriver.detect(root);

        assertEquals(CgroupVersion.V1, driver.version());
        assertEquals(4, driver.open("x").procsFiles().size(), "memory, cpu, cpuacct, pids");
        assertFalse(driver.open("x").procsFiles().contains(root.resolve("freezer/x/cgroup.procs")), "freezer is not used");
    }

    @Test
    void detect_jointCpuCpuacctMountBehindSymlinks_usesItOnce() {
        CgroupFixtures.jointCpuHost(root, true);

        CgroupDriver driver = CgroupDriver.detect(root);

        assertEquals(CgroupVersion.V1, driver.version());
        assertEquals(List.of(root.resolve("memory/x/cgroup.procs"), root.resolve("cpu/x/cgroup.procs"),
                root.resolve("pids/x/cgroup.procs")), driver.open("x").procsFiles());
    }

    @Test
    void detect_jointCpuCpuacctMountWithoutSymlinks_usesItForBoth() {
        CgroupFixtures.jointCpuHost(root, false);

        CgroupDriver driver = CgroupDriver.detect(root);

        assertEquals(List.of(root.resolve("memory/x/cgroup.procs"), root.resolve("cpu,cpuacct/x/cgroup.procs"),
                root.resolve("pids/x/cgroup.procs")), driver.open("x").procsFiles());
    }

    @Test
    void detect_withoutPidsHierarchy_throwsHostUnsupportedNamingPids() {
        CgroupFixtures.hybridHost(root);
        deleteHierarchy("pids");

        SandboxException.HostUnsupported e =
                assertThrows(SandboxException.HostUnsupported.class, () -> CgroupDriver.detect(root));

        assertEquals("cgroup v1 pids controller not mounted at " + root.resolve("pids"), e.getMessage());
        assertEquals("mount it or run on a cgroup v2 host", e.hint());
    }

    @Test
    void detect_emptyMountPoint_countsAsNotMounted() throws IOException {
        CgroupFixtures.hybridHost(root);
        deleteHierarchy("memory");
        Files.createDirectory(root.resolve("memory"));

        SandboxException.HostUnsupported e =
                assertThrows(SandboxException.HostUnsupported.class, () -> CgroupDriver.detect(root));

        assertEquals("cgroup v1 memory controller not mounted at " + root.resolve("memory"), e.getMessage());
    }

    @Test
    void detect_withSeveralHierarchiesMissing_namesThemAll() {
        CgroupFixtures.hierarchy(root, "memory", CgroupFixtures.MEMORY_V1);
        CgroupFixtures.hierarchy(root, "cpu", CgroupFixtures.CPU_V1);

        SandboxException.HostUnsupported e =
                assertThrows(SandboxException.HostUnsupported.class, () -> CgroupDriver.detect(root));

        assertEquals("cgroup v1 controllers cpuacct, pids not mounted under " + root, e.getMessage());
        assertEquals("mount them or run on a cgroup v2 host", e.hint());
    }

    @Test
    void detect_v2RootWithoutPids_throwsHostUnsupportedNamingPids() {
        CgroupFixtures.v2Host(root, "cpu io memory");

        SandboxException.HostUnsupported e =
                assertThrows(SandboxException.HostUnsupported.class, () -> CgroupDriver.detect(root));

        assertEquals("cgroup v2 root " + root + " lacks the pids controller", e.getMessage());
        assertFalse(e.hint().isEmpty());
    }

    @Test
    void detect_missingRoot_throwsHostUnsupported() {
        Path nowhere = root.resolve("nowhere");

        SandboxException.HostUnsupported e =
                assertThrows(SandboxException.HostUnsupported.class, () -> CgroupDriver.detect(nowhere));

        assertEquals("no cgroup file system at " + nowhere, e.getMessage());
    }

    private void deleteHierarchy(String name) {
        Path dir = root.resolve(name);
        try (var files = Files.list(dir)) {
            files.forEach(CgroupFixtures::delete);
            Files.delete(dir);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
