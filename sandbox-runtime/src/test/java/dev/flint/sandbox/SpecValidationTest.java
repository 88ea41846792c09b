package dev.flint.sandbox;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The spec builders reject bad values before anything is created, with
 * {@link SandboxException.InvalidSpec} naming the field and a hint. Pure unit tests: no root, no
 * kernel. Each case changes one field of a valid spec, so a rejection is that field's.
 */
class SpecValidationTest {
    private static final Path LAYER = Path.of("/srv/flint/layers/base");
    private static final long MIB = SandboxSpec.MIB;

    private static SandboxSpec.Builder validSandbox() {
        return SandboxSpec.builder().layer(LAYER);
    }

    private static ProcessSpec.Builder validProcess() {
        return ProcessSpec.builder("echo", "hi");
    }

    @Test
    void build_ofValidSpecs_succeedsWithTheDocumentedDefaults() {
        SandboxSpec sandbox = validSandbox().build();
        assertEquals(List.of(LAYER), sandbox.layers());
        assertEquals(256 * MIB, sandbox.memoryBytes());
        assertEquals(65534, sandbox.uid());
        assertTrue(sandbox.capabilities().isEmpty());
        assertEquals(0, sandbox.userNamespaceBase());

        ProcessSpec process = validProcess().build();
        assertEquals(ProcessSpec.DEFAULT_ENV, process.env());
        assertEquals("/", process.cwd());
        assertEquals(Duration.ofSeconds(60), process.timeout());
    }

    static Stream<Arguments> badSandboxSpecs() {
        return Stream.of(
                bad("no layers", "layers", b -> b.layers(List.of())),
                bad("relative layer path", "layers", b -> b.layers(List.of(Path.of("rootfs")))),
                bad("layer path with a colon", "layers", b -> b.layers(List.of(Path.of("/srv/a:b")))),
                bad("negative memory", "memory", b -> b.memoryBytes(-1)),
                bad("memory below 8 MiB", "memory", b -> b.memoryBytes(4 * MIB).scratchBytes(MIB)),
                bad("absurd memory", "memory", b -> b.memoryBytes(2L * 1024 * 1024 * MIB)),
                bad("scratch equal to memory", "scratch", b -> b.memoryBytes(64 * MIB).scratchBytes(64 * MIB)),
                bad("scratch above memory", "scratch", b -> b.memoryBytes(64 * MIB).scratchBytes(128 * MIB)),
                bad("scratch too small", "scratch", b -> b.scratchBytes(1024)),
                bad("negative cpus", "cpus", b -> b.cpus(-0.5)),
                bad("NaN cpus", "cpus", b -> b.cpus(Double.NaN)),
                bad("pids 0", "pids", b -> b.pidsMax(0)),
                bad("pids 1 (init alone)", "pids", b -> b.pidsMax(1)),
                bad("hostname with an underscore", "hostname", b -> b.hostname("bad_host")),
                bad("hostname starting with a dash", "hostname", b -> b.hostname("-x")),
                bad("hostname of 64 characters", "hostname", b -> b.hostname("a".repeat(64))),
                bad("empty hostname", "hostname", b -> b.hostname("")),
                bad("unknown capability", "capabilities", b -> b.capability("CAP_MAKE_COFFEE")),
                bad("capability that reaches init", "capabilities", b -> b.capability("CAP_SYS_PTRACE")),
                bad("CAP_SYS_ADMIN", "capabilities", b -> b.capability("CAP_SYS_ADMIN")),
                bad("CAP_NET_ADMIN", "capabilities", b -> b.capability("CAP_NET_ADMIN")),
                bad("root without a user namespace", "user", b -> b.user(0, 0)),
                bad("gid 0 without a user namespace", "user", b -> b.user(1000, 0)),
                bad("capability without prefix", "capabilities", b -> b.capability("NET_ADMIN")),
                bad("negative uid", "user", b -> b.user(-1, 0)),
                bad("negative user namespace base", "userNamespace", b -> b.userNamespace(-1)),
                bad("too few open files", "maxOpenFiles", b -> b.maxOpenFiles(3)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badSandboxSpecs")
    void sandboxSpec_withABadField_isRejectedNamingIt(String what, String field, UnaryOperator<SandboxSpec.Builder> change) {
        assertRejected(field, () -> change.apply(validSandbox()).build());
    }

    static Stream<Arguments> badProcessSpecs() {
        return Stream.of(
                badProcess("empty argv", "argv", () -> ProcessSpec.builder(List.of()).build()),
                badProcess("empty command", "argv", () -> ProcessSpec.builder("").build()),
                badProcess("NUL in an argument", "argv", () -> ProcessSpec.builder("echo", "a\0b").build()),
                badProcess("NUL in the command", "argv", () -> ProcessSpec.builder("ec\0ho").build()),
                badProcess("command line too long", "argv", () -> ProcessSpec.builder("echo", "x".repeat(70_000)).build()),
                badProcess("relative cwd", "cwd", () -> validProcess().cwd("tmp").build()),
                badProcess("null cwd", "cwd", () -> validProcess().cwd(null).build()),
                badProcess("zero timeout", "timeout", () -> validProcess().timeout(Duration.ZERO).build()),
                badProcess("negative timeout", "timeout", () -> validProcess().timeout(Duration.ofSeconds(-1)).build()),
                badProcess("sub-millisecond timeout", "timeout", () -> validProcess().timeout(Duration.ofNanos(10)).build()),
                badProcess("timeout over a day", "timeout", () -> validProcess().timeout(Duration.ofDays(2)).build()),
                badProcess("env name starting with a digit", "env", () -> validProcess().env("1X", "v").build()),
                badProcess("env name with a dash", "env", () -> validProcess().env("A-B", "v").build()),
                badProcess("env name with '='", "env", () -> validProcess().env("A=B", "v").build()),
                badProcess("empty env name", "env", () -> validProcess().env("", "v").build()),
                badProcess("NUL in an env value", "env", () -> validProcess().env("A", "x\0y").build()),
                badProcess("negative output limit", "outputLimit", () -> validProcess().outputLimitBytes(-1).build()));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badProcessSpecs")
    void processSpec_withABadField_isRejectedNamingIt(String what, String field, Executable build) {
        assertRejected(field, build);
    }

    @Test
    void capabilitiesMask_ofAnUnknownName_isRejectedNamingCapabilities() {
        assertRejected("capabilities", () -> Capabilities.mask(java.util.Set.of("CAP_NOPE")));
        assertEquals(1L << 10, Capabilities.mask(java.util.Set.of("CAP_NET_BIND_SERVICE")));
    }

    private static void assertRejected(String field, Executable build) {
        SandboxException.InvalidSpec e = assertThrows(SandboxException.InvalidSpec.class, build);
        assertEquals(field, e.field(), e.getMessage());
        assertTrue(e.getMessage().startsWith(field + ": "), e.getMessage());
        assertFalse(e.hint().isEmpty(), "no hint for " + e.getMessage());
    }

    private static Arguments bad(String what, String field, UnaryOperator<SandboxSpec.Builder> change) {
        return Arguments.of(what, field, change);
    }

    private static Arguments badProcess(String what, String field, Executable build) {
        return Arguments.of(what, field, build);
    }
}
