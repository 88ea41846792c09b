package dev.flint.loadtests;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Writes a run as a markdown table (printed and saved) and a JSON file with the raw percentiles. */
final class Report {
    private final Map<String, String> machine;
    private final List<Metric> metrics;
    private final Map<String, List<Samples>> samples;

    Report(Map<String, String> machine, List<Metric> metrics, Map<String, List<Samples>> samples) {
        this.machine = machine;
        this.metrics = metrics;
        this.samples = samples;
    }

    String markdown() {
        StringBuilder md = new StringBuilder();
        md.append("Run of ").append(machine.get("date")).append(" at commit ").append(machine.get("commit"))
                .append(" (").append(machine.get("cores")).append(" cores, kernel ").append(machine.get("kernel"))
                .append(", cgroup ").append(machine.get("cgroup")).append(machine.get("quick").equals("true") ? ", --quick" : "")
                .append(")\n\n");
        md.append("| scenario | figure | value | baseline (same run) | baseline value | ratio | target | pass |\n");
        md.append("| --- | --- | ---: | --- | ---: | ---: | --- | --- |\n");
        for (Metric m : metrics) {
            md.append(String.format(Locale.ROOT, "| %s | %s | %.1f %s | %s | %.1f | %s | %s | %s |%n", m.scenario(), m.name(),
                    m.value(), m.unit(), m.baseline(), m.baselineValue(),
                    Double.isNaN(m.ratio()) ? "-" : String.format(Locale.ROOT, "%.2f", m.ratio()), m.target(),
                    m.pass() ? "yes" : "**no**"));
        }
        for (Map.Entry<String, List<Samples>> e : samples.entrySet()) {
            md.append("\n").append(e.getKey()).append(" latencies to first output byte (µs):\n\n");
            md.append("| path | n | p50 | p90 | p99 | max |\n| --- | ---: | ---: | ---: | ---: | ---: |\n");
            for (Samples s : e.getValue()) {
                if (s.size() > 0) {
                    md.append(String.format(Locale.ROOT, "| %s | %d | %.0f | %.0f | %.0f | %.0f |%n", s.name(), s.size(),
                            s.percentile(50) / 1e3, s.percentile(90) / 1e3, s.percentile(99) / 1e3, s.percentile(100) / 1e3));
                }
            }
        }
        return md.toString();
    }

    String json() {
        StringBuilder j = new StringBuilder("{\n  \"machine\": {");
        int i = 0;
        for (Map.Entry<String, String> e : machine.entrySet()) {
            j.append(i++ == 0 ? "" : ", ").append(quote(e.getKey())).append(": ").append(quote(e.getValue()));
        }
        j.append("},\n  \"metrics\": [\n");
        for (int k = 0; k < metrics.size(); k++) {
            Metric m = metrics.get(k);
            j.append(String.format(Locale.ROOT,
                    "    {\"scenario\": %s, \"name\": %s, \"value\": %s, \"unit\": %s, \"baseline\": %s, \"baselineValue\": %s, "
                            + "\"ratio\": %s, \"target\": %s, \"pass\": %s}%s%n",
                    quote(m.scenario()), quote(m.name()), num(m.value()), quote(m.unit()), quote(m.baseline()),
                    num(m.baselineValue()), num(m.ratio()), quote(m.target()), m.pass(), k + 1 < metrics.size() ? "," : ""));
        }
        j.append("  ],\n  \"latencyMicros\": {");
        int s = 0;
        for (Map.Entry<String, List<Samples>> e : samples.entrySet()) {
            for (Samples x : e.getValue()) {
                if (x.size() == 0) {
                    continue;
                }
                j.append(s++ == 0 ? "\n" : ",\n").append("    ").append(quote(e.getKey() + "/" + x.name())).append(": [");
                long[] raw = x.raw();
                for (int r = 0; r < raw.length; r++) {
                    j.append(r == 0 ? "" : ",").append(raw[r] / 1000);
                }
                j.append(']');
            }
        }
        return j.append("\n  }\n}\n").toString();
    }

    void write(Path dir, String stamp) throws IOException {
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("latest.md"), "# Latest benchmark run\n\n" + markdown());
        Files.writeString(dir.resolve("run-" + stamp + ".json"), json());
        Files.writeString(dir.resolve("latest.svg"), Chart.render(samples, machine, metrics));
    }

    private static String num(double d) {
        return Double.isNaN(d) || Double.isInfinite(d) ? "null" : String.format(Locale.ROOT, "%.4f", d);
    }

    static String quote(String s) {
        StringBuilder q = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"' -> q.append("\\\"");
                case '\\' -> q.append("\\\\");
                case '\n' -> q.append("\\n");
                default -> {
                    if (c < 0x20) {
                        q.append(String.format("\\u%04x", (int) c));
                    } else {
                        q.append(c);
                    }
                }
            }
        }
        return q.append('"').toString();
    }
}
