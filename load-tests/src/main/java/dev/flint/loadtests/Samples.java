package dev.flint.loadtests;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** Latencies of one path in nanoseconds, collected in the order they were taken. Not thread-safe. */
final class Samples {
    private final String name;
    private final List<Long> nanos = new ArrayList<>();

    Samples(String name) {
        this.name = name;
    }

    String name() {
        return name;
    }

    void add(long ns) {
        nanos.add(ns);
    }

    int size() {
        return nanos.size();
    }

    long at(int i) {
        return nanos.get(i);
    }

    /** The p-th percentile (0..100), nearest rank. */
    long percentile(double p) {
        if (nanos.isEmpty()) {
            return 0;
        }
        long[] sorted = nanos.stream().mapToLong(Long::longValue).toArray();
        Arrays.sort(sorted);
        int rank = (int) Math.ceil(p / 100.0 * sorted.length);
        return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
    }

    /**
     * The median of per-iteration ratios this/baseline: samples taken in the same iteration are
     * paired, so drift of the machine between iterations cancels out.
     */
    double pairedRatio(Samples baseline) {
        int n = Math.min(size(), baseline.size());
        double[] ratios = new double[n];
        for (int i = 0; i < n; i++) {
            ratios[i] = (double) at(i) / baseline.at(i);
        }
        Arrays.sort(ratios);
        return n == 0 ? Double.NaN : ratios[n / 2];
    }

    long[] raw() {
        return nanos.stream().mapToLong(Long::longValue).toArray();
    }
}
