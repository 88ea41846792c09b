package dev.flint.loadtests;

import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * An SVG a person would rather look at than the table: for each interleaved path, a horizontal
 * box from p10 to p90 with the p50 marked, on one log-scaled axis of microseconds; below it, a bar
 * per ratio-judged promise with its target marked, green when it holds and red when it does not.
 */
final class Chart {
    private static final int WIDTH = 900;
    private static final int LABEL = 260;
    private static final int ROW = 34;

    private Chart() {
    }

    private static final int BAR_ROW = 44;

    static String latencies(Map<String, List<Samples>> samples, Map<String, String> machine) {
        return render(samples, machine, List.of());
    }

    static String render(Map<String, List<Samples>> samples, Map<String, String> machine, List<Metric> metrics) {
        List<Samples> rows = samples.values().stream().flatMap(List::stream).filter(s -> s.size() > 0).toList();
        double lo = rows.stream().mapToDouble(s -> s.percentile(10) / 1e3).min().orElse(1);
        double hi = rows.stream().mapToDouble(s -> s.percentile(90) / 1e3).max().orElse(10);
        double min = Math.pow(10, Math.floor(Math.log10(Math.max(1, lo))));
        double max = Math.pow(10, Math.ceil(Math.log10(Math.max(hi, min * 10))));
        List<Metric> judged = metrics.stream().filter(m -> !Double.isNaN(m.ratio())).toList();
        int latencyHeight = 70 + ROW * rows.size() + 40;
        int height = latencyHeight + (judged.isEmpty() ? 0 : 40 + BAR_ROW * judged.size() + 20);
        StringBuilder svg = new StringBuilder();
        svg.append(String.format(Locale.ROOT,
                "<svg xmlns='http://www.w3.org/2000/svg' width='%d' height='%d' font-family='sans-serif' font-size='13'>%n",
                WIDTH, height));
        svg.append("<rect width='100%' height='100%' fill='white'/>\n");
        svg.append(String.format(Locale.ROOT, "<text x='10' y='22' font-size='16'>Time to first output byte, µs (log scale): "
                + "box p10-p90, bar p50</text>%n<text x='10' y='42' fill='#555'>%s, %s cores, kernel %s, commit %s</text>%n",
                machine.get("date"), machine.get("cores"), machine.get("kernel"), machine.get("commit")));
        for (double tick = min; tick <= max; tick *= 10) {
            double x = x(tick, min, max);
            svg.append(String.format(Locale.ROOT,
                    "<line x1='%.1f' y1='55' x2='%.1f' y2='%d' stroke='#ddd'/><text x='%.1f' y='%d' text-anchor='middle'>%s</text>%n",
                    x, x, latencyHeight - 30, x, latencyHeight - 12, (long) tick));
        }
        for (int i = 0; i < rows.size(); i++) {
            Samples s = rows.get(i);
            int y = 65 + i * ROW;
            double p10 = x(s.percentile(10) / 1e3, min, max);
            double p50 = x(s.percentile(50) / 1e3, min, max);
            double p90 = x(s.percentile(90) / 1e3, min, max);
            String color = s.name().startsWith("flint") ? "#2b7bb9" : "#999";
            svg.append(String.format(Locale.ROOT, "<text x='10' y='%d'>%s</text>%n", y + 18, escape(s.name())));
            svg.append(String.format(Locale.ROOT,
                    "<rect x='%.1f' y='%d' width='%.1f' height='22' fill='%s' opacity='0.35'/>"
                            + "<line x1='%.1f' y1='%d' x2='%.1f' y2='%d' stroke='%s' stroke-width='3'/>"
                            + "<text x='%.1f' y='%d' fill='#333'>%.0f</text>%n",
                    p10, y, Math.max(1, p90 - p10), color, p50, y - 2, p50, y + 24, color, p90 + 6, y + 16, s.percentile(50) / 1e3));
        }
        ratioBars(svg, judged, latencyHeight);
        return svg.append("</svg>\n").toString();
    }

    /** One bar per ratio-judged metric, on a linear axis from 0 to the largest ratio or target. */
    private static void ratioBars(StringBuilder svg, List<Metric> judged, int top) {
        if (judged.isEmpty()) {
            return;
        }
        double max = 1;
        for (Metric m : judged) {
            max = Math.max(max, Math.max(m.ratio(), targetOf(m)));
        }
        svg.append(String.format(Locale.ROOT, "<text x='10' y='%d' font-size='16'>Ratios against the same run's baseline"
                + " (line: the target)</text>%n", top + 20));
        double width = WIDTH - 260;
        for (int i = 0; i < judged.size(); i++) {
            Metric m = judged.get(i);
            int y = top + 35 + i * BAR_ROW;
            double w = m.ratio() / max * width;
            double t = targetOf(m) / max * width;
            String color = m.pass() ? "#3a9a4a" : "#c0392b";
            svg.append(String.format(Locale.ROOT, "<text x='10' y='%d'>%s: %.2f, target %s</text>%n", y + 12,
                    escape(shortName(m)), m.ratio(), escape(m.target())));
            svg.append(String.format(Locale.ROOT,
                    "<rect x='10' y='%d' width='%.1f' height='14' fill='%s' opacity='0.75'/>"
                            + "<line x1='%.1f' y1='%d' x2='%.1f' y2='%d' stroke='#222' stroke-width='2'/>%n",
                    y + 18, Math.max(1, w), color, 10 + t, y + 15, 10 + t, y + 35));
        }
    }

    /** The number in a target such as "p50 <= 1.6x floor" or "crun run p50 >= 10x flint's". */
    private static double targetOf(Metric m) {
        java.util.regex.Matcher x = java.util.regex.Pattern.compile("([0-9]+(?:\\.[0-9]+)?)x").matcher(m.target());
        return x.find() ? Double.parseDouble(x.group(1)) : 0;
    }

    private static String shortName(Metric m) {
        String name = m.name();
        int cut = name.indexOf(" (");
        return m.scenario() + ": " + (cut > 0 ? name.substring(0, cut) : name);
    }

    private static double x(double micros, double min, double max) {
        double f = (Math.log10(Math.max(micros, min)) - Math.log10(min)) / (Math.log10(max) - Math.log10(min));
        return LABEL + f * (WIDTH - LABEL - 60);
    }

    private static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;");
    }
}
