package dev.flint.images;

import dev.flint.images.internal.DeterministicTar;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Random;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

/** Layer tars for tests: packed from small trees, or crafted entry by entry. */
final class TestLayers {
    private TestLayers() {
    }

    /** Writes files (relative path to content) below dir, making parents. */
    static Path tree(Path dir, Map<String, String> files) {
        try {
            Files.createDirectories(dir);
            for (Map.Entry<String, String> f : files.entrySet()) {
                Path p = dir.resolve(f.getKey());
                Files.createDirectories(p.getParent());
                Files.writeString(p, f.getValue());
            }
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A deterministic tar of the files. */
    static byte[] tar(Path scratch, Map<String, String> files) {
        return pack(tree(scratch, files));
    }

    static byte[] pack(Path dir) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            DeterministicTar.write(dir, "", p -> false, out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /** A tree with {@code bytes} of incompressible content in a few files. */
    static Path bulky(Path dir, long bytes, long seed) {
        try {
            Files.createDirectories(dir.resolve("data"));
            Random r = new Random(seed);
            int files = 8;
            for (int i = 0; i < files; i++) {
                byte[] b = new byte[(int) (bytes / files)];
                r.nextBytes(b);
                Files.write(dir.resolve("data/blob" + i), b);
            }
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** One crafted entry: a name, a type flag, and for files a content or for links a target. */
    record Entry(String name, byte type, String contentOrTarget) {}

    /** A tar of crafted entries, as a hostile or careless producer might write it. */
    static byte[] crafted(Entry... entries) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (TarArchiveOutputStream tar = new TarArchiveOutputStream(out)) {
            tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            for (Entry e : entries) {
                TarArchiveEntry te = new TarArchiveEntry(e.name(), e.type(), true);
                if (e.type() == TarArchiveEntry.LF_SYMLINK || e.type() == TarArchiveEntry.LF_LINK) {
                    te.setLinkName(e.contentOrTarget());
                }
                byte[] content = e.type() == TarArchiveEntry.LF_NORMAL ? e.contentOrTarget().getBytes(StandardCharsets.UTF_8) : new byte[0];
                te.setSize(content.length);
                te.setMode(e.type() == TarArchiveEntry.LF_DIR ? 0755 : 0644);
                tar.putArchiveEntry(te);
                tar.write(content);
                tar.closeArchiveEntry();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /**
     * Flips a byte in the stored bytes of blob {@code d}'s last entry in a store's pack (its format:
     * a 16-byte file header, then per entry "FLPK", the file's id, flags, sha256, stored length,
     * size, stored bytes), as damage on disk would.
     */
    static void damagePacked(Path pack, LayerDigest d) {
        try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(pack,
                java.nio.file.StandardOpenOption.READ, java.nio.file.StandardOpenOption.WRITE)) {
            java.nio.ByteBuffer all = java.nio.ByteBuffer.allocate((int) ch.size());
            while (all.hasRemaining() && ch.read(all, all.position()) > 0) {
                // read on
            }
            all.flip();
            byte[] want = java.util.HexFormat.of().parseHex(d.hex());
            long found = -1;
            for (int at = 16; at + 53 <= all.limit(); ) { // after the file's header (magic, id)
                byte[] digest = new byte[32];
                all.get(at + 13, digest);
                int stored = all.getInt(at + 45);
                if (java.util.Arrays.equals(digest, want)) {
                    found = at + 53 + stored / 2;
                }
                at += 53 + stored;
            }
            if (found < 0) {
                throw new AssertionError(d + " is not in " + pack);
            }
            java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(1);
            ch.read(b, found);
            b.put(0, (byte) (b.get(0) ^ 0x55)).rewind();
            ch.write(b, found);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
