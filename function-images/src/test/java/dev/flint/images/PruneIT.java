package dev.flint.images;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Prune on the real store: an untagged function goes, the base images stay and still run. */
class PruneIT {
    @TempDir
    static Path tmp;
    private static SandboxFixture sandboxes;

    @BeforeAll
    static void start() throws IOException {
        ItImages.assumeRoot();
        sandboxes = new SandboxFixture(tmp, "prune");
    }

    @AfterAll
    static void stop() throws IOException {
        if (sandboxes != null) {
            sandboxes.close();
        }
    }

    @Test
    void prune_removesAnUntaggedFunction_andKeepsTheBaseImagesWorking() throws IOException {
        ImageStore store = ItImages.store();
        Image busybox = ItImages.busybox();
        Path script = Files.writeString(tmp.resolve("run.sh"), "echo pruned-" + System.nanoTime() + "\n");
        ImageRef ref = ImageRef.parse("it/prune-me:1");
        Image fn = FunctionImages.withCode(store, BaseImages.BUSYBOX, FunctionCode.file(script), ref);
        Layer code = fn.layers().get(1);
        assertTrue(store.remove(ref));

        PruneReport report = store.prune();

        List<String> removed = report.removed().stream().map(PruneReport.Removed::what).toList();
        assertTrue(removed.contains(code.digest().toString()), removed.toString());
        assertTrue(removed.contains(fn.digest().toString()), removed.toString());
        assertFalse(removed.contains(busybox.manifest().layers().get(0).digest().toString()), removed.toString());
        assertFalse(Files.exists(code.dir()));
        assertTrue(report.freedBytes() > 0);
        Image after = store.resolve(BaseImages.BUSYBOX);
        assertEquals(busybox.digest(), after.digest());
        assertEquals("still here\n", sandboxes.runOk(after, "echo", "still here"));
    }
}
