package dev.flint.sandbox.internal.cgroup;

import dev.flint.sandbox.SandboxException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Decides which cgroup version a root offers (see {@link CgroupDriver#detect}). A hybrid host, whose
 * root is a tmpfs of v1 mounts with a controller-less cgroup2 at {@code unified}, is v1.
 */
final class CgroupDetection {

    private CgroupDetection() {}

    static CgroupDriver detect(Path root, CgroupFs fs) {
        if (!fs.isDirectory(root)) {
            throw new SandboxException.HostUnsupported("no cgroup file system at " + root,
                    "mount cgroup2 (or the v1 hierarchies) there, or point flint at the right cgroup root");
        }
        List<String> v2Missing = missingV2Controllers(root, fs);
        if (v2Missing != null && v2Missing.isEmpty()) {
            return new CgroupV2(root, fs);
        }
        try {
            return new CgroupV1(V1Hierarchies.locate(root, fs), fs);
        } catch (SandboxException.HostUnsupported v1Missing) {
            if (v2Missing == null) {
                throw v1Missing;
            }
            SandboxException.HostUnsupported e = new SandboxException.HostUnsupported(
                    "cgroup v2 root " + root + " lacks the " + String.join(", ", v2Missing)
                            + " controller" + (v2Missing.size() == 1 ? "" : "s"),
                    "enable them in the parent cgroup's cgroup.subtree_control or run where they are delegated");
            e.addSuppressed(v1Missing);
            throw e;
        }
    }

    /** The required controllers that root/cgroup.controllers does not list; null when there is no such file. */
    private static List<String> missingV2Controllers(Path root, CgroupFs fs) {
        Path controllersFile = root.resolve("cgroup.controllers");
        if (!fs.exists(controllersFile)) {
            return null;
        }
        String content = new ControlFiles(fs).read(controllersFile).trim();
        Set<String> available = new HashSet<>(Arrays.asList(content.split("\\s+")));
        List<String> missing = new ArrayList<>();
        for (String controller : CgroupV2.CONTROLLERS) {
            if (!available.contains(controller)) {
                missing.add(controller);
            }
        }
        return missing;
    }
}
