package dev.flint.sandbox.internal.cgroup;

import dev.flint.sandbox.SandboxException;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * cgroup v2: one unified hierarchy, each cgroup one directory. Controllers reach a cgroup only
 * when every ancestor enables them in its cgroup.subtree_control, so {@link #create} does that on
 * the way down. Immutable and thread-safe; see {@link CgroupDriver} for the contract.
 */
public final class CgroupV2 implements CgroupDriver {

    /** The controllers every sandbox cgroup needs, as named in cgroup.controllers. */
    static final List<String> CONTROLLERS = List.of("cpu", "memory", "pids");

    private final Path root;
    private final ControlFiles files;
    private final CgroupTree tree;

    /** The unified hierarchy at {@code root} (e.g. /sys/fs/cgroup); {@link CgroupDriver#detect} checks it first. */
    public CgroupV2(Path root) {
        this(root, CgroupFs.host());
    }

    CgroupV2(Path root, CgroupFs fs) {
        this.root = root;
        this.files = new ControlFiles(fs);
        this.tree = new CgroupTree(files);
    }

    @Override
    public CgroupVersion version() {
        return CgroupVersion.V2;
    }

    /**
     * Makes the directory and its parents, enables cpu, memory and pids in the cgroup.subtree_control
     * of each ancestor from the root down, then writes memory.max, memory.swap.max (0, when the
     * kernel has swap accounting), cpu.max and pids.max.
     */
    @Override
    public Cgroup create(String relativePath, CgroupLimits limits) {
        CgroupTree.checkRelativePath(relativePath);
        Objects.requireNonNull(limits, "limits");
        List<Path> created = tree.makeDirs(root, relativePath);
        V2Cgroup cgroup = new V2Cgroup(relativePath, root.resolve(relativePath), files, tree);
        try {
            enableControllersDownTo(cgroup.dir());
            cgroup.writeLimits(limits);
            return cgroup;
        } catch (RuntimeException e) {
            tree.removeCreated(created, e);
            throw e;
        }
    }

    @Override
    public Cgroup open(String relativePath) {
        CgroupTree.checkRelativePath(relativePath);
        return new V2Cgroup(relativePath, root.resolve(relativePath), files, tree);
    }

    @Override
    public List<String> children(String relativePath) {
        CgroupTree.checkRelativePath(relativePath);
        return tree.childNames(root.resolve(relativePath));
    }

    @Override
    public void removeIfEmpty(String relativePath) {
        CgroupTree.checkRelativePath(relativePath);
        tree.tryRemove(root.resolve(relativePath));
    }

    /** Enables the controllers in every ancestor of {@code dir}, the root included, top first. */
    private void enableControllersDownTo(Path dir) {
        Path relative = root.relativize(dir);
        Path ancestor = root;
        for (int i = 0; i < relative.getNameCount(); i++) {
            enableControllers(ancestor);
            ancestor = ancestor.resolve(relative.getName(i));
        }
    }

    /**
     * One write per controller, because a write naming several fails as a whole if one of them
     * fails; controllers already enabled (by systemd, or by a concurrent create) are left alone.
     */
    private void enableControllers(Path parent) {
        Path subtreeControl = parent.resolve("cgroup.subtree_control");
        List<String> enabled = enabled(subtreeControl);
        for (String controller : CONTROLLERS) {
            if (enabled.contains(controller)) {
                continue;
            }
            try {
                files.fs().write(subtreeControl, "+" + controller);
            } catch (IOException e) {
                if (!enabled(subtreeControl).contains(controller)) {
                    throw new SandboxException.Failed("cannot enable the " + controller + " controller in "
                            + subtreeControl + ": " + ControlFiles.reason(e),
                            "make sure " + parent + " has no processes of its own and its parent delegates "
                                    + controller, e);
                }
            }
        }
    }

    private List<String> enabled(Path subtreeControl) {
        return Arrays.asList(files.read(subtreeControl).trim().split("\\s+"));
    }
}
