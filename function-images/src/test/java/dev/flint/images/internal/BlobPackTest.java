package dev.flint.images.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flint.images.ImageException;
import dev.flint.images.LayerDigest;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The small-blob pack on a temp directory: appends, reads, damage, torn tails, compaction seen by another reader. */
class BlobPackTest {
    @TempDir
    Path tmp;
    private StorePaths paths;
    private BlobPack pack;

    @BeforeEach
    void open() {
        paths = new StorePaths(tmp.resolve("store"));
        pack = new BlobPack(paths, StoreLocks.of(paths));
    }

    private LayerDigest put(byte[] b) {
        LayerDigest d = LayerDigest.of(b);
        pack.put(d, b);
        return d;
    }

    private static byte[] text(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void whatIsPut_readsBack_compressibleOrNot_andASecondPutAddsNothing() throws IOException {
        byte[] repetitive = text("def main(args):\n    return {}\n".repeat(300));
        byte[] random = new byte[5000];
        new Random(1).nextBytes(random);
        LayerDigest a = put(repetitive);
        LayerDigest b = put(random);
        long size = Files.size(paths.pack());
        assertTrue(size < repetitive.length / 4 + random.length + 200, "the repetitive one is stored deflated: " + size);
        put(repetitive);
        assertEquals(size, Files.size(paths.pack()));
        BlobPack other = new BlobPack(paths, StoreLocks.of(paths)); // another reader indexes the file itself
        assertArrayEquals(repetitive, other.read(a));
        assertArrayEquals(random, other.read(b));
        assertEquals(random.length, other.size(b));
        assertEquals(-1, other.size(LayerDigest.of(text("absent"))));
    }

    @Test
    void aBlobOverTheLimit_isNotPacked() {
        byte[] big = new byte[BlobPack.SMALL_BYTES + 1];
        assertThrows(IllegalArgumentException.class, () -> pack.put(LayerDigest.of(big), big));
    }

    @Test
    void aMissingBlob_isCorrupt_namingIt() {
        LayerDigest d = LayerDigest.of(text("never stored"));
        ImageException.Corrupt e = assertThrows(ImageException.Corrupt.class, () -> pack.read(d));
        assertEquals(d, e.digest());
    }

    @Test
    void aDamagedEntry_isCorrupt_andPuttingTheBlobAgainRepairsIt() throws IOException {
        byte[] b = text("{\"config\":true}".repeat(40));
        LayerDigest d = put(b);
        byte[] file = Files.readAllBytes(paths.pack());
        file[file.length - 3] ^= 0x40;
        Files.write(paths.pack(), file);
        BlobPack fresh = new BlobPack(paths, StoreLocks.of(paths));
        assertThrows(ImageException.Corrupt.class, () -> fresh.read(d));
        fresh.put(d, b);
        assertArrayEquals(b, fresh.read(d));
        assertArrayEquals(b, new BlobPack(paths, StoreLocks.of(paths)).read(d), "the later entry wins for every reader");
    }

    @Test
    void aTornAppend_isIgnoredByReaders_andCutOffByTheNextWriter() throws IOException {
        LayerDigest a = put(text("first blob"));
        long sound = Files.size(paths.pack());
        Files.write(paths.pack(), new byte[] {'F', 'L', 'P', 'K', 0, 1, 2, 3}, StandardOpenOption.APPEND); // a crash mid-append
        BlobPack reader = new BlobPack(paths, StoreLocks.of(paths));
        assertArrayEquals(text("first blob"), reader.read(a));
        LayerDigest second = LayerDigest.of(text("second blob"));
        reader.put(second, text("second blob"));
        assertArrayEquals(text("second blob"), new BlobPack(paths, StoreLocks.of(paths)).read(second));
        assertTrue(Files.size(paths.pack()) > sound);
        assertEquals(Set.of(a, second), new BlobPack(paths, StoreLocks.of(paths)).digests());
    }

    @Test
    void aDamagedHeaderInTheMiddle_losesOnlyItsEntry_andTheNextAppendKeepsWhatFollows() throws IOException {
        LayerDigest a = put(text("first ".repeat(50)));
        long second = Files.size(paths.pack());
        LayerDigest b = put(text("second ".repeat(50)));
        LayerDigest c = put(text("third ".repeat(50)));
        byte[] file = Files.readAllBytes(paths.pack());
        file[(int) second] ^= 0x01; // the second entry's magic
        Files.write(paths.pack(), file);

        BlobPack fresh = new BlobPack(paths, StoreLocks.of(paths));
        assertEquals(Set.of(a, c), fresh.digests(), "the third is found past the damaged header");
        LayerDigest d = LayerDigest.of(text("fourth"));
        fresh.put(d, text("fourth"));
        assertEquals(Set.of(a, c, d), new BlobPack(paths, StoreLocks.of(paths)).digests(), "nothing after the damage was cut off");
        fresh.put(b, text("second ".repeat(50)));
        assertArrayEquals(text("second ".repeat(50)), new BlobPack(paths, StoreLocks.of(paths)).read(b));
    }

    @Test
    void aPackReplacedByAnotherOfTheSameSize_isIndexedAgain() throws IOException {
        BlobPack reader = new BlobPack(paths, StoreLocks.of(paths));
        LayerDigest a = put(text("aaaa"));
        assertTrue(reader.has(a));
        StorePaths otherPaths = new StorePaths(tmp.resolve("other"));
        BlobPack other = new BlobPack(otherPaths, StoreLocks.of(otherPaths));
        LayerDigest b = LayerDigest.of(text("bbbb"));
        other.put(b, text("bbbb"));
        assertEquals(Files.size(paths.pack()), Files.size(otherPaths.pack()));
        Files.copy(otherPaths.pack(), paths.pack(), java.nio.file.StandardCopyOption.REPLACE_EXISTING); // as if the inode were reused

        assertFalse(reader.has(a), "another file's id: indexed afresh");
        assertArrayEquals(text("bbbb"), reader.read(b));
    }

    @Test
    void compaction_dropsWhatIsNotKept_andAReaderThatIndexedTheOldFileStillFindsTheRest() throws IOException {
        LayerDigest keep = put(text("kept ".repeat(100)));
        LayerDigest drop = put(text("dropped ".repeat(100)));
        BlobPack reader = new BlobPack(paths, StoreLocks.of(paths));
        assertTrue(reader.has(keep) && reader.has(drop)); // indexed before the compaction

        List<BlobPack.Dropped> dropped = pack.compact(Set.of(keep), paths.newTemp("pack"));
        assertEquals(List.of(new BlobPack.Dropped(drop, 800)), dropped);
        assertEquals(Set.of(keep), new BlobPack(paths, StoreLocks.of(paths)).digests());

        assertArrayEquals(text("kept ".repeat(100)), reader.read(keep), "re-indexed after the file was replaced");
        assertFalse(reader.has(drop), "a reader that indexed the old file no longer finds what was dropped");
        LayerDigest added = LayerDigest.of(text("added after"));
        reader.put(added, text("added after"));
        assertEquals(Set.of(keep, added), new BlobPack(paths, StoreLocks.of(paths)).digests(), "appended to the new file");
        assertEquals(List.of(), pack.compact(Set.of(keep, added), paths.newTemp("pack")), "nothing to drop");
        assertFalse(Files.exists(paths.tmpDir()) && Files.list(paths.tmpDir()).findAny().isPresent(), "no temporary file left");
    }
}
