package dev.flint.loadtests;

import dev.flint.images.BaseImages;
import dev.flint.images.FunctionCode;
import dev.flint.images.FunctionImages;
import dev.flint.images.ImageRef;
import dev.flint.images.ImageStore;
import dev.flint.images.LayerLimits;
import dev.flint.images.Progress;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

/**
 * Function code layers (issue #4): the time to add a 10 KB code layer on a base already in the
 * store (p50 over 100 functions, all on one base; target 20 ms), and the store's disk use for
 * those 100 functions against the base's own plus 100 times the code (target: at most 5 % more).
 * Disk is counted as `du` does (allocated blocks), of the store opened as the server opens it (small
 * layers' trees in the memory tree cache, whose growth is shown). The base is flint/busybox, built from Debian's
 * package into a fresh store first (not timed). Shown beside the layer time: writing and fsyncing
 * the same 10 KB file, the floor of any store that keeps code durably.
 */
final class CodeLayerScenario implements Scenario {
    private static final int CODE_BYTES = 10 * 1024;

    @Override
    public String name() {
        return "code-layer";
    }

    @Override
    public List<Metric> run(BenchContext ctx) throws Exception {
        Path storeDir = ctx.work().resolve("code-layer-store");
        // as the server and the CLI open it: small layers' trees cached in memory (docs/images.md)
        ImageStore store = ImageStore.open(storeDir, LayerLimits.defaults(), ImageStore.MEMORY_TREE_CACHE);
        Path cache = store.smallTreeCache().orElseThrow();
        try {
            return measure(ctx, store, storeDir, cache);
        } finally {
            deleteTree(cache);
            try {
                Files.deleteIfExists(cache.getParent()); // the cache root, unless a server uses it too
            } catch (java.nio.file.DirectoryNotEmptyException e) {
                // it does
            }
        }
    }

    private List<Metric> measure(BenchContext ctx, ImageStore store, Path storeDir, Path cache) throws Exception {
        int functions = ctx.quick() ? 20 : 100;
        BaseImages.buildBusybox(store, Progress.none());
        long baseKiB = duKiB(storeDir);
        long baseCacheKiB = duKiB(cache);
        Samples layer = new Samples("add a 10 KB code layer");
        Samples write = new Samples("write+fsync 10 KB");
        Path code = ctx.work().resolve("code");
        Files.createDirectories(code);
        Random r = new Random(7);
        for (int i = 0; i < functions; i++) {
            Path file = code.resolve("main" + i + ".py");
            byte[] body = pythonLike(r);
            long w0 = System.nanoTime();
            try (var ch = java.nio.channels.FileChannel.open(file, java.nio.file.StandardOpenOption.CREATE,
                    java.nio.file.StandardOpenOption.WRITE)) {
                ch.write(java.nio.ByteBuffer.wrap(body));
                ch.force(true);
            }
            write.add(System.nanoTime() - w0);
            long t0 = System.nanoTime();
            FunctionImages.withCode(store, BaseImages.BUSYBOX, FunctionCode.file(file, "main.py"),
                    ImageRef.parse("bench/fn-" + i + ":latest"));
            layer.add(System.nanoTime() - t0);
            ctx.progress(name(), i + 1, functions);
        }
        long allKiB = duKiB(storeDir);
        long cacheKiB = duKiB(cache) - baseCacheKiB;
        ctx.keepSamples(name(), List.of(layer, write));
        double p50 = layer.percentile(50) / 1e6;
        double budgetKiB = (baseKiB + functions * CODE_BYTES / 1024.0) * 1.05;
        return List.of(
                new Metric(name(), "add a 10 KB code layer on a stored base, p50", p50, "ms",
                        "write+fsync of the same 10 KB, p50", write.percentile(50) / 1e6,
                        p50 / (write.percentile(50) / 1e6), "p50 <= 20 ms", p50 <= 20),
                new Metric(name(), "store disk for the base and " + functions + " functions (their code trees: "
                        + cacheKiB + " KiB of memory in the tree cache)", allKiB, "KiB",
                        "base alone + " + functions + " x 10 KB, +5 %", budgetKiB, allKiB / budgetKiB,
                        "<= base + " + functions + " x code + 5 %", allKiB <= budgetKiB));
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (java.util.stream.Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    private static byte[] pythonLike(Random r) {
        StringBuilder s = new StringBuilder("def main(args):\n");
        while (s.length() < CODE_BYTES - 40) {
            s.append("    x").append(r.nextInt(1_000_000)).append(" = args.get('k', ").append(r.nextInt(1000)).append(")\n");
        }
        s.append("    return {'ok': True}\n");
        byte[] b = s.toString().getBytes(StandardCharsets.UTF_8);
        return java.util.Arrays.copyOf(b, CODE_BYTES);
    }

    private static long duKiB(Path dir) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("du", "-sk", dir.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IOException("du -sk " + dir + ": " + out);
        }
        return Long.parseLong(out.split("\\s+")[0]);
    }
}
