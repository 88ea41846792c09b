package dev.flint.loadtests;

import dev.flint.images.BaseImages;
import dev.flint.images.ImageStore;
import dev.flint.invoker.FunctionSpec;
import dev.flint.invoker.Invoker;
import dev.flint.invoker.InvokerConfig;
import dev.flint.invoker.Limits;
import dev.flint.pool.FunctionKey;
import dev.flint.pool.ImageLayers;
import dev.flint.sandbox.SandboxRuntime;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The standalone server (issue #8): its start to ready (embedded Kafka included), the overhead of
 * an HTTP blocking invoke of a warm Python no-op over {@code Invoker.invoke} of the same function
 * (interleaved per iteration; the invoker in this JVM), throughput under {@code hey} (16
 * connections), and the server's idle RSS. The HTTP figures are taken after a minute of load
 * (5 s with {@code --quick}): the server's steady state, not its JIT compiler's. Runs the packaged server,
 * {@code gateway/target/quarkus-app/quarkus-run.jar}, as root with a temporary data directory;
 * skipped when it is not built.
 */
final class GatewayScenario implements Scenario {
    private static final String NOOP = "def main(args):\n    return {}\n";
    private static final Pattern RPS = Pattern.compile("Requests/sec:\\s+([0-9.]+)");
    private static final Pattern PCT = Pattern.compile("\\s(50|99)% in ([0-9.]+) secs");
    private static final Pattern OK = Pattern.compile("\\[200]\\s+(\\d+) responses");

    @Override
    public String name() {
        return "gateway";
    }

    @Override
    public List<Metric> run(BenchContext ctx) throws Exception {
        if (!PackagedServer.built(name())) {
            return List.of();
        }
        int iterations = ctx.quick() ? 50 : 300;
        int warmup = ctx.quick() ? 50 : 300;
        PackagedServer.ensureClassArchive(ctx);
        long t0 = System.nanoTime();
        List<Metric> metrics = new ArrayList<>();
        try (PackagedServer server = PackagedServer.start(ctx, name())) {
            double startSeconds = (System.nanoTime() - t0) / 1e9;
            long javaVersion = javaVersionNanos();
            metrics.add(new Metric(name(), "standalone start to ready (embedded Kafka, images, invoker, stem cells; a second start, with the class-data archive of the first)", startSeconds, "s",
                    "java -version, same run", javaVersion / 1e9, startSeconds / (javaVersion / 1e9), "<= 5 s (absolute)",
                    startSeconds <= 5));
            String action = "/api/v1/namespaces/_/actions/noop";
            server.send("PUT", action + "?overwrite=true", "{\"exec\":{\"kind\":\"python:3\",\"code\":\""
                    + NOOP.replace("\n", "\\n") + "\"},\"limits\":{\"concurrency\":8}}", 200);
            String invoke = action + "?blocking=true&result=true";
            // The server JIT-compiles for about a minute under load (Kafka's broker, Vert.x, RESTEasy):
            // measured before that, the figures are mostly compiler time.
            load(server.base() + invoke, server.auth(), ctx.quick() ? "5s" : "60s");
            metrics.addAll(overhead(ctx, server, invoke, iterations, warmup));
            metrics.addAll(throughput(ctx, server.base() + invoke, server.auth()));
            Thread.sleep(2000);
            metrics.add(new Metric(name(), "idle server RSS (JVM with Quarkus, embedded Kafka, invoker)", server.rssKiB() / 1024.0, "MiB",
                    "", Double.NaN, Double.NaN, "reported", true));
        }
        return metrics;
    }

    /**
     * HTTP blocking invoke vs Invoker.invoke of the same no-op, interleaved per iteration; the HTTP
     * side twice: with the JDK's client, and with the least client there is ({@link RawHttp}), whose
     * difference is the server's own overhead.
     */
    private List<Metric> overhead(BenchContext ctx, PackagedServer server, String invoke, int iterations, int warmup) throws Exception {
        Samples viaHttp = new Samples("HTTP blocking invoke, result=true (JDK HttpClient)");
        Samples viaRaw = new Samples("HTTP blocking invoke, result=true (one kept-alive socket)");
        Samples direct = new Samples("Invoker.invoke in this JVM");
        URI base = URI.create(server.base());
        byte[] request = RawHttp.post(base.getHost(), base.getPort(), invoke, server.auth(), "{}");
        ImageLayers python = InvokerBench.image(InvokerBench.baseStore(), BaseImages.PYTHON);
        ImageStore codeStore = InvokerBench.codeStore(ctx, name());
        Path code = InvokerBench.codeLayer(codeStore, "main.py", NOOP);
        FunctionSpec f = FunctionSpec.python(FunctionKey.parse("bench/noop"), "r1", python, code, "main.py", Limits.defaults());
        try (SandboxRuntime rt = ctx.runtime();
             Invoker invoker = Invoker.start(rt, InvokerConfig.defaults(python), new SimpleMeterRegistry());
             RawHttp raw = new RawHttp(base.getHost(), base.getPort())) {
            // The server's invoker had a minute of load: this one gets its JIT warm too, or the
            // baseline would be the slower of the two.
            for (int i = 0; i < (ctx.quick() ? 300 : 5_000); i++) {
                InvokerBench.succeeded(invoker.invoke(InvokerBench.invocation(f)));
            }
            for (int i = -warmup; i < iterations; i++) {
                long a = System.nanoTime();
                server.send("POST", invoke, "{}", 200);
                long h = System.nanoTime() - a;
                long r0 = System.nanoTime();
                int status = raw.exchange(request);
                long r = System.nanoTime() - r0;
                if (status != 200) {
                    throw new IllegalStateException("POST " + invoke + " answered " + status);
                }
                long b = System.nanoTime();
                InvokerBench.succeeded(invoker.invoke(InvokerBench.invocation(f)));
                long d = System.nanoTime() - b;
                if (i >= 0) {
                    viaHttp.add(h);
                    viaRaw.add(r);
                    direct.add(d);
                }
                ctx.progress(name(), i + warmup + 1, iterations + warmup);
            }
        }
        ctx.keepSamples(name(), List.of(viaRaw, viaHttp, direct));
        double rawMs = (viaRaw.percentile(50) - direct.percentile(50)) / 1e6;
        double jdkMs = (viaHttp.percentile(50) - direct.percentile(50)) / 1e6;
        return List.of(
                new Metric(name(), "HTTP blocking invoke of a warm Python no-op, p50 overhead over Invoker.invoke, one kept-alive socket"
                        + " as the client (HTTP p50 " + String.format("%.0f", viaRaw.percentile(50) / 1e3) + " µs, p99 "
                        + String.format("%.0f", viaRaw.percentile(99) / 1e3) + " µs)", rawMs * 1000, "µs", "Invoker.invoke p50",
                        direct.percentile(50) / 1e3, (double) viaRaw.percentile(50) / direct.percentile(50), "overhead p50 <= 1 ms",
                        rawMs <= 1.0),
                new Metric(name(), "the same through the JDK HttpClient (HTTP p50 " + String.format("%.0f", viaHttp.percentile(50) / 1e3)
                        + " µs, p99 " + String.format("%.0f", viaHttp.percentile(99) / 1e3) + " µs)", jdkMs * 1000, "µs",
                        "Invoker.invoke p50", direct.percentile(50) / 1e3, (double) viaHttp.percentile(50) / direct.percentile(50),
                        "reported", true));
    }

    /** Warm-up: hey, 16 connections, for {@code duration}; the answers are not looked at. */
    private static void load(String url, String auth, String duration) throws IOException, InterruptedException {
        if (!Peers.installed("hey")) {
            return;
        }
        new ProcessBuilder("hey", "-z", duration, "-c", "16", "-m", "POST", "-T", "application/json", "-d", "{}",
                "-H", "Authorization: " + auth, url).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .start().waitFor();
    }

    /** hey, 16 connections, blocking invokes for a fixed time. */
    private List<Metric> throughput(BenchContext ctx, String invoke, String auth) throws Exception {
        if (!Peers.installed("hey")) {
            System.err.println("  gateway: throughput skipped: hey is not installed (bin/setup-host test installs it)");
            return List.of();
        }
        String seconds = ctx.quick() ? "3s" : "10s";
        Process hey = new ProcessBuilder("hey", "-z", seconds, "-c", "16", "-m", "POST", "-T", "application/json", "-d", "{}",
                "-H", "Authorization: " + auth, invoke).redirectErrorStream(true).start();
        String out = new String(hey.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        hey.waitFor();
        Matcher rps = RPS.matcher(out);
        if (!rps.find()) {
            throw new IllegalStateException("hey printed no rate:\n" + out);
        }
        double rate = Double.parseDouble(rps.group(1));
        Matcher ok = OK.matcher(out);
        long oks = ok.find() ? Long.parseLong(ok.group(1)) : 0;
        int codes = out.indexOf("Status code distribution:");
        String statuses = codes < 0 ? "no status codes" : out.substring(codes + 25).strip().replaceAll("\\s+", " ");
        if (statuses.length() > 120) {
            statuses = statuses.substring(0, 120);
        }
        double p50 = Double.NaN;
        double p99 = Double.NaN;
        Matcher pct = PCT.matcher(out);
        while (pct.find()) {
            double ms = Double.parseDouble(pct.group(2)) * 1000;
            if (pct.group(1).equals("50")) {
                p50 = ms;
            } else {
                p99 = ms;
            }
        }
        Files.writeString(ctx.work().resolve("hey.txt"), out);
        return List.of(new Metric(name(), "blocking invokes per second through HTTP, hey -c 16 for " + seconds + " (p50 "
                + String.format("%.1f", p50) + " ms, p99 " + String.format("%.1f", p99) + " ms; " + oks + " answered 200; " + statuses + ")",
                rate, "/s", "", Double.NaN, Double.NaN, ">= 2,000/s (answered 200)", rate >= 2000 && oks > 0));
    }

    private static long javaVersionNanos() throws IOException, InterruptedException {
        long t = System.nanoTime();
        Process p = new ProcessBuilder(PackagedServer.javaBin(), "-version").redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        p.waitFor();
        return System.nanoTime() - t;
    }
}
