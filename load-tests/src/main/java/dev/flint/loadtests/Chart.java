package dev.flint.loadtests;

import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * An SVG a person would rather look at than the table: for each interleaved path, a horizontal
 * box from p10 to p90 with the p50 marked, on one log-scaled axis of microseconds.
 */
final class Chart {
    private static final int WIDTH = 900;
    private static final int LABEL = 260;
    private static final int ROW = 34;

    private Chart() {
    }

    static String latencies(Map<String, List<Samples>> samples, Map<String, String> machine) {
        List<Samples> rows = samples.values().stream().flatMap(List::stream).filter(s -> s.size() > 0).toList();
        double lo = rows.stream().mapToDouble(s -> s.percentile(10) / 1e3).min().orElse(1);
        double hi = rows.stream().mapToDouble(s -> s.percentile(90) / 1e3).max().orElse(10);
        double min = Math.pow(10, Math.floor(Math.log10(Math.max(1, lo))));
        double max = Math.pow(10, Math.ceil(Math.log10(Math.max(hi, min * 10))));
        int height = 70 + ROW * rows.size() + 40;
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
                    x, x, height - 30, x, height - 12, (long) tick));
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
        return svg.append("</svg>\n").toString();
    }

    private static double x(double micros, double min, double max) {
        double f = (Math.log10(Math.max(micros, min)) - Math.log10(min)) / (Math.log10(max) - Math.log10(min));
        return LABEL + f * (WIDTH - LABEL - 60);
    }

    private static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;");
    }
}
