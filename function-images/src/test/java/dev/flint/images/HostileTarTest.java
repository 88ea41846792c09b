package dev.flint.images;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.flint.images.ImageException.BadLayer.Kind;
import dev.flint.images.internal.StorePaths;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.UserDefinedFileAttributeView;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

/**
 * The hostile-tar suite (SECURITY.md "Layer extraction"): one crafted tar per attack, imported
 * through {@link ImageStore#importLayer}, the path every import takes. Each test asserts the typed
 * refusal naming the entry, and that nothing changed outside the store: a canary directory next to
 * it (a file, a directory) is compared before and after, and no layer is left in the store.
 */
class HostileTarTest {
    @TempDir
    Path tmp;
    private Path canary;
    private List<String> canaryBefore;
    private ImageStore store;
    private StorePaths paths;

    @BeforeEach
    void setUp() throws IOException {
        canary = Files.createDirectories(tmp.resolve("canary"));
        Files.writeString(canary.resolve("file"), "canary");
        Files.setAttribute(canary.resolve("file"), "unix:mode", 0644);
        Files.createDirectories(canary.resolve("dir"));
        canaryBefore = snapshot(canary);
        store = ImageStore.open(tmp.resolve("store"), new LayerLimits(1 << 20, 100, 100, 64 << 10));
        paths = new StorePaths(store.root());
    }

    @AfterEach
    void nothingOutsideTheStore() throws IOException {
        assertEquals(canaryBefore, snapshot(canary), "the canary directory is unchanged");
        try (Stream<Path> s = Files.list(tmp)) {
            assertEquals(List.of("canary", "store"), s.map(p -> p.getFileName().toString()).sorted().toList());
        }
    }

    // ---- paths that leave the root

    @Test
    void dotDot_isRefusedAsEscape() {
        refused(Kind.ESCAPE, "a/../../canary/owned", tar(file("a/../../canary/owned", "x")));
    }

    @Test
    void absolutePath_isRefusedAsEscape() {
        String name = canary.resolve("owned").toString();
        refused(Kind.ESCAPE, name, tar(file(name, "x")));
    }

    @Test
    void theRootAsSlash_isTheLayerRoot_asUmociWritesIt() throws IOException {
        Layer l = store.importLayer(new ByteArrayInputStream(tar(entry("/", TarArchiveEntry.LF_DIR, "", 0700, null), file("a", "x"))), null);
        assertEquals(0755, mode(l.dir()), "the root's mode is the store's");
        assertEquals("x", Files.readString(l.dir().resolve("a")));
    }

    @Test
    void symlinkThenWriteThrough_isRefusedAsEscape() {
        refused(Kind.ESCAPE, "evil/owned", tar(symlink("evil", canary.toString()), file("evil/owned", "x")));
    }

    @Test
    void relativeSymlinkThenWriteThrough_isRefusedAsEscape() {
        refused(Kind.ESCAPE, "d/l/owned", tar(dir("d"), symlink("d/l", "../../../../canary"), file("d/l/owned", "x")));
    }

    @Test
    void symlinkThenDirectoryThenWriteThrough_isRefusedAsEscape() {
        refused(Kind.ESCAPE, "evil/dir/", tar(symlink("evil", canary.toString()), dir("evil/dir")));
    }

    @Test
    void whiteoutThroughSymlink_isRefusedAsEscape() {
        refused(Kind.ESCAPE, "evil/.wh.file", tar(symlink("evil", canary.toString()), file("evil/.wh.file", "")));
    }

    @Test
    void fileReplacingASymlink_replacesTheLinkNotItsTarget() throws IOException {
        Layer l = store.importLayer(new ByteArrayInputStream(tar(symlink("l", canary.resolve("file").toString()),
                entry("l", TarArchiveEntry.LF_NORMAL, "mine", 0777, null))), null);
        assertTrue(Files.isRegularFile(l.dir().resolve("l"), LinkOption.NOFOLLOW_LINKS));
        assertEquals("mine", Files.readString(l.dir().resolve("l")));
    }

    // ---- hard links

    @Test
    void hardLinkOutsideTheRoot_isRefused() {
        refused(Kind.HARDLINK, "h", tar(hardlink("h", "../../canary/file")));
    }

    @Test
    void hardLinkToAbsoluteHostFile_isRefused() {
        refused(Kind.HARDLINK, "h", tar(hardlink("h", canary.resolve("file").toString())));
    }

    @Test
    void hardLinkThroughASymlink_isRefused() {
        refused(Kind.HARDLINK, "h", tar(symlink("s", canary.toString()), hardlink("h", "s/file")));
    }

    @Test
    void hardLinkToALaterEntry_isRefused() {
        refused(Kind.HARDLINK, "h", tar(hardlink("h", "later"), file("later", "x")));
    }

    @Test
    void hardLinkToADirectory_isRefused() {
        refused(Kind.HARDLINK, "h", tar(dir("d"), hardlink("h", "d")));
    }

    @Test
    void hardLinkToAnEarlierFile_isUnpackedAsALink() throws IOException {
        Layer l = store.importLayer(new ByteArrayInputStream(tar(file("a", "same"), hardlink("b", "a"))), null);
        assertEquals(Files.getAttribute(l.dir().resolve("a"), "unix:ino"), Files.getAttribute(l.dir().resolve("b"), "unix:ino"));
    }

    // ---- special files and mode bits

    @Test
    void characterDevice_isRefused() {
        refused(Kind.SPECIAL_FILE, "dev/mem", tar(entry("dev/mem", TarArchiveEntry.LF_CHR, "", 0666, null)));
    }

    @Test
    void blockDevice_isRefused() {
        refused(Kind.SPECIAL_FILE, "dev/sda", tar(entry("dev/sda", TarArchiveEntry.LF_BLK, "", 0666, null)));
    }

    @Test
    void fifo_isRefused() {
        refused(Kind.SPECIAL_FILE, "run/pipe", tar(entry("run/pipe", TarArchiveEntry.LF_FIFO, "", 0666, null)));
    }

    @Test
    void setuidAndSetgid_areStripped_stickyStaysOnDirectories() throws IOException {
        Layer l = store.importLayer(new ByteArrayInputStream(tar(
                entry("bin/su", TarArchiveEntry.LF_NORMAL, "#!", 06755, null),
                entry("tmp", TarArchiveEntry.LF_DIR, "", 01777, null),
                entry("shared", TarArchiveEntry.LF_DIR, "", 02775, null))), null);
        assertEquals(0755, mode(l.dir().resolve("bin/su")));
        assertEquals(01777, mode(l.dir().resolve("tmp")));
        assertEquals(0775, mode(l.dir().resolve("shared")));
    }

    // ---- limits

    @Test
    void moreBytesThanTheLimit_isRefusedBeforeWriting() {
        refused(Kind.LIMIT, "big", tar(file("small", "x"), file("big", "y".repeat((1 << 20) + 1))));
    }

    @Test
    void moreEntriesThanTheLimit_isRefused() {
        List<Spec> entries = new ArrayList<>();
        for (int i = 0; i < 101; i++) {
            entries.add(file("f" + i, ""));
        }
        refused(Kind.LIMIT, "f100", tar(entries.toArray(new Spec[0])));
    }

    @Test
    void gzipBomb_isRefusedByItsRatio() throws IOException {
        ByteArrayOutputStream gz = new ByteArrayOutputStream();
        try (TarArchiveOutputStream t = new TarArchiveOutputStream(new GZIPOutputStream(gz))) {
            TarArchiveEntry e = new TarArchiveEntry("zeros");
            e.setSize(64L << 20);
            t.putArchiveEntry(e);
            byte[] zeros = new byte[1 << 20];
            for (int i = 0; i < 64; i++) {
                t.write(zeros);
            }
            t.closeArchiveEntry();
        }
        assertTrue(gz.size() < 1 << 20, "64 MiB of zeros compress to " + gz.size());
        refused(Kind.LIMIT, "layer", gz.toByteArray());
    }

    @Test
    void gzipLayer_withinTheLimits_isStoredUncompressed() throws IOException {
        byte[] plain = tar(file("a", "hello"));
        ByteArrayOutputStream gz = new ByteArrayOutputStream();
        try (GZIPOutputStream out = new GZIPOutputStream(gz)) {
            out.write(plain);
        }
        Layer l = store.importLayer(new ByteArrayInputStream(gz.toByteArray()), LayerDigest.of(plain));
        assertEquals(LayerDigest.of(plain), l.digest());
        assertArrayEquals(plain, store.readBlob(l.digest()));
    }

    // ---- damaged streams: typed errors, no hang

    @Test
    void truncatedTar_isMalformed() {
        byte[] whole = tar(file("a", "x".repeat(5000)), file("b", "y"));
        refused(Kind.MALFORMED, "a", Arrays.copyOf(whole, 1536));
    }

    @Test
    void truncatedGzip_isMalformed() throws IOException {
        ByteArrayOutputStream gz = new ByteArrayOutputStream();
        try (GZIPOutputStream out = new GZIPOutputStream(gz)) {
            out.write(tar(file("a", "some content that compresses ".repeat(200))));
        }
        refused(Kind.MALFORMED, "layer", Arrays.copyOf(gz.toByteArray(), gz.size() / 2));
    }

    @Test
    void garbageHeader_isMalformed() {
        byte[] junk = tar(file("a", "x"));
        Arrays.fill(junk, 100, 200, (byte) 0x7f); // mode, owner and size fields of the first header
        refused(Kind.MALFORMED, "after (start of the tar)", junk);
    }

    // ---- whiteouts in overlayfs's format (root only: mknod and trusted.* xattrs)

    @Test
    void whiteoutsAndOpaqueDirs_becomeOverlayWhiteouts() throws IOException {
        assumeTrue(isRoot(), "whiteouts need CAP_MKNOD");
        Layer l = store.importLayer(new ByteArrayInputStream(tar(file("etc/.wh.passwd", ""), file("var/cache/.wh..wh..opq", ""),
                file("kept", "x"), file(".wh.kept", ""))), null);
        Path wh = l.dir().resolve("etc/passwd");
        assertFalse(Files.exists(l.dir().resolve("etc/.wh.passwd"), LinkOption.NOFOLLOW_LINKS));
        assertEquals(0020000, (Integer) Files.getAttribute(wh, "unix:mode", LinkOption.NOFOLLOW_LINKS) & 0170000, "a character device");
        assertEquals(0L, ((Number) Files.getAttribute(wh, "unix:rdev", LinkOption.NOFOLLOW_LINKS)).longValue(), "0/0");
        UserDefinedFileAttributeView x = Files.getFileAttributeView(l.dir().resolve("var/cache"), UserDefinedFileAttributeView.class);
        ByteBuffer b = ByteBuffer.allocate(8);
        x.read("overlay.opaque", b);
        assertEquals("y", new String(b.array(), 0, b.position(), StandardCharsets.US_ASCII));
        assertEquals("x", Files.readString(l.dir().resolve("kept")), "the layer's own entry wins over its whiteout");
        assertFalse(Files.exists(l.dir().resolve(".wh.kept"), LinkOption.NOFOLLOW_LINKS));
    }

    // ---- helpers

    private void refused(Kind kind, String entry, byte[] tar) {
        Executable importIt = () -> store.importLayer(new ByteArrayInputStream(tar), null);
        ImageException.BadLayer e = assertThrows(ImageException.BadLayer.class, importIt);
        assertEquals(kind, e.kind(), e.getMessage());
        assertEquals(entry, e.entry(), e.getMessage());
        assertTrue(e.getMessage().contains(entry), e.getMessage());
        try (Stream<Path> s = Files.list(paths.layersDir()); Stream<Path> b = Files.list(paths.blobsDir())) {
            assertEquals(List.of(), s.toList(), "no layer tree of a refused tar");
            assertEquals(List.of(), b.toList(), "no blob of a refused tar");
            assertFalse(Files.exists(paths.pack()) && Files.size(paths.pack()) > 16, "nothing packed of a refused tar");
        } catch (java.nio.file.NoSuchFileException none) {
            // nothing was ever stored
        } catch (IOException io) {
            throw new UncheckedIOException(io);
        }
    }

    private static Spec file(String name, String content) {
        return entry(name, TarArchiveEntry.LF_NORMAL, content, 0644, null);
    }

    private static Spec dir(String name) {
        return entry(name + "/", TarArchiveEntry.LF_DIR, "", 0755, null);
    }

    private static Spec symlink(String name, String target) {
        return entry(name, TarArchiveEntry.LF_SYMLINK, "", 0777, target);
    }

    private static Spec hardlink(String name, String target) {
        return entry(name, TarArchiveEntry.LF_LINK, "", 0644, target);
    }

    /** One crafted entry, as a hostile producer might write it. */
    private record Spec(String name, byte type, String content, int mode, String link) {}

    private static Spec entry(String name, byte type, String content, int mode, String link) {
        return new Spec(name, type, content, mode, link);
    }

    private static byte[] tar(Spec... entries) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (TarArchiveOutputStream t = new TarArchiveOutputStream(out)) {
            t.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            for (Spec s : entries) {
                TarArchiveEntry e = new TarArchiveEntry(s.name(), s.type(), true);
                if (s.link() != null) {
                    e.setLinkName(s.link());
                }
                byte[] bytes = s.content().getBytes(StandardCharsets.UTF_8);
                e.setSize(s.type() == TarArchiveEntry.LF_NORMAL ? bytes.length : 0);
                e.setMode(s.mode());
                t.putArchiveEntry(e);
                if (s.type() == TarArchiveEntry.LF_NORMAL) {
                    t.write(bytes);
                }
                t.closeArchiveEntry();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    private static List<String> snapshot(Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            return s.map(p -> {
                try {
                    return dir.relativize(p) + " " + mode(p) + " " + (Files.isRegularFile(p) ? Files.readString(p) : "");
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }).sorted().toList();
        }
    }

    private static int mode(Path p) throws IOException {
        return (Integer) Files.getAttribute(p, "unix:mode", LinkOption.NOFOLLOW_LINKS) & 07777;
    }

    private static boolean isRoot() throws IOException {
        return (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid") == 0;
    }
}
