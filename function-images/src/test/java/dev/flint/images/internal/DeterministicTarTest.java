package dev.flint.images.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flint.images.ImageException;
import dev.flint.images.LayerDigest;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DeterministicTarTest {
    private static final String LONG_NAME = "usr/lib/python3.11/" + "very-long-directory-name/".repeat(5) + "module.py";

    @TempDir
    Path tmp;

    /** The same content made in two different ways: other creation order, mtimes, permissions noise, a hard link. */
    private Path makeTree(Path dir, boolean variant) throws IOException {
        List<String> order = new ArrayList<>(List.of("b/two.txt", "a/one.txt", "c", LONG_NAME));
        if (variant) {
            java.util.Collections.reverse(order);
        }
        for (String name : order) {
            Path p = dir.resolve(name);
            Files.createDirectories(p.getParent());
            Files.writeString(p, "content of " + name);
        }
        Files.createDirectories(dir.resolve("tmp"));
        Files.setAttribute(dir.resolve("tmp"), "unix:mode", 01777);
        Files.createSymbolicLink(dir.resolve("link"), Path.of("a/one.txt"));
        Files.writeString(dir.resolve("tool"), "#!/bin/sh\n");
        Files.setPosixFilePermissions(dir.resolve("tool"), PosixFilePermissions.fromString(variant ? "rwxr-x---" : "rwxrwxr-x"));
        Files.setPosixFilePermissions(dir.resolve("c"), PosixFilePermissions.fromString(variant ? "rw-------" : "rw-rw-r--"));
        Files.setLastModifiedTime(dir.resolve("c"), FileTime.fromMillis(variant ? 1_000_000_000_000L : 1_700_000_000_000L));
        if (variant) {
            Files.createLink(dir.resolve("hard"), dir.resolve("c"));
        } else {
            Files.writeString(dir.resolve("hard"), "content of c");
        }
        return dir;
    }

    private static byte[] tar(Path dir) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        DeterministicTar.write(dir, "", p -> false, out);
        return out.toByteArray();
    }

    private static List<TarArchiveEntry> entries(byte[] tar) throws IOException {
        List<TarArchiveEntry> out = new ArrayList<>();
        try (TarArchiveInputStream in = new TarArchiveInputStream(new ByteArrayInputStream(tar))) {
            for (TarArchiveEntry e = in.getNextEntry(); e != null; e = in.getNextEntry()) {
                out.add(e);
            }
        }
        return out;
    }

    @Test
    void write_sameContentMadeDifferently_givesTheSameBytes() throws Exception {
        byte[] first = tar(makeTree(tmp.resolve("one"), false));
        Thread.sleep(1100); // a clock-dependent header (a pax header's mtime, say) would differ now
        byte[] second = tar(makeTree(tmp.resolve("two"), true));

        assertEquals(LayerDigest.of(first), LayerDigest.of(second));
        assertArrayEquals(first, second);
    }

    @Test
    void write_entries_areSortedDepthFirst_withFixedOwnerTimeAndNormalisedModes() throws Exception {
        List<TarArchiveEntry> entries = entries(tar(makeTree(tmp.resolve("t"), true)));
        List<String> names = entries.stream().map(TarArchiveEntry::getName).toList();

        assertEquals(List.of("a/", "a/one.txt", "b/", "b/two.txt", "c", "hard", "link", "tmp/", "tool", "usr/"),
                names.subList(0, 10));
        assertTrue(names.contains(LONG_NAME), "long names kept whole (pax): " + names);
        for (TarArchiveEntry e : entries) {
            assertEquals(0, e.getLongUserId(), e.getName());
            assertEquals(0, e.getLongGroupId(), e.getName());
            assertEquals("", e.getUserName(), e.getName());
            assertEquals("", e.getGroupName(), e.getName());
            assertEquals(0, e.getModTime().getTime(), e.getName());
        }
        assertEquals(01777, find(entries, "tmp/").getMode() & 07777);
        assertEquals(0755, find(entries, "a/").getMode() & 07777);
        assertEquals(0755, find(entries, "tool").getMode() & 07777);
        assertEquals(0644, find(entries, "c").getMode() & 07777);
        assertTrue(find(entries, "hard").isFile(), "hard links become files");
        assertEquals("a/one.txt", find(entries, "link").getLinkName());
    }

    @Test
    void write_withPrefixAndExclusions_putsEverythingBelowThePrefix_andLeavesOutExcludedSubtrees() throws Exception {
        Path dir = makeTree(tmp.resolve("t"), false);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        DeterministicTar.write(dir, "function/code", Set.of("usr", "b/two.txt")::contains, out);
        List<String> names = entries(out.toByteArray()).stream().map(TarArchiveEntry::getName).toList();

        assertEquals("function/", names.get(0));
        assertEquals("function/code/", names.get(1));
        assertTrue(names.stream().allMatch(n -> n.startsWith("function/")), names.toString());
        assertTrue(names.contains("function/code/b/"), names.toString());
        assertFalse(names.contains("function/code/b/two.txt"), names.toString());
        assertFalse(names.stream().anyMatch(n -> n.contains("usr")), names.toString());
    }

    @Test
    void write_contentChange_changesTheDigest() throws Exception {
        Path dir = makeTree(tmp.resolve("t"), false);
        LayerDigest before = LayerDigest.of(tar(dir));
        Files.writeString(dir.resolve("c"), "other");
        assertNotEquals(before, LayerDigest.of(tar(dir)));
    }

    @Test
    void write_aFifo_isRefused_namingIt() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("t"));
        Process mkfifo = new ProcessBuilder("mkfifo", dir.resolve("pipe").toString()).start();
        assertEquals(0, mkfifo.waitFor());
        ImageException.BadLayer e = assertThrows(ImageException.BadLayer.class, () -> tar(dir));
        assertEquals("pipe", e.entry());
    }

    private static TarArchiveEntry find(List<TarArchiveEntry> entries, String name) {
        return entries.stream().filter(e -> e.getName().equals(name)).findFirst().orElseThrow(() -> new AssertionError(name));
    }
}
