package dev.flint.sandbox;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SmokeIT {
    @TempDir
    Path tmp;

    @Test
    void echoRuns() throws Exception {
        Path rootfs = BusyboxRootfs.create(tmp.resolve("rootfs"));
        try (SandboxRuntime rt = SandboxRuntime.start(RuntimeConfig.defaults().withStateDir(tmp.resolve("state")));
             Sandbox sb = rt.create(SandboxSpec.builder().layer(rootfs).build())) {
            Execution e = sb.run(ProcessSpec.builder("echo", "hello").build());
            System.out.println(e);
            System.out.println(e.stdoutText() + e.stderrText() + e.error());
            assertEquals("hello\n", e.stdoutText());
        }
    }
}
