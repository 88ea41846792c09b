package dev.flint.sandbox;

import static dev.flint.sandbox.RuntimeFixture.describe;
import static dev.flint.sandbox.RuntimeFixture.sh;
import static dev.flint.sandbox.RuntimeFixture.shOk;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * What a run can see and do, probed from inside with busybox and checked from the host: its own
 * pid, mount, network, UTS and IPC namespaces, a root with no host paths, a copy-on-write image,
 * no privileges (uid 65534, no capabilities, no_new_privs, seccomp), masked and read-only /proc.
 * Most tests share one sandbox; those that need another spec make their own.
 */
class IsolationIT {
    private static final String HOSTNAME = "isolated-fn";
    private static final long NET_BIND_SERVICE = 1L << 10;

    @TempDir
    static Path tmp;

    private static RuntimeFixture fx;
    private static Sandbox sandbox;

    @BeforeAll
    static void start() throws IOException {
        fx = RuntimeFixture.start(tmp, "isolation");
        sandbox = fx.create(fx.spec().hostname(HOSTNAME).build());
    }

    @AfterAll
    static void stop() throws InterruptedException {
        if (fx != null) {
            fx.close();
        }
    }

    // ---- processes ----

    @Test
    void run_cannotSeeHostProcesses() throws IOException {
        List<String> inside = shOk(sandbox, "ls -d /proc/[0-9]*").lines().toList();
        long onHost;
        try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
            onHost = procs.filter(p -> p.getFileName().toString().matches("[0-9]+")).count();
        }

        // init, the shell and ls: nothing of the host's dozens of processes
        assertTrue(inside.size() <= 4, "processes visible inside: " + inside);
        assertTrue(onHost > inside.size() + 10, "the host should have many more processes than " + inside);
        assertTrue(inside.contains("/proc/1"), inside.toString());
        String comms = shOk(sandbox, "cat /proc/[0-9]*/comm");
        assertFalse(comms.contains("kthreadd"), "host kernel threads visible: " + comms);
        List<String> ps = shOk(sandbox, "ps").lines().toList();
        assertTrue(ps.size() <= 5, "ps shows host processes: " + ps);
    }

    @Test
    void run_seesItsOwnPidNamespace_withTheSandboxInitAsPid1() {
        String status = shOk(sandbox, "cat /proc/1/status; echo ---; grep NSpid /proc/self/status");
        Map<String, String> init = statusFields(status.substring(0, status.indexOf("---")));
        assertEquals("flint-init", init.get("Name"));
        assertEquals("0", init.get("PPid"), "PID 1 inside has no parent in the namespace");
        String nspid = status.substring(status.indexOf("---") + 3).trim();
        assertEquals(1, nspid.substring("NSpid:".length()).trim().split("\\s+").length,
                "a /proc of our own pid namespace shows one pid level: " + nspid);

        // From the host: the sandbox's init is PID 1 of a child pid namespace.
        String hostView = RuntimeFixture.hostStatus(sandbox.initPid(), "NSpid").orElseThrow();
        assertEquals(List.of(String.valueOf(sandbox.initPid()), "1"), List.of(hostView.split("\\s+")));
    }

    @Test
    void create_initLivesInNamespacesOfItsOwn() throws IOException {
        for (String ns : List.of("pid", "mnt", "net", "ipc", "uts", "cgroup")) {
            Path hostNs = Files.readSymbolicLink(Path.of("/proc/self/ns/" + ns));
            Path initNs = Files.readSymbolicLink(Path.of("/proc/" + sandbox.initPid() + "/ns/" + ns));
            assertNotEquals(hostNs, initNs, ns + " namespace shared with the host");
        }
    }

    // ---- files and mounts ----

    @Test
    void run_cannotReachHostFiles() throws IOException {
        String name = "host-marker-" + UUID.randomUUID();
        Path marker = Files.writeString(tmp.resolve(name), "host secret");

        Execution cat = sh(sandbox, "cat " + marker);
        assertNotEquals(0, cat.exitCode(), describe(cat));
        assertFalse(cat.stdoutText().contains("host secret"));
        Execution find = sh(sandbox, "find / -name 'host-marker-*' -o -name busybox 2>/dev/null");
        assertEquals("/bin/busybox", find.stdoutText().trim(), "find sees only the image: " + describe(find));
    }

    /** Init detaches the host's root before READY (setup.c, step 8): only its skeleton's mounts are left. */
    @Test
    void init_hasNoHostMountLeft_onceItServedARun() throws IOException {
        try (Sandbox fresh = fx.create(fx.spec().build())) {
            shOk(fresh, "true");
            List<String> mounts = Files.readAllLines(Path.of("/proc/" + fresh.initPid() + "/mountinfo"));
            for (String line : mounts) {
                String point = line.split(" ")[4];
                assertTrue(point.equals("/") || List.of("/.layers/", "/dev", "/proc", "/.attach", "/.root", "/.scratch").stream()
                        .anyMatch(point::startsWith), "not the skeleton's: " + point + " (the host's root?)\n" + String.join("\n", mounts));
            }
        }
    }

    @Test
    void run_mountTableHasTheSandboxRootAndNoHostPathOrOldRoot() {
        String mountinfo = shOk(sandbox, "cat /proc/self/mountinfo");
        List<String> mountPoints = new ArrayList<>();
        for (String line : mountinfo.lines().toList()) {
            String[] f = line.split(" ");
            mountPoints.add(f[4]);
            assertFalse(line.contains(tmp.toString()), "host path in " + line);
            String optional = line.substring(0, line.indexOf(" - "));
            assertFalse(optional.contains("shared:"), "mount propagates to a peer group: " + line);
        }
        assertEquals(1, mountPoints.stream().filter("/"::equals).count(), mountinfo);
        assertTrue(mountinfo.lines().anyMatch(l -> l.split(" ")[4].equals("/") && l.contains(" - overlay ")),
                "root is not the copy-on-write overlay:\n" + mountinfo);
        for (String point : mountPoints) {
            assertTrue(point.equals("/") || point.startsWith("/proc") || point.startsWith("/dev"),
                    "unexpected mount " + point + " (host or old root?):\n" + mountinfo);
        }
        assertEquals("/", shOk(sandbox, "readlink /proc/self/root").trim());
        String initRoot = shOk(sandbox, "readlink /proc/1/root || echo unreadable").trim();
        assertTrue(initRoot.equals("/") || initRoot.equals("unreadable"), "/proc/1/root -> " + initRoot);
    }

    @Test
    void run_devHoldsOnlyHarmlessDevices() {
        Set<String> names = new TreeSet<>(shOk(sandbox, "ls -A /dev").lines().toList());
        assertEquals(new TreeSet<>(List.of("fd", "full", "null", "ptmx", "pts", "random", "shm", "stderr", "stdin",
                "stdout", "tty", "urandom", "zero")), names);
        assertEquals("", shOk(sandbox, "find /dev -type b"), "block devices in /dev");
        assertEquals("1:3\n", shOk(sandbox, "stat -c '%t:%T' /dev/null"), "/dev/null is not the null device");
    }

    @Test
    void run_asNobody_cannotWriteTheImage() {
        Execution e = sh(sandbox, "echo x > /bin/x");
        assertNotEquals(0, e.exitCode(), describe(e));
        assertTrue(e.stderrText().contains("Permission denied"), describe(e));
        assertFalse(Files.exists(fx.rootfs.resolve("bin/x")));
    }

    @Test
    void run_asRoot_writesToTheImageLandInScratch_andNeverReachTheLayerOrTheNextRun() throws IOException {
        byte[] passwdBefore = Files.readAllBytes(fx.rootfs.resolve("etc/passwd"));
        // root inside a user namespace: the only way a run may be uid 0
        try (Sandbox root = fx.create(fx.spec().user(0, 0).userNamespace(100_000).build())) {
            assertEquals("written\npwned\n", shOk(root, "echo written > /bin/x && cat /bin/x && echo pwned > /etc/passwd && cat /etc/passwd"));

            assertFalse(Files.exists(fx.rootfs.resolve("bin/x")), "a run wrote into the host's layer");
            assertArrayEquals(passwdBefore, Files.readAllBytes(fx.rootfs.resolve("etc/passwd")));
            assertEquals("absent\n", shOk(root, "test -e /bin/x && echo present || echo absent"));
            assertEquals(new String(passwdBefore, java.nio.charset.StandardCharsets.UTF_8), shOk(root, "cat /etc/passwd"));
        }
    }

    @Test
    void run_filesInTmpAndDevShm_doNotPersistToTheNextRun() throws IOException {
        assertEquals("a\nb\n", shOk(sandbox, "echo a > /tmp/a && echo b > /dev/shm/b && cat /tmp/a /dev/shm/b"));

        assertEquals("", shOk(sandbox, "ls -A /tmp /dev/shm | grep -x -e a -e b || true"));
        try (Stream<Path> hostTmp = Files.list(fx.rootfs.resolve("tmp"))) {
            assertEquals(0, hostTmp.count(), "scratch files reached the layer's /tmp");
        }
    }

    @Test
    void run_sysvIpcObjects_areNotVisibleToTheNextRun() throws IOException {
        Path ipcmk = Path.of("/usr/bin/ipcmk");
        assumeTrue(BusyboxRootfs.canInstallHostTool(ipcmk), "needs util-linux ipcmk and the host's libc to copy");
        Path rootfs = BusyboxRootfs.create(tmp.resolve("rootfs-ipc"));
        BusyboxRootfs.installHostTool(rootfs, ipcmk);
        String countObjects = "for f in shm msg sem; do echo $f $(($(wc -l < /proc/sysvipc/$f) - 1)); done";
        try (Sandbox ipc = fx.create(SandboxSpec.builder().layer(rootfs).build())) {
            String made = shOk(ipc, "ipcmk -M 4096 >/dev/null && ipcmk -Q >/dev/null && ipcmk -S 1 >/dev/null && " + countObjects);
            assertEquals("shm 1\nmsg 1\nsem 1\n", made, "the run sees what it made");

            assertEquals("shm 0\nmsg 0\nsem 0\n", shOk(ipc, countObjects), "the next run has a fresh IPC namespace");
        }
    }

    // ---- network and host name ----

    @Test
    void run_hasOnlyLoopback_up_andNoRoutes() {
        String dev = shOk(sandbox, "cat /proc/net/dev");
        List<String> interfaces = dev.lines().skip(2).map(l -> l.substring(0, l.indexOf(':')).trim()).toList();
        assertEquals(List.of("lo"), interfaces);
        assertTrue(shOk(sandbox, "ip link show lo").contains(",UP,"), "loopback is down");

        assertEquals(1, shOk(sandbox, "cat /proc/net/route").lines().count(), "an IPv4 route exists");
        for (String route : shOk(sandbox, "cat /proc/net/ipv6_route").lines().toList()) {
            assertTrue(route.trim().endsWith(" lo"), "IPv6 route off loopback: " + route);
        }
        assertEquals(1, shOk(sandbox, "cat /proc/net/tcp").lines().count(), "TCP sockets visible");
        assertEquals(1, shOk(sandbox, "cat /proc/net/tcp6").lines().count(), "TCP6 sockets visible");
        String unix = shOk(sandbox, "cat /proc/net/unix");
        assertFalse(unix.lines().skip(1).anyMatch(l -> l.trim().split("\\s+").length > 7
                && l.trim().split("\\s+")[7].startsWith("@")), "abstract unix sockets visible:\n" + unix);
    }

    @Test
    void run_hostnameIsTheSpecs() throws IOException {
        assertEquals(HOSTNAME + "\n" + HOSTNAME + "\n", shOk(sandbox, "hostname; uname -n"));
        assertNotEquals(HOSTNAME, Files.readString(Path.of("/proc/sys/kernel/hostname")).trim());
    }

    // ---- privileges ----

    @Test
    void run_isNobody_byDefault() {
        String out = shOk(sandbox, "id -u; id -g; grep -E '^(Uid|Gid|Groups):' /proc/self/status");
        List<String> lines = out.lines().toList();
        assertEquals("65534", lines.get(0));
        assertEquals("65534", lines.get(1));
        Map<String, String> status = statusFields(out);
        assertEquals(List.of("65534", "65534", "65534", "65534"), List.of(status.get("Uid").split("\\s+")));
        assertEquals(List.of("65534", "65534", "65534", "65534"), List.of(status.get("Gid").split("\\s+")));
        assertEquals("", status.get("Groups"), "supplementary groups kept");
    }

    @Test
    void run_hasNoCapabilities_noNewPrivs_andSeccomp() {
        Map<String, String> status = statusFields(shOk(sandbox, "cat /proc/self/status"));
        for (String set : List.of("CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb")) {
            assertEquals(0L, Long.parseUnsignedLong(status.get(set), 16), set + " = " + status.get(set));
        }
        assertEquals("1", status.get("NoNewPrivs"));
        assertEquals("2", status.get("Seccomp"), "no seccomp filter");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "mount a tmpfs              | mount -t tmpfs none /tmp                  | permission denied",
        "unshare a mount namespace  | unshare -m true                           | Operation not permitted",
        "unshare a net namespace    | unshare -n true                           | Operation not permitted",
        "unshare a user namespace   | unshare -U true                           | Operation not permitted",
        "unshare a pid namespace    | unshare -p -f true                        | Operation not permitted",
        "nsenter own namespaces     | nsenter -t $$ -m -n true                  | Operation not permitted",
        "nsenter init's namespaces  | nsenter -t 1 -m true                      | Permission denied",
        "chroot                     | chroot /tmp /bin/sh -c true               | Operation not permitted",
        "mknod a block device       | mknod /tmp/disk b 8 0                     | Operation not permitted",
        "mknod /dev/mem             | mknod /tmp/mem c 1 1                      | Operation not permitted",
        "insmod                     | echo junk > /tmp/m.ko; insmod /tmp/m.ko   | Operation not permitted",
        "sethostname                | hostname evil                             | Operation not permitted",
        "kill init                  | kill -9 1                                 | Operation not permitted",
        "lower oom_score_adj        | echo -1000 > /proc/self/oom_score_adj     | Permission denied",
        "raise the hard fd limit    | ulimit -Hn 4096                           | Operation not permitted",
    })
    void run_privilegedOperation_isDenied(String what, String command, String error) {
        Execution e = sh(sandbox, command);
        assertEquals(Outcome.EXITED, e.outcome(), describe(e));
        assertNotEquals(0, e.exitCode(), what + " succeeded: " + describe(e));
        assertTrue(e.stderrText().contains(error), what + ": " + describe(e));
        assertTrue(sandbox.pids().contains(sandbox.initPid()), "init survived");
    }

    @Test
    void run_dangerousSyscalls_areRefusedBySeccomp_whileOrdinaryOnesWork() throws Exception {
        assumeTrue(System.getProperty("os.arch").equals("amd64"), "the probe is x86-64");
        Path source = tmp.resolve("syscall-probe.c");
        try (var in = IsolationIT.class.getResourceAsStream("syscall-probe.c")) {
            Files.copy(in, source);
        }
        Path rootfs = BusyboxRootfs.create(tmp.resolve("rootfs-seccomp"));
        Process cc;
        try {
            cc = new ProcessBuilder("cc", "-static", "-O1", "-o", rootfs.resolve("bin/syscall-probe").toString(),
                    source.toString()).redirectErrorStream(true).start();
        } catch (IOException e) {
            assumeTrue(false, "needs a C compiler (cc) with static glibc: " + e.getMessage());
            return;
        }
        String ccOutput = new String(cc.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertEquals(0, cc.waitFor(), "cc failed:\n" + ccOutput);

        Map<String, String> errnos = new HashMap<>();
        try (Sandbox sb = fx.create(SandboxSpec.builder().layer(rootfs).build())) {
            Execution e = sb.run(ProcessSpec.builder("/bin/syscall-probe").build());
            assertEquals(0, e.exitCode(), describe(e));
            e.stdoutText().lines().map(l -> l.split(" ")).forEach(f -> errnos.put(f[0], f[1]));
        }

        for (String allowed : List.of("getpid", "socket-inet", "clone-plain", "prlimit-self")) {
            assertEquals("ok", errnos.get(allowed), allowed + " " + errnos);
        }
        assertEquals("ENOSYS", errnos.remove("clone3"), "clone3 must look absent, so libc falls back to clone");
        errnos.keySet().removeAll(List.of("getpid", "socket-inet", "clone-plain", "prlimit-self"));
        assertEquals(28, errnos.size(), "every probed call reported: " + errnos);
        errnos.forEach((call, errno) -> assertEquals("EPERM", errno, call + " was not refused: " + errnos));
    }

    @ParameterizedTest
    @ValueSource(strings = {"/proc/kcore", "/proc/keys", "/proc/timer_list", "/proc/sched_debug", "/proc/acpi",
        "/proc/scsi", "/proc/asound", "/proc/latency_stats", "/proc/timer_stats"})
    void run_maskedProcPath_readsEmpty(String path) {
        assumeTrue(Files.exists(Path.of(path)), path + " is not on this kernel");
        Execution read = sh(sandbox, "if [ -d " + path + " ]; then ls -A " + path + "; else cat " + path + "; fi");
        assertEquals("", read.stdoutText(), path + " is readable: " + describe(read));
        String mountinfo = shOk(sandbox, "cat /proc/self/mountinfo");
        assertTrue(mountinfo.lines().anyMatch(l -> l.split(" ")[4].equals(path)), path + " is not masked:\n" + mountinfo);
    }

    @ParameterizedTest
    @ValueSource(strings = {"/proc/sys/kernel/core_pattern", "/proc/sys/kernel/modprobe", "/proc/sys/vm/drop_caches",
        "/proc/sysrq-trigger"})
    void run_readOnlyProcPath_cannotBeOpenedForWriting(String path) {
        assumeTrue(Files.exists(Path.of(path)), path + " is not on this kernel");
        Execution e = sh(sandbox, "echo x > " + path);
        assertNotEquals(0, e.exitCode(), describe(e));
        assertTrue(e.stderrText().contains("Read-only file system"), describe(e));
    }

    @Test
    void run_sysIsAbsentOrReadOnly() {
        Execution e = sh(sandbox, "if [ -e /sys/kernel ]; then grep ' /sys ' /proc/self/mountinfo; "
                + "(echo x > /sys/kernel/uevent_helper) 2>/dev/null && echo WRITABLE; else echo absent; fi");
        assertFalse(e.stdoutText().contains("WRITABLE"), describe(e));
        assertTrue(e.stdoutText().equals("absent\n") || e.stdoutText().contains(" ro,"), describe(e));
    }

    @Test
    void run_hasOnlyStdioOpen_andACwdInsideTheSandbox() {
        Execution ls = sandbox.run(ProcessSpec.builder("ls", "/proc/self/fd").build());
        Set<String> fds = new TreeSet<>(ls.stdoutText().lines().toList());
        assertTrue(fds.containsAll(List.of("0", "1", "2")), fds.toString());
        fds.removeAll(List.of("0", "1", "2"));
        assertTrue(fds.size() <= 1, "descriptors beyond stdio and the one ls opens: " + fds);
        String links = shOk(sandbox, "for fd in 0 1 2; do readlink /proc/$$/fd/$fd; done; readlink /proc/self/cwd; pwd");
        List<String> lines = links.lines().toList();
        for (int fd = 0; fd < 3; fd++) {
            assertTrue(lines.get(fd).startsWith("pipe:"), "fd " + fd + " -> " + lines.get(fd));
        }
        assertEquals(List.of("/", "/"), lines.subList(3, 5));
    }

    @Test
    void run_environmentHoldsOnlyWhatTheSpecPassed() {
        Execution e = sandbox.run(ProcessSpec.builder("env").env("GREETING", "hello").build());
        Set<String> expected = new TreeSet<>();
        ProcessSpec.DEFAULT_ENV.forEach((k, v) -> expected.add(k + "=" + v));
        expected.add("GREETING=hello");
        assertEquals(expected, new TreeSet<>(e.stdoutText().lines().toList()), describe(e));
    }

    @Test
    void run_withNetBindServiceCapability_hasExactlyThatCapability_andCanBindPort80() {
        String listen = "nc -l -p 80 & for i in $(seq 100); do grep -q ':0050 .* 0A ' /proc/net/tcp /proc/net/tcp6 && break; "
                + "sleep 0.05; done; cat /proc/net/tcp /proc/net/tcp6";
        try (Sandbox withCap = fx.create(fx.spec().capability("CAP_NET_BIND_SERVICE").build())) {
            Map<String, String> status = statusFields(shOk(withCap, "cat /proc/self/status"));
            assertEquals(NET_BIND_SERVICE, Long.parseUnsignedLong(status.get("CapEff"), 16));
            assertEquals(NET_BIND_SERVICE, Long.parseUnsignedLong(status.get("CapBnd"), 16));
            assertEquals("65534", status.get("Uid").split("\\s+")[0], "the capability comes without root");

            Execution bound = sh(withCap, listen);
            assertTrue(bound.stdoutText().contains(":0050 "), "no listener on port 80: " + describe(bound));
        }
        Execution denied = sh(sandbox, "nc -l -p 80");
        assertTrue(denied.stderrText().contains("Permission denied"), "without the capability: " + describe(denied));
    }

    @Test
    void run_withUserNamespace_hasANonIdentityIdMap_andInitIsUnprivilegedOnTheHost() {
        try (Sandbox userns = fx.create(fx.spec().userNamespace(100_000).build())) {
            String maps = shOk(userns, "cat /proc/self/uid_map /proc/self/gid_map; id -u");
            assertEquals(List.of("0 100000 65536", "0 100000 65536", "65534"),
                    maps.lines().map(l -> l.trim().replaceAll("\\s+", " ")).toList());

            String hostUid = RuntimeFixture.hostStatus(userns.initPid(), "Uid").orElseThrow();
            assertEquals(List.of("100000", "100000", "100000", "100000"), List.of(hostUid.split("\\s+")),
                    "init is host root");
        }
    }

    @Test
    void run_withUserNamespace_andRootOwnedLayers_seesThemAsItsRoot_andCanWriteTmp() {
        // the layers are id-mapped: on-disk owner 0 appears as the namespace's root, not nobody
        try (Sandbox userns = fx.create(fx.spec().userNamespace(100_000).build())) {
            assertEquals("scratch\n", shOk(userns, "echo scratch > /tmp/f && cat /tmp/f"));
            assertEquals("absent\n", shOk(userns, "test -e /tmp/f && echo present || echo absent"));
            assertEquals("0 0\n", shOk(userns, "stat -c '%u %g' /bin/busybox"));
            assertEquals("0 100000 65536\n", shOk(userns, "cat /proc/self/uid_map").trim().replaceAll("\\s+", " ") + "\n");
        }
    }

    /** "Key:\tvalue" lines (as in /proc/[pid]/status) into a map of trimmed values. */
    private static Map<String, String> statusFields(String text) {
        Map<String, String> fields = new HashMap<>();
        for (String line : text.lines().toList()) {
            int colon = line.indexOf(':');
            if (colon > 0) {
                fields.putIfAbsent(line.substring(0, colon), line.substring(colon + 1).trim());
            }
        }
        return fields;
    }
}
