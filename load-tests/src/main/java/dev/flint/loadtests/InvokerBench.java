package dev.flint.loadtests;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.flint.images.FunctionCode;
import dev.flint.images.FunctionImages;
import dev.flint.images.ImageRef;
import dev.flint.images.ImageStore;
import dev.flint.invoker.ActivationRecord;
import dev.flint.invoker.FunctionSpec;
import dev.flint.invoker.Invocation;
import dev.flint.invoker.Invoker;
import dev.flint.pool.ImageLayers;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What the invoker scenarios share: the base images, code layers, invocations and waiting for a
 * stem cell.
 *
 * <p>The base images (flint/busybox, flint/python:3) are read from an existing image store: the
 * system property {@code flint.bench.store}, else the environment variable {@code FLINT_STORE},
 * else {@code function-images/target/it-store} (relative to the working directory, which
 * {@code ./flint bench} sets to the repository; the function-images integration tests build both
 * images there). Nothing is written to that store: the benchmark's code layers go to a store in
 * the run's work directory, which is deleted after the run.
 */
final class InvokerBench {
    private static final String DEFAULT_STORE = "function-images/target/it-store";
    private static final AtomicLong IDS = new AtomicLong();

    private InvokerBench() {
    }

    /** The store holding the base images. */
    static ImageStore baseStore() {
        String dir = System.getProperty("flint.bench.store", System.getenv().getOrDefault("FLINT_STORE", DEFAULT_STORE));
        return ImageStore.openExisting(Path.of(dir).toAbsolutePath());
    }

    /** The layers of a base image of the store; fails with a hint when it is not there. */
    static ImageLayers image(ImageStore store, ImageRef ref) {
        return ImageLayers.of(store.find(ref).orElseThrow(() -> new IllegalStateException(ref + " is not in the store "
                + store.root() + "; build it (flint image build) or point -Dflint.bench.store or FLINT_STORE at a store that has it")));
    }

    /** A store for the run's code layers, under the work directory. */
    static ImageStore codeStore(BenchContext ctx, String scenario) {
        return ImageStore.open(ctx.work().resolve(scenario + "-code"));
    }

    /** The host directory shown at /function: a code layer holding one file of {@code source}. */
    static Path codeLayer(ImageStore codeStore, String fileName, String source) throws IOException {
        Path src = Files.createDirectories(codeStore.root().resolveSibling(codeStore.root().getFileName() + "-src")
                .resolve("f" + IDS.incrementAndGet()));
        Path file = Files.writeString(src.resolve(fileName), source);
        return FunctionImages.codeLayer(codeStore, FunctionCode.file(file, fileName)).dir().resolve(FunctionImages.CODE_DIR);
    }

    /** An invocation with an empty payload and a fresh activation id. */
    private static final String ID_PAD = "0".repeat(16);

    static Invocation invocation(FunctionSpec f) {
        // 32 hex digits, as the gateway's ids; not String.format, whose parsing cost more than a warm invocation
        return new Invocation(f, JsonNodeFactory.instance.objectNode(), ID_PAD + HexFormat.of().toHexDigits(IDS.incrementAndGet()), null);
    }

    /** Fails unless the record is a success: a benchmark of a failing path measures nothing. */
    static ActivationRecord succeeded(ActivationRecord r) {
        if (!r.success()) {
            throw new IllegalStateException("the benchmark's function failed: " + r.status() + " " + r.result()
                    + " logs=" + r.logs());
        }
        return r;
    }

    /** Waits (untimed) until the image has a ready stem cell; fails after 60 s. */
    static void awaitStemCell(Invoker invoker, ImageLayers image) throws InterruptedException {
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (invoker.poolSnapshot().stemCellsReady(image) < 1) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("no stem cell of " + image + " became ready in 60 s: " + invoker.poolSnapshot());
            }
            Thread.sleep(1);
        }
    }
}
