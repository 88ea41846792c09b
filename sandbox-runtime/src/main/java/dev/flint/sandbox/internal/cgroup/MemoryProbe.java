package dev.flint.sandbox.internal.cgroup;

import dev.flint.sandbox.SandboxException;
import java.io.IOException;
import java.nio.file.Path;

/**
 * The memory files a sandbox reads (and resets) after every request, kept open: peak use and OOM
 * kills. Opening, reading and closing them by path each time cost more than the reads. Knows
 * both versions' file names (as {@link MemoryController} does). Not thread-safe: the owning
 * cgroup serialises it; closed when the cgroup is removed.
 */
final class MemoryProbe implements AutoCloseable {
    private final Path peakFile;
    private final Path oomFile;
    private final CgroupFs.Control peak;
    private final CgroupFs.Control oom;
    /** Whether the peak can be reset: always on v1, on v2 only where memory.peak takes writes (6.12+). */
    private boolean resettable;

    private MemoryProbe(Path peakFile, CgroupFs.Control peak, boolean resettable, Path oomFile, CgroupFs.Control oom) {
        this.peakFile = peakFile;
        this.peak = peak;
        this.resettable = resettable;
        this.oomFile = oomFile;
        this.oom = oom;
    }

    /**
     * The files a probe reads: the peak (v1 memory.max_usage_in_bytes; v2 memory.peak, or
     * memory.current before 5.19, the best there is) and the one with the "oom_kill N" line.
     */
    static MemoryFiles paths(CgroupVersion version, ControlFiles files, Path dir) {
        if (version == CgroupVersion.V1) {
            return new MemoryFiles(dir.resolve("memory.max_usage_in_bytes"), dir.resolve("memory.oom_control"));
        }
        Path peak = dir.resolve("memory.peak");
        return new MemoryFiles(files.exists(peak) ? peak : dir.resolve("memory.current"), dir.resolve("memory.events"));
    }

    static MemoryProbe open(CgroupVersion version, ControlFiles files, Path dir) {
        MemoryFiles paths = paths(version, files, dir);
        Path peak = paths.peak();
        Path events = paths.events();
        if (version == CgroupVersion.V1) {
            return new MemoryProbe(peak, files.open(peak, true), true, events, files.open(events, false));
        }
        CgroupFs.Control peakControl;
        boolean resettable = false;
        if (peak.getFileName().toString().equals("memory.current")) {
            peakControl = files.open(peak, false);
        } else {
            try {
                peakControl = files.fs().open(peak, true);
                resettable = true;
            } catch (IOException e) {
                peakControl = files.open(peak, false); // read-only before 6.12
            }
        }
        return new MemoryProbe(peak, peakControl, resettable, events, files.open(events, false));
    }

    long peakBytes() {
        return ControlFiles.number(peakFile, ControlFiles.read(peakFile, peak));
    }

    long oomKills() {
        return ControlFiles.keyed(oomFile, ControlFiles.read(oomFile, oom), "oom_kill").orElse(0);
    }

    void resetPeak() {
        if (!resettable) {
            return;
        }
        try {
            peak.write("0");
        } catch (IOException e) {
            if (ControlFiles.isUnsupported(e)) {
                resettable = false; // a kernel where memory.peak takes no writes: the peak since creation
                return;
            }
            throw new SandboxException.Failed("cannot write 0 to " + peakFile + ": " + ControlFiles.reason(e),
                    "check that the cgroup still exists", e);
        }
    }

    @Override
    public void close() {
        for (CgroupFs.Control c : new CgroupFs.Control[] {peak, oom}) {
            try {
                c.close();
            } catch (IOException e) {
                // closing a read descriptor of a control file does not fail in a way worth reporting
            }
        }
    }
}
