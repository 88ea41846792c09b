package dev.flint.loadtests;

import dev.flint.sandbox.Execution;
import dev.flint.sandbox.ProcessSpec;
import dev.flint.sandbox.Sandbox;
import dev.flint.sandbox.SandboxRuntime;
import dev.flint.sandbox.SandboxSpec;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The measuring side of {@code ./flint bench --compare}: one build of Flint, driven over stdin. It
 * answers a hello line, then each request (a step name) with the step's time in nanoseconds, so
 * that {@link Compare} can interleave two builds step by step. Protocol version 1:
 * {@code floor}, {@code fresh}, {@code ahead}, {@code create} (ns each), {@code import} (ns to
 * import a generated 10 MB layer into a fresh store), {@code memory} (host bytes per idle sandbox,
 * over 20); {@code quit} ends it.
 */
final class StepServer {
    static final String HELLO = "flint-bench-steps 1";
    static final List<String> STEPS = List.of("floor", "fresh", "ahead", "create", "import", "memory");
    private static final int MEMORY_SANDBOXES = 20;
    private static final List<String> PAYLOAD = List.of("/bin/busybox", "echo", "x");

    private StepServer() {
    }

    static int serve(BenchContext ctx) throws Exception {
        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        SandboxSpec base = SandboxSpec.builder().layer(ctx.rootfs()).memoryBytes(64 << 20).scratchBytes(16 << 20).build();
        ProcessSpec echo = ProcessSpec.builder(PAYLOAD).build();
        Peers peers = new Peers(ctx.rootfs(), ctx.work());
        try (SandboxRuntime rt = ctx.runtime();
             Sandbox onRequest = rt.create(base.toBuilder().prepareAhead(false).build());
             Sandbox prepared = rt.create(base.toBuilder().prepareAhead(true).build())) {
            out.println(HELLO);
            for (String step = in.readLine(); step != null && !step.equals("quit"); step = in.readLine()) {
                long ns = switch (step) {
                    case "floor" -> peers.floor(PAYLOAD);
                    case "fresh" -> firstByte(onRequest.run(echo));
                    case "ahead" -> firstByte(prepared.run(echo));
                    case "create" -> timeCreate(rt, base);
                    case "import" -> LayerImportScenario.importOnce(ctx.work().resolve("warm-step-store"), layer(ctx));
                    case "memory" -> memoryPerSandbox(rt, base);
                    default -> -1;
                };
                out.println(ns);
            }
        }
        return 0;
    }

    private static java.nio.file.Path layerTar;

    /** A 10 MB layer tar, written once per server. */
    private static java.nio.file.Path layer(BenchContext ctx) throws java.io.IOException {
        if (layerTar == null) {
            layerTar = ctx.work().resolve("step-layer.tar");
            LayerImportScenario.writeLayer(layerTar, 10L << 20, 3);
        }
        return layerTar;
    }

    private static long memoryPerSandbox(SandboxRuntime rt, SandboxSpec spec) throws java.io.IOException {
        long before = IdleMemoryScenario.usedMemory();
        java.util.List<Sandbox> idle = new java.util.ArrayList<>();
        try {
            for (int i = 0; i < MEMORY_SANDBOXES; i++) {
                idle.add(rt.create(spec.toBuilder().prepareAhead(false).build()));
            }
            return (IdleMemoryScenario.usedMemory() - before) / MEMORY_SANDBOXES;
        } finally {
            idle.forEach(Sandbox::destroy);
        }
    }

    private static long timeCreate(SandboxRuntime rt, SandboxSpec spec) {
        long start = System.nanoTime();
        Sandbox s = rt.create(spec.toBuilder().prepareAhead(false).build());
        long took = System.nanoTime() - start;
        s.destroy();
        return took;
    }

    private static long firstByte(Execution e) {
        if (e.timeToFirstOutput() == null) {
            throw new IllegalStateException("the sandboxed payload printed nothing: " + e);
        }
        return e.timeToFirstOutput().toNanos();
    }
}
