package dev.flint.sandbox;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A zygote's copies (ADR 0015), on the real kernel, with the host's root as the stand-in image of
 * both the zygote and the sandboxes (it has python3): a copy lives in the sandbox's namespaces and
 * cgroups and has given up what a run process gives up; the sandbox ends it as any instance.
 */
class ZygoteIT {
    private static final Duration WAIT = Duration.ofSeconds(20);
    private static final List<Path> HOST = List.of(Path.of("/"));
    /** Each copy reports what it sees as one JSON line on fd 3, then answers "echo" lines until EOF. */
    private static final String PROGRAM = Zygote.PRELUDE + """

            import json

            def probe(call):
                try:
                    call()
                    return "allowed"
                except OSError as e:
                    return e.strerror

            def entry():
                libc = ctypes.CDLL(None, use_errno=True)
                status = dict(line.split(":\\t", 1) for line in open("/proc/self/status").read().splitlines() if ":\\t" in line)
                def mount():
                    if libc.mount(b"none", b"/tmp", b"tmpfs", 0, None) != 0:
                        raise OSError(ctypes.get_errno(), os.strerror(ctypes.get_errno()))
                info = {
                    "pid": os.getpid(), "ppid": os.getppid(), "uid": os.getuid(), "gid": os.getgid(),
                    "groups": os.getgroups(), "cwd": os.getcwd(),
                    "caps": [status[k].strip() for k in ("CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb")],
                    "nnp": status["NoNewPrivs"].strip(), "seccomp": status["Seccomp"].strip(),
                    "init": open("/proc/1/comm").read().strip(), "hostname": socket.gethostname(),
                    "interfaces": [name for _, name in socket.if_nameindex()],
                    "fds": sorted(int(f) for f in os.listdir("/proc/self/fd")),
                    "mnt": os.readlink("/proc/self/ns/mnt"), "cgroup": open("/proc/self/cgroup").read(),
                    "mount": probe(mount), "nofile": resource.getrlimit(resource.RLIMIT_NOFILE)[0],
                }
                channel = socket.socket(fileno=3)
                report = "\\t".join(k + "=" + json.dumps(v, separators=(",", ":")) for k, v in info.items())
                channel.sendall((report + "\\n").encode())
                for line in channel.makefile("rb"):
                    if line == b"exit\\n":
                        sys.exit(3)
                    if line == b"kill-group\\n":
                        os.kill(0, signal.SIGKILL)  # its own process group: itself, nothing in another sandbox
                    if line == b"kill-all\\n":
                        try:
                            os.kill(-1, signal.SIGKILL)  # what a launcher does between activations
                        except ProcessLookupError:
                            pass  # none to kill: neither init nor the sandbox's own run process counts
                    channel.sendall(b"echo " + line)

            flint_zygote_main(entry)
            """;

    @TempDir
    static Path tmp;

    private static RuntimeFixture fx;
    private static Zygote zygote;

    @BeforeAll
    static void start() throws IOException {
        fx = RuntimeFixture.start(tmp, "zygote");
        zygote = fx.runtime.startZygote(new ZygoteSpec(HOST, List.of("/usr/bin/python3", "-u", "-c", PROGRAM),
                Map.of("PYTHONDONTWRITEBYTECODE", "1", "PATH", "/usr/bin:/bin")));
    }

    @AfterAll
    static void stop() throws InterruptedException {
        if (zygote != null) {
            zygote.close();
        }
        if (fx != null) {
            fx.close();
        }
    }

    private static final class Lines implements Instance.Listener {
        final ByteArrayOutputStream channel = new ByteArrayOutputStream();
        final ByteArrayOutputStream stdout = new ByteArrayOutputStream();

        @Override
        public void channel(byte[] data, int offset, int length) {
            channel.write(data, offset, length);
        }

        @Override
        public void output(boolean err, byte[] data, int offset, int length) {
            if (!err) {
                stdout.write(data, offset, length);
            }
        }

        @Override
        public boolean complete() {
            return channel.toString(StandardCharsets.UTF_8).endsWith("\n");
        }

        String text() {
            return channel.toString(StandardCharsets.UTF_8);
        }
    }

    /** The copy's report: each value as the JSON text Python wrote. */
    private static Map<String, String> report(Instance instance) {
        Lines l = new Lines();
        assertEquals(Instance.Result.COMPLETE, instance.converse(new byte[0], WAIT, l), "stdout: " + l.stdout);
        Map<String, String> info = new HashMap<>();
        for (String field : l.text().strip().split("\t")) {
            String[] kv = field.split("=", 2);
            info.put(kv[0], kv[1]);
        }
        return info;
    }

    private static Sandbox sandbox() {
        return fx.create(SandboxSpec.builder().layers(HOST).hostname("zygote-it").build());
    }

    @Test
    void aCopy_livesInTheSandbox_withEveryPrivilegeGivenUp() throws IOException {
        try (Sandbox sandbox = sandbox()) {
            Instance instance = sandbox.start(zygote, "/tmp", Duration.ofMinutes(5));
            Map<String, String> info = report(instance);
            SandboxSpec spec = sandbox.spec();
            assertEquals("0", info.get("ppid"), "its parent is outside the sandbox's pid namespace: " + info);
            assertTrue(Integer.parseInt(info.get("pid")) > 1, info.toString());
            assertEquals("\"flint-init\"", info.get("init"), "pid 1 is the sandbox's init");
            assertEquals("\"zygote-it\"", info.get("hostname"));
            assertEquals("[\"lo\"]", info.get("interfaces"), "only the sandbox's loopback");
            assertEquals(String.valueOf(spec.uid()), info.get("uid"));
            assertEquals(String.valueOf(spec.gid()), info.get("gid"));
            assertEquals("[]", info.get("groups"));
            assertEquals("\"/tmp\"", info.get("cwd"));
            String none = "\"0000000000000000\"";
            assertEquals("[" + String.join(",", List.of(none, none, none, none, none)) + "]", info.get("caps"),
                    "inheritable, permitted, effective, bounding, ambient");
            assertEquals("\"1\"", info.get("nnp"));
            assertEquals("\"2\"", info.get("seccomp"), "a seccomp filter is on");
            assertEquals("\"Operation not permitted\"", info.get("mount"), "mount is refused");
            assertEquals("[0,1,2,3,4]", info.get("fds"), "only stdio and the channel (4: the listing's own)");
            assertEquals(String.valueOf(spec.maxOpenFiles()), info.get("nofile"));
            assertNotEquals("\"" + Files.readSymbolicLink(Path.of("/proc/self/ns/mnt")) + "\"", info.get("mnt"));
            String cgroup = info.get("cgroup").replace("\\n", "\n").replace("\"", "");
            assertTrue(cgroup.lines().allMatch(l -> l.endsWith(":/")), "in the sandbox's cgroup, its root: " + cgroup);
            List<Integer> inCgroup = RuntimeFixture.leftoverPids(sandbox);
            assertEquals(1, inCgroup.size(), "the copy is in the sandbox's cgroup on the host too: " + inCgroup);
        }
    }

    @Test
    void aCopy_answersOnItsChannel_survivesItsOwnKillAll_andKillEndsIt_thenTheSandboxRunsAgain() {
        try (Sandbox sandbox = sandbox()) {
            Instance instance = sandbox.start(zygote, "/tmp", Duration.ofMinutes(5));
            report(instance);
            for (String word : new String[] {"one", "kill-all", "two"}) {
                Lines l = new Lines();
                assertEquals(Instance.Result.COMPLETE, instance.converse((word + "\n").getBytes(StandardCharsets.UTF_8), WAIT, l),
                        () -> word + ": " + instance.outcome() + " " + instance.error() + " " + l.stdout);
                assertEquals("echo " + word + "\n", l.text());
            }
            sandbox.kill();
            assertEquals(Instance.Result.ENDED, instance.converse(new byte[0], WAIT, new Lines()));
            assertEquals(Outcome.KILLED, instance.outcome());
            assertEquals(List.of(), RuntimeFixture.leftoverPids(sandbox), "the copy is gone with the run");
            assertEquals("again\n", RuntimeFixture.shOk(sandbox, "echo again"));
            Instance second = sandbox.start(zygote, "/", Duration.ofMinutes(5));
            assertEquals("\"/\"", report(second).get("cwd"), "a sandbox takes another copy after the first ended");
        }
    }

    @Test
    void aCopyThatExits_endsTheRun() {
        try (Sandbox sandbox = sandbox()) {
            Instance instance = sandbox.start(zygote, "/tmp", Duration.ofMinutes(5));
            report(instance);
            assertEquals(Instance.Result.ENDED, instance.converse("exit\n".getBytes(StandardCharsets.UTF_8), WAIT, new Lines()));
            assertEquals(Outcome.EXITED, instance.outcome());
            assertEquals(List.of(), RuntimeFixture.leftoverPids(sandbox));
        }
    }

    @Test
    void copiesInManySandboxes_areApart_andTheZygoteLivesOn() {
        Sandbox a = sandbox();
        Sandbox b = sandbox();
        try {
            Map<String, String> ia = report(a.start(zygote, "/tmp", Duration.ofMinutes(5)));
            Map<String, String> ib = report(b.start(zygote, "/tmp", Duration.ofMinutes(5)));
            assertNotEquals(ia.get("mnt"), ib.get("mnt"), "each in its own sandbox's root");
        } finally {
            a.destroy();
            b.destroy();
        }
        assertTrue(zygote.alive());
    }

    @Test
    void copiesOutliveTheirZygote_andAreReapedAtTheirEnd() throws InterruptedException {
        Zygote short_lived = fx.runtime.startZygote(new ZygoteSpec(HOST, List.of("/usr/bin/python3", "-u", "-c", PROGRAM),
                Map.of("PYTHONDONTWRITEBYTECODE", "1")));
        try (Sandbox sandbox = sandbox()) {
            Instance instance = sandbox.start(short_lived, "/tmp", Duration.ofMinutes(5));
            report(instance);
            int copy = RuntimeFixture.leftoverPids(sandbox).get(0);
            short_lived.close();
            assertTrue(!short_lived.alive());
            Lines l = new Lines();
            assertEquals(Instance.Result.COMPLETE, instance.converse("after\n".getBytes(StandardCharsets.UTF_8), WAIT, l));
            assertEquals("echo after\n", l.text());
            sandbox.kill();
            assertEquals(Instance.Result.ENDED, instance.converse(new byte[0], WAIT, new Lines()));
            // its intermediate parent is long gone: the factory, the nearest subreaper, reaps it
            for (int i = 0; i < 100 && Files.exists(Path.of("/proc/" + copy)); i++) {
                Thread.sleep(50);
            }
            assertTrue(Files.notExists(Path.of("/proc/" + copy)), "the copy " + copy + " is reaped, not a zombie");
        }
    }

    @Test
    void aCopysKillOfItsProcessGroup_reachesNoOtherSandbox() {
        Sandbox a = sandbox();
        Sandbox b = sandbox();
        try {
            Instance ia = a.start(zygote, "/tmp", Duration.ofMinutes(5));
            Instance ib = b.start(zygote, "/tmp", Duration.ofMinutes(5));
            report(ia);
            report(ib);
            assertEquals(Instance.Result.ENDED, ia.converse("kill-group\n".getBytes(StandardCharsets.UTF_8), WAIT, new Lines()));
            Lines l = new Lines();
            assertEquals(Instance.Result.COMPLETE, ib.converse("still\n".getBytes(StandardCharsets.UTF_8), WAIT, l),
                    "the other sandbox's copy lives: " + ib.outcome());
            assertEquals("echo still\n", l.text());
            assertTrue(zygote.alive(), "and so does the zygote");
        } finally {
            a.destroy();
            b.destroy();
        }
    }

    @Test
    void theZygote_dumpsNoCore_andSharesNoWritableMappingWithItsCopies() throws IOException {
        String limits = Files.readString(Path.of("/proc/" + zygote.pid() + "/limits"));
        assertTrue(limits.lines().anyMatch(l -> l.startsWith("Max core file size") && l.contains(" 0 ")), limits);
        List<String> shared = Files.readAllLines(Path.of("/proc/" + zygote.pid() + "/maps")).stream()
                .filter(l -> l.split("\\s+")[1].equals("rw-s")).toList();
        assertEquals(List.of(), shared, "a shared writable mapping would be shared by every copy");
    }

    @Test
    void aBadProgram_failsToStart_withItsReason() {
        SandboxException e = assertThrows(SandboxException.class, () -> fx.runtime.startZygote(
                new ZygoteSpec(HOST, List.of("/no/such/python"), Map.of())));
        assertTrue(e.getMessage().contains("/no/such/python"), e.getMessage());
        assertThrows(SandboxException.InvalidSpec.class, () -> new ZygoteSpec(HOST, List.of("python3"), Map.of()));
    }
}
