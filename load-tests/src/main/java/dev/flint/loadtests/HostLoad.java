package dev.flint.loadtests;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The host's CPU use from /proc/stat, to let background kernel work finish between timed rounds. */
final class HostLoad {
    /** Busy below this share of one CPU over a window counts as idle. */
    private static final double IDLE_SHARE = 0.10;
    private static final long WINDOW_MILLIS = 100;

    private HostLoad() {
    }

    /**
     * Sleeps at least {@code minMillis}, then until a {@value #WINDOW_MILLIS} ms window in which
     * all CPUs together were busy less than {@value #IDLE_SHARE} of one CPU, or {@code maxMillis}
     * have passed. Returns how long it waited, in nanoseconds.
     */
    static long awaitQuiet(long minMillis, long maxMillis) throws InterruptedException, IOException {
        long start = System.nanoTime();
        Thread.sleep(minMillis);
        long deadline = start + maxMillis * 1_000_000L;
        long[] before = busyAndTotal();
        while (System.nanoTime() < deadline) {
            Thread.sleep(WINDOW_MILLIS);
            long[] after = busyAndTotal();
            double cpus = Runtime.getRuntime().availableProcessors();
            double busyShare = (double) (after[0] - before[0]) / Math.max(1, after[1] - before[1]) * cpus;
            if (busyShare < IDLE_SHARE) {
                break;
            }
            before = after;
        }
        return System.nanoTime() - start;
    }

    /** Jiffies the CPUs were busy (all but idle and iowait), and all jiffies, from the first line of /proc/stat. */
    private static long[] busyAndTotal() throws IOException {
        String cpu = Files.readAllLines(Path.of("/proc/stat")).get(0);
        String[] f = cpu.trim().split("\\s+");
        long total = 0;
        long idle = 0;
        for (int i = 1; i < f.length && i <= 8; i++) { // user nice system idle iowait irq softirq steal
            long v = Long.parseLong(f[i]);
            total += v;
            if (i == 4 || i == 5) {
                idle += v;
            }
        }
        return new long[] {total - idle, total};
    }
}
