package dev.flint.images;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flint.images.internal.BlobPack;
import dev.flint.images.internal.StoreLocks;
import dev.flint.images.internal.StorePaths;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The store on a temp directory: import, commit, resolve, corruption, prune. No root needed. */
class ImageStoreTest {
    private static final ImageConfig CONFIG = new ImageConfig("amd64", "linux", List.of(ImageConfig.DEFAULT_PATH),
            List.of("sh"), "/", Map.of(), List.of());

    @TempDir
    Path tmp;
    private ImageStore store;
    private StorePaths paths;
    private byte[] baseTar;
    private byte[] topTar;

    @BeforeEach
    void open() {
        store = ImageStore.open(tmp.resolve("store"));
        paths = new StorePaths(store.root());
        baseTar = TestLayers.tar(tmp.resolve("base"), Map.of("bin/sh", "not really a shell", "etc/passwd", "root:x:0:0::/:/bin/sh\n"));
        topTar = TestLayers.tar(tmp.resolve("top"), Map.of("function/main.py", "print('hi')\n"));
    }

    private Layer importTar(byte[] tar) {
        return store.importLayer(new ByteArrayInputStream(tar), LayerDigest.of(tar));
    }

    private static List<String> names(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void importLayer_storesTheBlobAndUnpacksTheTree_underItsDigest() throws IOException {
        Layer layer = importTar(baseTar);

        assertEquals(LayerDigest.of(baseTar), layer.digest());
        assertEquals(baseTar.length, layer.size());
        assertEquals(paths.layerDir(layer.digest()), layer.dir());
        assertArrayEquals(baseTar, store.readBlob(layer.digest()));
        assertFalse(Files.exists(paths.blob(layer.digest())), "a small blob is packed, no file of its own");
        assertEquals("not really a shell", Files.readString(layer.dir().resolve("bin/sh")));
        assertTrue(Files.isRegularFile(paths.layerRecord(layer.digest())), "unpack record written");
        assertEquals(List.of(), names(paths.tmpDir()), "temporary names all moved or removed");
    }

    @Test
    void importLayer_withTheWrongExpectedDigest_isAMismatch_andStoresNothing() throws IOException {
        LayerDigest wrong = LayerDigest.of(topTar);
        ImageException.DigestMismatch e = assertThrows(ImageException.DigestMismatch.class,
                () -> store.importLayer(new ByteArrayInputStream(baseTar), wrong));

        assertEquals(wrong, e.expected());
        assertEquals(LayerDigest.of(baseTar), e.actual());
        assertEquals(List.of(), names(paths.blobsDir()));
        assertEquals(List.of(), names(paths.layersDir()));
        assertEquals(List.of(), names(paths.tmpDir()));
    }

    @Test
    void importLayer_twice_keepsOneCopy() throws IOException {
        Layer first = importTar(baseTar);
        Layer second = importTar(baseTar);

        assertEquals(first, second);
        assertEquals(List.of(), names(paths.blobsDir()));
        assertEquals(Set.of(first.digest()), new BlobPack(paths, StoreLocks.of(paths)).digests());
        long packed = Files.size(paths.pack());
        importTar(baseTar);
        assertEquals(packed, Files.size(paths.pack()), "not appended again");
        assertEquals(List.of(first.digest().hex(), first.digest().hex() + ".json"), names(paths.layersDir()));
    }

    @Test
    void commit_thenResolve_givesLayerDirsTopmostFirst_andOciDocuments() throws IOException {
        Layer base = importTar(baseTar);
        Layer top = importTar(topTar);
        ImageRef ref = ImageRef.parse("test/fn:1");

        Image committed = store.commit(ref, CONFIG, List.of(base, top));
        Image img = store.resolve(ref);

        assertEquals(committed.digest(), img.digest());
        assertEquals(List.of(top.dir(), base.dir()), img.layerDirs());
        assertEquals(List.of(base, top), img.layers());
        assertEquals(List.of(base.digest(), top.digest()), img.config().diffIds());
        assertEquals(List.of("sh"), img.config().cmd());
        String manifest = new String(store.readBlob(img.digest()), StandardCharsets.UTF_8);
        assertTrue(manifest.startsWith("{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\""), manifest);
        assertTrue(manifest.contains("\"digest\":\"" + base.digest() + "\""), manifest);
        String config = new String(store.readBlob(img.manifest().config().digest()), StandardCharsets.UTF_8);
        assertTrue(config.contains("\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"" + base.digest() + "\",\"" + top.digest() + "\"]}"), config);
    }

    @Test
    void commit_sameImageTwice_givesTheSameDigest() {
        Layer base = importTar(baseTar);
        Image a = store.commit(ImageRef.parse("a"), CONFIG, List.of(base));
        Image b = store.commit(ImageRef.parse("b"), CONFIG, List.of(base));
        assertEquals(a.digest(), b.digest());
    }

    @Test
    void resolve_unknownImage_isNotFound_withAHint() {
        ImageException.NotFound e = assertThrows(ImageException.NotFound.class, () -> store.resolve(ImageRef.parse("no/such:image")));
        assertEquals(ImageRef.parse("no/such:image"), e.ref());
        assertTrue(e.hint().contains("flint image build"), e.hint());
    }

    @Test
    void openExisting_whereThereIsNoStore_isStoreMissing_sayingWhatToDo() {
        ImageException.StoreMissing e = assertThrows(ImageException.StoreMissing.class,
                () -> ImageStore.openExisting(tmp.resolve("nowhere")));
        assertEquals(tmp.resolve("nowhere"), e.root());
        assertTrue(e.hint().contains("--store") && e.hint().contains("FLINT_STORE"), e.hint());
        assertFalse(Files.exists(tmp.resolve("nowhere")), "looking does not create it");
    }

    @Test
    void resolve_configBlobChangedOnDisk_isCorrupt_namingItsDigest() throws IOException {
        Image img = store.commit(ImageRef.parse("x"), CONFIG, List.of(importTar(baseTar)));
        LayerDigest config = img.manifest().config().digest();
        TestLayers.damagePacked(paths.pack(), config);

        ImageException.Corrupt e = assertThrows(ImageException.Corrupt.class, () -> store.resolve(ImageRef.parse("x")));
        assertEquals(config, e.digest());
        assertTrue(e.getMessage().contains(config.toString()), e.getMessage());
    }

    @Test
    void resolve_layerThatNeverFinishedUnpacking_isCorrupt_namingTheLayer_andImportRepairsIt() throws IOException {
        Layer base = importTar(baseTar);
        store.commit(ImageRef.parse("x"), CONFIG, List.of(base));
        Files.delete(paths.layerRecord(base.digest())); // as if the process died between the rename and the record
        Files.delete(base.dir().resolve("etc/passwd"));

        ImageException.Corrupt e = assertThrows(ImageException.Corrupt.class, () -> store.resolve(ImageRef.parse("x")));
        assertEquals(base.digest(), e.digest());
        assertTrue(e.getMessage().contains("never finished unpacking"), e.getMessage());

        importTar(baseTar);
        Image repaired = store.resolve(ImageRef.parse("x"));
        assertTrue(Files.isRegularFile(repaired.layerDirs().get(0).resolve("etc/passwd")));
    }

    @Test
    void verify_layerTreeChangedAfterUnpacking_isCorrupt_andTheLayerIsNotUsedAgain() throws IOException {
        Layer base = importTar(baseTar);
        store.commit(ImageRef.parse("x"), CONFIG, List.of(base));
        Files.writeString(base.dir().resolve("etc/passwd"), "root::0:0::/:/bin/sh\nhacker::0:0::/:/bin/sh\n");

        ImageException.Corrupt e = assertThrows(ImageException.Corrupt.class, () -> store.verify(ImageRef.parse("x")));
        assertEquals(base.digest(), e.digest());
        assertTrue(e.getMessage().contains("changed after unpacking"), e.getMessage());
        assertThrows(ImageException.Corrupt.class, () -> store.resolve(ImageRef.parse("x")), "never used once found damaged");
    }

    @Test
    void verify_layerBlobChangedOnDisk_isCorrupt_namingTheLayer() throws IOException {
        byte[] bigTar = TestLayers.pack(TestLayers.bulky(tmp.resolve("big"), 200_000, 3)); // over the pack's limit: a file
        Layer base = importTar(bigTar);
        store.commit(ImageRef.parse("x"), CONFIG, List.of(base));
        byte[] blob = Files.readAllBytes(paths.blob(base.digest()));
        blob[600] ^= 1;
        Files.write(paths.blob(base.digest()), blob);

        ImageException.Corrupt e = assertThrows(ImageException.Corrupt.class, () -> store.verify(ImageRef.parse("x")));
        assertEquals(base.digest(), e.digest());
        assertTrue(e.getMessage().contains("no longer matches its digest"), e.getMessage());
        assertFalse(Files.exists(paths.blob(base.digest())), "the damaged blob is removed");
    }

    @Test
    void verify_packedBlobDamagedOnDisk_isCorrupt_andImportingItAgainRepairsIt() throws IOException {
        Layer base = importTar(baseTar);
        store.commit(ImageRef.parse("x"), CONFIG, List.of(base));
        TestLayers.damagePacked(paths.pack(), base.digest());

        ImageException.Corrupt e = assertThrows(ImageException.Corrupt.class, () -> store.verify(ImageRef.parse("x")));
        assertEquals(base.digest(), e.digest());
        assertTrue(e.getMessage().contains("no longer matches its digest"), e.getMessage());

        importTar(baseTar); // appends a sound copy, which wins
        assertEquals(base.digest(), store.verify(ImageRef.parse("x")).layers().get(0).digest());
        store.prune();
        assertArrayEquals(baseTar, store.readBlob(base.digest()), "compaction keeps the sound copy");
    }

    @Test
    void smallLayers_withATreeCache_unpackThere_andAreRebuiltWhenTheCacheIsLost() throws IOException {
        Path cache = tmp.resolve("cache");
        ImageStore cached = ImageStore.open(tmp.resolve("cached-store"), LayerLimits.defaults(), cache);
        Layer small = cached.importLayer(new ByteArrayInputStream(baseTar), null);
        byte[] bigTar = TestLayers.pack(TestLayers.bulky(tmp.resolve("big"), 200_000, 4));
        Layer big = cached.importLayer(new ByteArrayInputStream(bigTar), null);
        cached.commit(ImageRef.parse("x"), CONFIG, List.of(big, small));

        Path storeCache = small.dir().getParent();
        assertEquals(cache, storeCache.getParent());
        assertEquals(small.digest().hex(), small.dir().getFileName().toString());
        assertTrue(big.dir().startsWith(cached.root()), "a big layer's tree stays in the store: " + big.dir());
        assertEquals("700", Integer.toOctalString((int) Files.getAttribute(storeCache, "unix:mode") & 0777));
        assertEquals("711", Integer.toOctalString((int) Files.getAttribute(cache, "unix:mode") & 0777));

        dev.flint.images.internal.Trees.delete(cache); // a reboot empties /dev/shm
        Image again = ImageStore.open(cached.root(), LayerLimits.defaults(), cache).resolve(ImageRef.parse("x"));
        assertEquals("not really a shell", Files.readString(again.layerDirs().get(0).resolve("bin/sh")));
        assertEquals(again.digest(), ImageStore.open(cached.root(), LayerLimits.defaults(), cache).verify(ImageRef.parse("x")).digest());

        assertTrue(cached.remove(ImageRef.parse("x")));
        List<String> removed = cached.prune().removed().stream().map(PruneReport.Removed::what).toList();
        assertTrue(removed.contains(small.digest().toString()), removed.toString());
        assertEquals(List.of("store"), names(storeCache), "the small tree is pruned from the cache");

        ImageStore gone = ImageStore.open(tmp.resolve("gone-store"), LayerLimits.defaults(), cache);
        Path goneCache = gone.smallTreeCache().orElseThrow();
        dev.flint.images.internal.Trees.delete(gone.root());
        ImageStore.open(cached.root(), LayerLimits.defaults(), cache);
        assertFalse(Files.exists(goneCache), "the cache of a store that is gone is swept");
        assertTrue(Files.exists(storeCache));
    }

    @Test
    void aTreeCacheThatIsNotPrivate_isRefused() throws IOException {
        Path cache = tmp.resolve("open-cache");
        Files.createDirectories(cache);
        Files.setPosixFilePermissions(cache, java.nio.file.attribute.PosixFilePermissions.fromString("rwxrwxrwx"));
        ImageException.StoreFailed e = assertThrows(ImageException.StoreFailed.class,
                () -> ImageStore.open(tmp.resolve("s"), LayerLimits.defaults(), cache));
        assertTrue(e.getMessage().contains("writable by others"), e.getMessage());
    }

    @Test
    void theDefaultTreeCache_takenByAnotherUser_leavesTreesInTheStore_ratherThanFailing() throws IOException {
        org.junit.jupiter.api.Assumptions.assumeFalse(Files.exists(ImageStore.MEMORY_TREE_CACHE), "the default cache is in use here");
        Files.createDirectories(ImageStore.MEMORY_TREE_CACHE);
        try {
            Files.setPosixFilePermissions(ImageStore.MEMORY_TREE_CACHE, java.nio.file.attribute.PosixFilePermissions.fromString("rwxrwxrwx"));
            ImageStore s = ImageStore.open(tmp.resolve("squatted"), LayerLimits.defaults(), ImageStore.MEMORY_TREE_CACHE);
            assertTrue(s.smallTreeCache().isEmpty());
            Layer small = s.importLayer(new ByteArrayInputStream(baseTar), null);
            assertTrue(small.dir().startsWith(s.root()), small.dir().toString());
        } finally {
            dev.flint.images.internal.Trees.delete(ImageStore.MEMORY_TREE_CACHE);
        }
    }

    @Test
    void tags_ofTheEarlierLayout_becomeLinks_whenTheStoreOpens() throws IOException {
        Image img = store.commit(ImageRef.parse("team/app:1"), CONFIG, List.of(importTar(baseTar)));
        Files.delete(paths.tag(ImageRef.parse("team/app:1")));
        Files.createDirectories(paths.tagsDir().resolve("team+app"));
        Files.writeString(paths.tagsDir().resolve("team+app").resolve("1"), img.digest() + "\n");

        ImageStore reopened = ImageStore.open(store.root());
        assertEquals(img.digest(), reopened.resolve(ImageRef.parse("team/app:1")).digest());
        assertEquals(List.of("team+app@1"), names(paths.tagsDir()));
        assertTrue(Files.isSymbolicLink(paths.tag(ImageRef.parse("team/app:1"))));
    }

    @Test
    void verify_soundImage_passes() {
        Image img = store.commit(ImageRef.parse("x"), CONFIG, List.of(importTar(baseTar), importTar(topTar)));
        assertEquals(img.digest(), store.verify(ImageRef.parse("x")).digest());
    }

    @Test
    void prune_keepsWhatTagsReference_includingSharedLayers_andRemovesTheRest() throws IOException {
        Layer base = importTar(baseTar);
        Layer top = importTar(topTar);
        byte[] orphanTar = TestLayers.tar(tmp.resolve("orphan"), Map.of("x", "y".repeat(5000)));
        Layer orphan = importTar(orphanTar);
        Image kept = store.commit(ImageRef.parse("kept"), CONFIG, List.of(base));
        Image gone = store.commit(ImageRef.parse("gone"), CONFIG.withLabel("v", "2"), List.of(base, top));
        assertTrue(store.remove(ImageRef.parse("gone")));

        PruneReport report = store.prune();

        List<String> removed = report.removed().stream().map(PruneReport.Removed::what).toList();
        assertTrue(removed.containsAll(List.of(orphan.digest().toString(), top.digest().toString(), gone.digest().toString(),
                gone.manifest().config().digest().toString())), removed.toString());
        assertFalse(removed.contains(base.digest().toString()), "the base is still used by 'kept'");
        assertTrue(report.freedBytes() >= orphanTar.length + 5000, "freed " + report.freedBytes());
        assertFalse(Files.exists(orphan.dir()));
        assertFalse(new BlobPack(paths, StoreLocks.of(paths)).digests().contains(top.digest()), "compacted out of the pack");
        assertArrayEquals(baseTar, store.readBlob(base.digest()));
        assertEquals(kept.digest(), store.resolve(ImageRef.parse("kept")).digest());
        assertTrue(Files.isDirectory(base.dir()));
        assertEquals(List.of(), store.prune().removed(), "a second prune finds nothing");
    }

    @Test
    void prune_removesWhatCrashedWritersLeftInTmp() throws IOException {
        Files.writeString(paths.tmpDir().resolve("blob-left-by-a-crash"), "partial");
        Files.createDirectories(paths.tmpDir().resolve("layer-half-unpacked/usr"));

        PruneReport report = store.prune();

        assertEquals(List.of(), names(paths.tmpDir()));
        assertEquals(2, report.removed().stream().filter(r -> r.kind().equals("tmp")).count());
    }

    @Test
    void prune_whileALeaseIsHeld_waitsForIt_soUntaggedLayersSurvive() throws Exception {
        Layer layer;
        Thread pruner;
        PruneReport[] report = new PruneReport[1];
        try (ImageStore.Lease lease = store.lease()) {
            layer = importTar(baseTar);
            pruner = new Thread(() -> report[0] = store.prune());
            pruner.start();
            pruner.join(300);
            assertTrue(pruner.isAlive(), "prune waits while a lease is held");
            store.commit(ImageRef.parse("x"), CONFIG, List.of(layer));
        }
        pruner.join(10_000);
        assertFalse(pruner.isAlive());
        assertTrue(Files.isDirectory(layer.dir()), "the layer got tagged before prune ran");
        assertEquals(List.of(), report[0].removed());
    }

    @Test
    void list_showsSizes_andTheSharedPart() {
        Layer base = importTar(baseTar);
        Layer top = importTar(topTar);
        store.commit(ImageRef.parse("flint/base"), CONFIG, List.of(base));
        store.commit(ImageRef.parse("fn/one"), CONFIG, List.of(base, top));

        List<ImageSummary> list = store.list();

        assertEquals(List.of("flint/base:latest", "fn/one:latest"), list.stream().map(s -> s.ref().toString()).toList());
        assertEquals(base.size(), list.get(0).size());
        assertEquals(base.size(), list.get(0).sharedSize());
        assertEquals(base.size() + top.size(), list.get(1).size());
        assertEquals(base.size(), list.get(1).sharedSize());
        assertTrue(list.stream().allMatch(ImageSummary::usable));
    }

    @Test
    void importLayer_entriesLeavingTheRoot_areRefused_namingTheEntry() throws IOException {
        for (TestLayers.Entry bad : List.of(
                new TestLayers.Entry("../escape", TarArchiveEntry.LF_NORMAL, "x"),
                new TestLayers.Entry("/etc/passwd", TarArchiveEntry.LF_NORMAL, "x"),
                new TestLayers.Entry("dev/sda", TarArchiveEntry.LF_BLK, ""))) {
            byte[] tar = TestLayers.crafted(bad);
            ImageException.BadLayer e = assertThrows(ImageException.BadLayer.class,
                    () -> store.importLayer(new ByteArrayInputStream(tar), null), bad.name());
            assertEquals(bad.name(), e.entry());
        }
        byte[] throughSymlink = TestLayers.crafted(new TestLayers.Entry("etc", TarArchiveEntry.LF_SYMLINK, "/etc"),
                new TestLayers.Entry("etc/passwd", TarArchiveEntry.LF_NORMAL, "owned"));
        assertThrows(ImageException.BadLayer.class, () -> store.importLayer(new ByteArrayInputStream(throughSymlink), null));
        assertFalse(Files.exists(tmp.resolve("escape")));
        assertEquals(List.of(), names(paths.layersDir()), "no layer tree of a refused tar");
    }
}
