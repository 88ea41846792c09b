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
 * {@code floor}, {@code fresh}, {@code ahead}, {@code create}; {@code quit} ends it.
 */
final class StepServer {
    static final String HELLO = "flint-bench-steps 1";
    static final List<String> STEPS = List.of("floor", "fresh", "ahead", "create");
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
                    default -> -1;
                };
                out.println(ns);
            }
        }
        return 0;
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
