package dev.flint.sandbox;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * The victim of {@link CrashRecoveryIT}, run in a JVM of its own: starts a runtime on the given
 * state directory and cgroup parent, creates a sandbox, starts {@code sleep 1000} in it on another
 * thread, prints {@code READY <initPid> <sleepPid> <sandbox cgroup>} and waits to be killed.
 *
 * <p>Arguments: state directory, rootfs directory, cgroup parent.
 */
public final class CrashingRuntimeMain {
    private CrashingRuntimeMain() {
    }

    public static void main(String[] args) throws Exception {
        SandboxRuntime runtime = SandboxRuntime.start(RuntimeConfig.defaults()
                .withStateDir(Path.of(args[0])).withCgroupParent(args[2]));
        Sandbox sandbox = runtime.create(SandboxSpec.builder().layer(Path.of(args[1])).prepareAhead(false).build());
        Thread run = new Thread(() -> sandbox.run(ProcessSpec.builder("sleep", "1000").timeout(Duration.ofSeconds(1000)).build()));
        run.setDaemon(true);
        run.start();
        int sleep = awaitSleep(sandbox);
        System.out.println("READY " + sandbox.initPid() + " " + sleep + " " + RuntimeFixture.cgroupOf(sandbox.initPid()));
        System.out.flush();
        Thread.sleep(Long.MAX_VALUE);
    }

    private static int awaitSleep(Sandbox sandbox) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (System.nanoTime() < deadline) {
            for (int pid : sandbox.pids()) {
                try {
                    String cmdline = new String(Files.readAllBytes(Path.of("/proc/" + pid + "/cmdline")), StandardCharsets.UTF_8);
                    if (cmdline.equals("sleep\0" + "1000\0")) {
                        return pid;
                    }
                } catch (java.io.IOException e) {
                    // exited meanwhile
                }
            }
            Thread.sleep(10);
        }
        throw new IllegalStateException("sleep 1000 never started in the sandbox");
    }
}
