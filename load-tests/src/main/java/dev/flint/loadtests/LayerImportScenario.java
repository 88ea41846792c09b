package dev.flint.loadtests;

import dev.flint.images.ImageStore;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

/**
 * Layer import (issue #4): Flint's {@link ImageStore#importLayer} of a generated ~50 MB layer tar
 * (about 2,000 files of mixed sizes in nested directories) against GNU {@code tar -xf} of the same
 * tar into an empty directory, interleaved (the order alternates each iteration, so neither always
 * gets the warmer cache) and compared as the median of paired ratios. Flint's import does more than
 * tar: it stores the blob (hashed, fsync'ed), checks every name as hostile input, unpacks, and walks
 * the tree for its unpack record; the promise is that all of it costs at most 1.5x the extraction.
 * Each iteration imports into a fresh store; the tar is in the page cache for both, and {@code sync}
 * runs (not timed) before each timed step so that neither pays for the other's dirty pages. Flint
 * fsyncs the blob before renaming it into place; tar syncs nothing.
 */
final class LayerImportScenario implements Scenario {
    private static final long LAYER_BYTES = 50L << 20;

    @Override
    public String name() {
        return "layer-import";
    }

    @Override
    public List<Metric> run(BenchContext ctx) throws Exception {
        int iterations = ctx.quick() ? 3 : 10;
        Path tar = ctx.work().resolve("layer-50m.tar");
        int files = writeLayer(tar, LAYER_BYTES, 4);
        Samples flint = new Samples("flint importLayer");
        Samples gnu = new Samples("GNU tar -xf");
        importOnce(ctx.work().resolve("warm-store"), tar); // JIT and page cache, not counted
        for (int i = 0; i < iterations; i++) {
            Path store = ctx.work().resolve("store-" + i);
            Path dir = ctx.work().resolve("tar-" + i);
            if (i % 2 == 0) {
                flint.add(importOnce(store, tar));
                gnu.add(tarOnce(dir, tar));
            } else {
                gnu.add(tarOnce(dir, tar));
                flint.add(importOnce(store, tar));
            }
            delete(store);
            delete(dir);
            ctx.progress(name(), i + 1, iterations);
        }
        double ratio = flint.pairedRatio(gnu);
        return List.of(new Metric(name(), "import of a " + (Files.size(tar) >> 20) + " MB layer tar (" + files + " files), p50",
                flint.percentile(50) / 1e6, "ms", "GNU tar -xf of the same tar, p50", gnu.percentile(50) / 1e6, ratio,
                "<= 1.5x GNU tar -x of the same tar", ratio <= 1.5));
    }

    static long importOnce(Path storeDir, Path tar) throws IOException, InterruptedException {
        ImageStore store = ImageStore.open(storeDir);
        sync();
        long start = System.nanoTime();
        try (InputStream in = Files.newInputStream(tar)) {
            store.importLayer(in, null);
        }
        long took = System.nanoTime() - start;
        if (storeDir.getFileName().toString().startsWith("warm")) {
            delete(storeDir);
        }
        return took;
    }

    private static long tarOnce(Path dir, Path tar) throws IOException, InterruptedException {
        Files.createDirectories(dir);
        sync();
        long start = System.nanoTime();
        Process p = new ProcessBuilder("tar", "-xf", tar.toString(), "-C", dir.toString()).inheritIO().start();
        if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
            p.destroyForcibly();
            throw new IOException("tar -xf " + tar + " failed");
        }
        return System.nanoTime() - start;
    }

    /** Writes back what earlier steps left dirty (not timed), so neither side pays for the other's writes. */
    private static void sync() throws IOException, InterruptedException {
        new ProcessBuilder("sync").inheritIO().start().waitFor();
    }

    /**
     * A layer of about {@code bytes}: 70% of files 0.1-4 KB, 25% 4-64 KB, 5% 64 KB-2 MB (by count),
     * in {@code depth}-level directories; pseudo-random content from a fixed seed. Returns the file count.
     */
    static int writeLayer(Path tar, long bytes, int depth) throws IOException {
        Random r = new Random(42);
        byte[] buf = new byte[2 << 20];
        r.nextBytes(buf);
        long written = 0;
        int n = 0;
        try (OutputStream out = Files.newOutputStream(tar); TarArchiveOutputStream t = new TarArchiveOutputStream(new java.io.BufferedOutputStream(out, 1 << 16))) {
            t.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            java.util.Set<String> dirs = new java.util.HashSet<>();
            while (written < bytes) {
                int roll = r.nextInt(100);
                int size = roll < 70 ? 100 + r.nextInt(4 << 10) : roll < 95 ? (4 << 10) + r.nextInt(60 << 10) : (64 << 10) + r.nextInt((2 << 20) - (64 << 10));
                StringBuilder dir = new StringBuilder();
                for (int d = 0; d < 1 + r.nextInt(depth); d++) {
                    dir.append("d").append(r.nextInt(8)).append('/');
                    if (dirs.add(dir.toString())) {
                        TarArchiveEntry de = new TarArchiveEntry(dir.toString());
                        de.setMode(0755);
                        t.putArchiveEntry(de);
                        t.closeArchiveEntry();
                    }
                }
                TarArchiveEntry e = new TarArchiveEntry(dir + "f" + n + ".bin");
                e.setSize(size);
                e.setMode(n % 10 == 0 ? 0755 : 0644);
                t.putArchiveEntry(e);
                t.write(buf, r.nextInt(buf.length - size), size);
                t.closeArchiveEntry();
                written += size;
                n++;
            }
        }
        return n;
    }

    private static void delete(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
