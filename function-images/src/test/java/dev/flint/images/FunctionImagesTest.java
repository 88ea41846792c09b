package dev.flint.images;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Code layers on a base image: file, zip, directory; shared base on disk. No root needed. */
class FunctionImagesTest {
    private static final ImageRef BASE = ImageRef.parse("test/base:1");
    private static final long BASE_BYTES = 8L << 20;

    @TempDir
    Path tmp;
    private ImageStore store;
    private Image base;

    @BeforeEach
    void setUp() throws IOException {
        store = ImageStore.open(tmp.resolve("store"));
        byte[] tar = TestLayers.pack(TestLayers.bulky(tmp.resolve("base"), BASE_BYTES, 1));
        Layer layer = store.importLayer(new ByteArrayInputStream(tar), LayerDigest.of(tar));
        base = store.commit(BASE, new ImageConfig("amd64", "linux", List.of(ImageConfig.DEFAULT_PATH), List.of("sh"), "/",
                Map.of(), List.of()), List.of(layer));
    }

    @Test
    void withCode_file_isOneLayerOnTheBase_atFunctionSlashName() throws IOException {
        Path file = Files.writeString(tmp.resolve("handler.py"), "def main(args):\n    return {}\n");

        Image img = FunctionImages.withCode(store, BASE, FunctionCode.file(file, "main.py"), ImageRef.parse("fn/hello"));

        assertEquals(2, img.layerDirs().size());
        assertEquals(base.layerDirs().get(0), img.layerDirs().get(1), "the base's own tree, not a copy");
        assertEquals("def main(args):\n    return {}\n", Files.readString(img.layerDirs().get(0).resolve("function/main.py")));
        assertEquals("/function", img.config().workingDir());
        assertEquals(img.manifest().layers().get(1).digest().toString(), img.config().labels().get(FunctionImages.CODE_LABEL));
        assertEquals(base.config().env(), img.config().env());
    }

    @Test
    void withCode_zip_isUnpackedBelowFunction() throws IOException {
        Path zip = tmp.resolve("code.zip");
        try (ZipOutputStream out = new ZipOutputStream(Files.newOutputStream(zip))) {
            for (Map.Entry<String, String> e : Map.of("main.py", "import lib\n", "lib/__init__.py", "X = 1\n").entrySet()) {
                out.putNextEntry(new ZipEntry(e.getKey()));
                out.write(e.getValue().getBytes(StandardCharsets.UTF_8));
                out.closeEntry();
            }
        }

        Image img = FunctionImages.withCode(store, BASE, FunctionCode.of(zip), ImageRef.parse("fn/zipped"));

        Path code = img.layerDirs().get(0).resolve("function");
        assertEquals("import lib\n", Files.readString(code.resolve("main.py")));
        assertEquals("X = 1\n", Files.readString(code.resolve("lib/__init__.py")));
    }

    @Test
    void withCode_zipEntryLeavingTheRoot_isRefused_namingIt() throws IOException {
        Path zip = tmp.resolve("evil.zip");
        try (ZipOutputStream out = new ZipOutputStream(Files.newOutputStream(zip))) {
            out.putNextEntry(new ZipEntry("../../outside.py"));
            out.write(1);
            out.closeEntry();
        }
        ImageException.BadLayer e = assertThrows(ImageException.BadLayer.class,
                () -> FunctionImages.withCode(store, BASE, FunctionCode.zip(zip), ImageRef.parse("fn/evil")));
        assertEquals("../../outside.py", e.entry());
    }

    @Test
    void withCode_directory_sameCodeGivesTheSameLayer_otherCodeAnother() throws IOException {
        Path dir = TestLayers.tree(tmp.resolve("src"), Map.of("main.py", "print(1)\n", "util/helpers.py", "pass\n"));

        Image a = FunctionImages.withCode(store, BASE, FunctionCode.of(dir), ImageRef.parse("fn/a"));
        Image b = FunctionImages.withCode(store, BASE, FunctionCode.of(dir), ImageRef.parse("fn/b"));
        Files.writeString(dir.resolve("main.py"), "print(2)\n");
        Image c = FunctionImages.withCode(store, BASE, FunctionCode.of(dir), ImageRef.parse("fn/c"));

        assertTrue(Files.isRegularFile(a.layerDirs().get(0).resolve("function/util/helpers.py")));
        assertEquals(a.layerDirs(), b.layerDirs());
        assertNotEquals(a.layerDirs().get(0), c.layerDirs().get(0));
    }

    @Test
    void withCode_missingCode_saysSo() {
        ImageException.BuildFailed e = assertThrows(ImageException.BuildFailed.class,
                () -> FunctionImages.withCode(store, BASE, FunctionCode.file(tmp.resolve("nope.py")), ImageRef.parse("fn/x")));
        assertTrue(e.getMessage().contains("nope.py"), e.getMessage());
    }

    @Test
    void hundredFunctions_onOneBase_growTheStoreByLessThanTheirCode_notByTheBase() throws Exception {
        // opened as the server opens its store: small layers' trees in a cache outside it
        ImageStore cached = ImageStore.open(store.root(), LayerLimits.defaults(), tmp.resolve("tree-cache"));
        long before = diskUsage(store.root());
        long codeBytes = 0;
        for (int i = 0; i < 100; i++) {
            Path file = tmp.resolve("fn" + i + ".py");
            try (OutputStream out = Files.newOutputStream(file)) {
                byte[] body = ("# function " + i + "\n" + "x = 1\n".repeat(1700)).getBytes(StandardCharsets.UTF_8); // ~10 KB
                out.write(body);
                codeBytes += body.length;
            }
            Image img = FunctionImages.withCode(cached, BASE, FunctionCode.file(file, "main.py"), ImageRef.parse("fn/f" + i));
            assertTrue(img.layerDirs().get(0).startsWith(cached.smallTreeCache().orElseThrow()), img.layerDirs().get(0).toString());
        }
        long growth = diskUsage(store.root()) - before;

        // each function: its code once and its config and manifest, packed (deflated); its tree in the
        // cache; its tag a link kept in the inode; the base (8 MiB) never copied
        assertTrue(growth <= codeBytes, "store grew " + growth + " bytes for " + codeBytes + " bytes of code");
        assertEquals(101, cached.list().size());
        try (var trees = Files.list(cached.smallTreeCache().orElseThrow())) {
            assertEquals(100, trees.filter(Files::isDirectory).count(), "one tree per function in the cache");
        }
    }

    /** Bytes of disk blocks used below dir, hard links counted once (du). */
    static long diskUsage(Path dir) throws IOException, InterruptedException {
        Process du = new ProcessBuilder("du", "-s", "-B1", dir.toString()).redirectErrorStream(true).start();
        String out = new String(du.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, du.waitFor(), out);
        return Long.parseLong(out.split("\\s+")[0]);
    }
}
