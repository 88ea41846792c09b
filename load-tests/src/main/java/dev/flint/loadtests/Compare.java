package dev.flint.loadtests;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * {@code ./flint bench --compare REV}: this build (A) and another one (B, built by the launcher in
 * a worktree) each run as a {@link StepServer} child process; every iteration asks both for the
 * same steps, alternating which goes first, so machine drift hits both, and the report is the
 * median of the per-iteration ratios B/A. A ratio above 1 means B is slower.
 */
final class Compare {
    /** A step ratio above this is flagged as a regression of B against A. */
    private static final double SLOWER = 1.10;

    private Compare() {
    }

    /** One build's step server. */
    private static final class Server implements AutoCloseable {
        final String name;
        final Process process;
        final OutputStream in;
        final BufferedReader out;

        Server(String name, Path jar, Path rootfs) throws IOException {
            this.name = name;
            this.process = new ProcessBuilder("java", "-jar", jar.toString(), "--serve", "--rootfs", rootfs.toString())
                    .redirectError(ProcessBuilder.Redirect.INHERIT).start();
            this.in = process.getOutputStream();
            this.out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
            String hello = out.readLine();
            if (!StepServer.HELLO.equals(hello)) {
                close();
                throw new IOException("build " + name + " (" + jar + ") does not speak '" + StepServer.HELLO
                        + "' (it said " + hello + "): --compare needs both builds to have it");
            }
        }

        long step(String step) throws IOException {
            in.write((step + "\n").getBytes(StandardCharsets.UTF_8));
            in.flush();
            String line = out.readLine();
            if (line == null) {
                throw new IOException("build " + name + " stopped during step " + step);
            }
            return Long.parseLong(line.trim()); // -1: this build does not know the step

        }

        @Override
        public void close() throws IOException {
            try {
                in.write("quit\n".getBytes(StandardCharsets.UTF_8));
                in.close();
                process.waitFor();
            } catch (IOException | InterruptedException e) {
                process.destroyForcibly();
            }
        }
    }

    static int run(Path selfJar, Path otherJar, String otherName, Path rootfs, boolean quick, PrintStream report)
            throws IOException {
        int iterations = quick ? 20 : 200;
        List<Samples> a = new ArrayList<>();
        List<Samples> b = new ArrayList<>();
        for (String step : StepServer.STEPS) {
            a.add(new Samples(step));
            b.add(new Samples(step));
        }
        try (Server sa = new Server("A (this checkout)", selfJar, rootfs);
             Server sb = new Server("B (" + otherName + ")", otherJar, rootfs)) {
            boolean[] unknown = new boolean[StepServer.STEPS.size()];
            for (int i = -5; i < iterations; i++) {
                for (int s = 0; s < StepServer.STEPS.size(); s++) {
                    if (unknown[s]) {
                        continue;
                    }
                    String step = StepServer.STEPS.get(s);
                    boolean aFirst = (i + s) % 2 == 0;
                    long first = (aFirst ? sa : sb).step(step);
                    long second = (aFirst ? sb : sa).step(step);
                    if (first < 0 || second < 0) {
                        unknown[s] = true; // an older build: compare what both know
                        report.println("step " + step + " is not known to both builds; left out");
                        continue;
                    }
                    if (i >= 0) {
                        a.get(s).add(aFirst ? first : second);
                        b.get(s).add(aFirst ? second : first);
                    }
                }
            }
        }
        report.printf("A = this checkout, B = %s; %d interleaved iterations; ratio = median of per-iteration B/A%n%n",
                otherName, iterations);
        report.println("| step | A p50 | B p50 | unit | B/A | verdict |");
        report.println("| --- | ---: | ---: | --- | ---: | --- |");
        int slower = 0;
        for (int s = 0; s < a.size(); s++) {
            if (a.get(s).size() == 0) {
                continue;
            }
            double ratio = b.get(s).pairedRatio(a.get(s));
            String verdict = ratio > SLOWER ? "B slower" : ratio < 1 / SLOWER ? "B faster" : "same";
            slower += ratio > SLOWER ? 1 : 0;
            boolean bytes = a.get(s).name().equals("memory");
            double scale = bytes ? 1024 : a.get(s).name().equals("import") ? 1e6 : 1e3;
            report.printf(Locale.ROOT, "| %s | %.0f | %.0f | %s | %.2f | %s |%n", a.get(s).name(),
                    a.get(s).percentile(50) / scale, b.get(s).percentile(50) / scale,
                    bytes ? "KiB per idle sandbox" : scale == 1e6 ? "ms" : "µs", ratio, verdict);
        }
        return slower;
    }
}
