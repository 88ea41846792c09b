package dev.flint.images;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flint.images.internal.StoreLocks;
import dev.flint.images.internal.StorePaths;
import dev.flint.images.internal.TreeListing;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Two processes importing one layer into one store at the same moment; the digest lock across processes. */
class ConcurrentImportIT {
    @TempDir
    Path tmp;
    private Path storeDir;
    private Path tarFile;
    private LayerDigest digest;
    private final List<Process> children = new ArrayList<>();

    @BeforeEach
    void makeLayer() throws IOException {
        storeDir = tmp.resolve("store");
        Path tree = TestLayers.bulky(tmp.resolve("tree"), 24L << 20, 7);
        for (int i = 0; i < 2000; i++) { // many entries: unpacking takes a while, so the imports overlap
            Files.writeString(Files.createDirectories(tree.resolve("many/d" + (i % 40))).resolve("f" + i), "file " + i);
        }
        byte[] tar = TestLayers.pack(tree);
        tarFile = Files.write(tmp.resolve("layer.tar"), tar);
        digest = LayerDigest.of(tar);
    }

    @AfterEach
    void killChildren() {
        children.forEach(Process::destroyForcibly);
    }

    private Process importer(Path go) throws IOException {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Process p = new ProcessBuilder(java.toString(), "-cp", System.getProperty("java.class.path"), ImportMain.class.getName(),
                storeDir.toString(), tarFile.toString(), digest.toString(), go.toString())
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        children.add(p);
        return p;
    }

    private static BufferedReader reader(Process p) {
        return new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
    }

    @Test
    void twoProcesses_importingTheSameLayerAtOnce_bothSucceed_andTheStoreHoldsOneCompleteCopy() throws Exception {
        Path go = tmp.resolve("go");
        Process a = importer(go);
        Process b = importer(go);
        BufferedReader ra = reader(a);
        BufferedReader rb = reader(b);
        assertEquals("ready", ra.readLine());
        assertEquals("ready", rb.readLine());
        Files.writeString(go, "");

        String outA = ra.readLine();
        String outB = rb.readLine();
        assertTrue(a.waitFor(60, TimeUnit.SECONDS) && b.waitFor(60, TimeUnit.SECONDS), "importers finished");
        assertEquals(0, a.exitValue());
        assertEquals(0, b.exitValue());

        StorePaths paths = new StorePaths(storeDir);
        String expected = "imported " + digest + " " + paths.layerDir(digest);
        assertEquals(expected, outA);
        assertEquals(expected, outB);
        ImageStore store = ImageStore.open(storeDir);
        Layer layer = store.importLayer(Files.newInputStream(tarFile), digest); // a third import: nothing to redo
        assertEquals(TreeListing.of(layer.dir()), new dev.flint.images.internal.LayerTrees(paths,
                new dev.flint.images.internal.BlobStore(paths, StoreLocks.of(paths)), LayerLimits.defaults()).readRecord(digest),
                "the tree is the one recorded");
        assertEquals(2000 + 8, countFiles(layer.dir()));
        assertEquals(List.of(digest.hex()), list(paths.blobsDir()));
        assertEquals(List.of(), list(paths.tmpDir()), "no temporary names left");
    }

    @Test
    void anImport_waitsWhileAnotherProcessHoldsTheDigestLock() throws Exception {
        StorePaths paths = new StorePaths(storeDir);
        ImageStore.open(storeDir);
        Path go = tmp.resolve("go");
        Files.writeString(go, "");
        Process child;
        try (StoreLocks.Held held = StoreLocks.of(paths).digest(digest)) {
            child = importer(go);
            BufferedReader r = reader(child);
            assertEquals("ready", r.readLine());
            assertFalse(child.waitFor(1500, TimeUnit.MILLISECONDS), "the import finished while the lock was held");
            assertFalse(Files.exists(paths.layerDir(digest)), "nothing unpacked under the lock");
        }
        assertTrue(child.waitFor(60, TimeUnit.SECONDS), "the import goes on once the lock is released");
        assertEquals(0, child.exitValue());
        assertTrue(Files.isDirectory(paths.layerDir(digest)));
    }

    @Test
    void twoProcesses_packingSmallBlobsAtOnce_loseNone_andPruneKeepsThemAll() throws Exception {
        Path go = tmp.resolve("go-pack");
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        List<BufferedReader> out = new ArrayList<>();
        for (String who : List.of("a", "b")) {
            Process p = new ProcessBuilder(java.toString(), "-cp", System.getProperty("java.class.path"), PackMain.class.getName(),
                    storeDir.toString(), who, "60", tmp.resolve("scratch-" + who).toString(), go.toString())
                    .redirectError(ProcessBuilder.Redirect.INHERIT).start();
            children.add(p);
            out.add(reader(p));
            assertEquals("ready", out.get(out.size() - 1).readLine());
        }
        Files.writeString(go, "");
        for (int i = 0; i < 2; i++) {
            assertEquals("done", out.get(i).readLine());
            assertTrue(children.get(i).waitFor(60, TimeUnit.SECONDS));
            assertEquals(0, children.get(i).exitValue());
        }
        ImageStore store = ImageStore.open(storeDir);
        assertEquals(120, store.list().stream().filter(ImageSummary::usable).count());
        assertEquals(List.of(), store.prune().removed(), "nothing untagged, nothing torn");
        for (String who : List.of("a", "b")) {
            for (int i = 0; i < 60; i++) {
                Image img = store.verify(ImageRef.parse("fn/" + who + "-" + i));
                assertEquals(who + " function " + i + "\n", Files.readString(img.layerDirs().get(0).resolve("function/main.py")));
            }
        }
        assertEquals(List.of(), list(new StorePaths(storeDir).blobsDir()), "every blob is in the pack");
    }

    private static long countFiles(Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(Files::isRegularFile).count();
        }
    }

    private static List<String> list(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }
}
