package dev.flint.loadtests;

import dev.flint.sandbox.HostProcess;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The peers Flint is compared with, run on the same rootfs and payload: the plain fork+exec floor,
 * bubblewrap and crun (Debian packages). Each measures time to the payload's first output byte.
 */
final class Peers implements AutoCloseable {
    static final String[] ENV = {"PATH=/bin"};

    private final Path rootfs;
    private final Path bundle;
    private Process crunLoop;
    private OutputStream crunIn;
    private BufferedReader crunOut;
    private long crunSeq;

    Peers(Path rootfs, Path work) throws IOException {
        this.rootfs = rootfs;
        this.bundle = Files.createDirectories(work.resolve("crun-bundle"));
    }

    static boolean installed(String tool) {
        return Files.isExecutable(Path.of("/usr/bin", tool));
    }

    /** fork+exec of the payload itself, no isolation. */
    long floor(List<String> payload) {
        return firstByte(HostProcess.run(rootfs + payload.get(0), payload.toArray(String[]::new), ENV));
    }

    /** bwrap --unshare-all with the rootfs bound read-only as /, its own /proc and /dev. */
    long bwrap(List<String> payload) {
        String[] argv = concat(new String[] {"bwrap", "--unshare-all", "--ro-bind", rootfs.toString(), "/",
            "--proc", "/proc", "--dev", "/dev"}, payload);
        return firstByte(HostProcess.run("/usr/bin/bwrap", argv, ENV));
    }

    /**
     * crun run of a bundle whose root is the rootfs (read-only) and whose args are the payload.
     * crun 1.8 refuses this host's hybrid cgroups (BASELINE.md section 8), so, as there, it runs in
     * a private mount namespace with /sys/fs/cgroup/unified unmounted: one long-lived shell there
     * starts crun per request, which adds one shell fork to crun's figure.
     */
    long crun(List<String> payload) throws IOException {
        if (crunLoop == null) {
            startCrunLoop(payload);
        }
        long start = System.nanoTime();
        crunIn.write(("flint-bench-" + ProcessHandle.current().pid() + "-" + (crunSeq++) + "\n").getBytes(StandardCharsets.UTF_8));
        crunIn.flush();
        int c = crunOut.read();
        long first = System.nanoTime() - start;
        if (c < 0 || c == '!') {
            throw new IOException("crun failed; run it by hand to see why: crun run -b " + bundle + " test");
        }
        crunOut.readLine();
        return first;
    }

    private void startCrunLoop(List<String> payload) throws IOException {
        writeBundle(payload);
        String loop = "umount -l /sys/fs/cgroup/unified 2>/dev/null; while read id; do crun run -b '" + bundle
                + "' \"$id\" </dev/null 2>/dev/null || echo \"!crun failed\"; done";
        crunLoop = new ProcessBuilder("unshare", "-m", "--propagation", "private", "sh", "-c", loop)
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        crunIn = crunLoop.getOutputStream();
        crunOut = new BufferedReader(new InputStreamReader(crunLoop.getInputStream(), StandardCharsets.UTF_8));
    }

    private void writeBundle(List<String> payload) throws IOException {
        StringBuilder args = new StringBuilder();
        for (String a : payload) {
            args.append(args.length() == 0 ? "" : ", ").append('"').append(a).append('"');
        }
        String config = """
            {"ociVersion": "1.0.0",
             "process": {"terminal": false, "user": {"uid": 0, "gid": 0}, "args": [%s],
               "env": ["PATH=/bin"], "cwd": "/",
               "capabilities": {"bounding": ["CAP_KILL"], "effective": ["CAP_KILL"], "permitted": ["CAP_KILL"]},
               "noNewPrivileges": true},
             "root": {"path": "%s", "readonly": true},
             "hostname": "crun",
             "mounts": [
               {"destination": "/proc", "type": "proc", "source": "proc"},
               {"destination": "/dev", "type": "tmpfs", "source": "tmpfs", "options": ["nosuid", "strictatime", "mode=755", "size=65536k"]}],
             "linux": {"namespaces": [{"type": "pid"}, {"type": "network"}, {"type": "ipc"}, {"type": "uts"}, {"type": "mount"}],
               "maskedPaths": ["/proc/kcore", "/proc/keys", "/proc/timer_list"],
               "readonlyPaths": ["/proc/sys", "/proc/sysrq-trigger"]}}
            """.formatted(args, rootfs);
        Files.writeString(bundle.resolve("config.json"), config);
    }

    private static long firstByte(HostProcess.Result r) {
        if (r.timeToFirstOutput() == null) {
            throw new IllegalStateException("the peer printed nothing (wait status " + r.status() + ")");
        }
        return r.timeToFirstOutput().toNanos();
    }

    private static String[] concat(String[] head, List<String> tail) {
        String[] all = java.util.Arrays.copyOf(head, head.length + tail.size());
        for (int i = 0; i < tail.size(); i++) {
            all[head.length + i] = tail.get(i);
        }
        return all;
    }

    @Override
    public void close() throws IOException {
        if (crunLoop != null) {
            crunIn.close();
            try {
                crunLoop.waitFor();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                crunLoop.destroyForcibly();
            }
        }
    }
}
