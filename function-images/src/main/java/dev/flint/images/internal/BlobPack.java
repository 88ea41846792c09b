package dev.flint.images.internal;

import dev.flint.images.ImageException;
import dev.flint.images.LayerDigest;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.zip.DataFormatException;
import java.util.zip.Deflater;
import java.util.zip.Inflater;

/**
 * Small blobs (configs, manifests, function code layers: at most {@link #SMALL_BYTES}) appended
 * to one file, {@code blobs/small.pack}, so that each does not take file system blocks of its own
 * (a 600-byte manifest as a file takes a 4 KiB block); ADR 0016.
 *
 * <p>The file starts with {@code "FLPACK01"} and a random 8-byte id; each entry is
 * {@code "FLPK" | the file's id | flags (1: deflated) | sha256 (32 bytes) | stored length (u32) |
 * size (u32) | stored bytes}. Every operation opens the file and reads its id: another id means
 * prune's compaction replaced it (live entries copied to a new file with a new id, fsync'ed,
 * renamed over), and the index is built again. Writers take the pack lock ({@link StoreLocks#pack()},
 * across processes), index what others appended, cut off a torn entry a crash left at the end,
 * append, and fsync before they let go. A damaged header in the middle is stepped over by looking
 * for the next entry header of this file. A later entry of a digest wins, so storing a blob again
 * repairs a damaged entry; every read is checked against the digest. Thread-safe.
 */
public final class BlobPack {
    /** The largest blob kept in the pack; bigger ones are files of their own. */
    public static final int SMALL_BYTES = 64 * 1024;
    private static final byte[] FILE_MAGIC = {'F', 'L', 'P', 'A', 'C', 'K', '0', '1'};
    private static final byte[] ENTRY_MAGIC = {'F', 'L', 'P', 'K'};
    private static final int FILE_HEADER = 16;
    private static final int HEADER = 4 + 8 + 1 + 32 + 4 + 4;
    private static final int DEFLATED = 1;
    private static final SecureRandom RANDOM = new SecureRandom();

    /** Where an entry's stored bytes are, and what they are. */
    record Entry(long offset, int stored, int size, boolean deflated) {
        long end() {
            return offset + HEADER + stored;
        }
    }

    /** An entry compaction dropped. */
    public record Dropped(LayerDigest digest, long bytes) {}

    private final Path file;
    private final StoreLocks locks;
    private final Map<LayerDigest, Entry> index = new HashMap<>();
    private byte[] indexedId; // the id of the file the index describes
    private long indexedUpTo;

    public BlobPack(StorePaths paths, StoreLocks locks) {
        this.file = paths.pack();
        this.locks = locks;
    }

    public synchronized boolean has(LayerDigest d) {
        return withFile(ch -> index.containsKey(d), false);
    }

    /** The blob's size, or -1 when the pack does not hold it. */
    public synchronized long size(LayerDigest d) {
        return withFile(ch -> index.containsKey(d) ? (long) index.get(d).size() : -1L, -1L);
    }

    /** Every digest the pack holds. */
    public synchronized Set<LayerDigest> digests() {
        return withFile(ch -> Set.copyOf(index.keySet()), Set.of());
    }

    /** The blob's bytes, checked against its digest; {@link ImageException.Corrupt} when missing or damaged. */
    public synchronized byte[] read(LayerDigest d) {
        byte[] content = withFile(ch -> index.containsKey(d) ? content(ch, d, index.get(d)) : null, null);
        if (content == null) {
            throw new ImageException.Corrupt(d, "blob missing from the store", "the store lost it: rebuild or re-import the image that uses it");
        }
        return content;
    }

    /** Appends the blob unless the pack holds a sound copy of it already. {@code content} must hash to {@code d}. */
    public void put(LayerDigest d, byte[] content) {
        if (content.length > SMALL_BYTES) {
            throw new IllegalArgumentException("blob of " + content.length + " bytes is not small");
        }
        try (StoreLocks.Held one = locks.pack()) {
            synchronized (this) {
                boolean created = !Files.exists(file);
                Files.createDirectories(file.getParent());
                try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
                    if (ch.size() < FILE_HEADER) { // new, or a crash before its header was whole
                        ch.truncate(0);
                        writeFully(ch, fileHeader(newId()), 0);
                        ch.force(true);
                    }
                    indexFrom(ch);
                    if (index.containsKey(d) && sound(ch, d, index.get(d))) {
                        return;
                    }
                    if (ch.size() > indexedUpTo) {
                        ch.truncate(indexedUpTo); // a torn append of a writer that crashed: nothing valid follows it
                    }
                    byte[] deflated = deflate(content);
                    boolean smaller = deflated.length < content.length;
                    byte[] stored = smaller ? deflated : content;
                    ByteBuffer entry = ByteBuffer.allocate(HEADER + stored.length);
                    entry.put(ENTRY_MAGIC).put(indexedId).put((byte) (smaller ? DEFLATED : 0)).put(HexFormat.of().parseHex(d.hex()))
                            .putInt(stored.length).putInt(content.length).put(stored).flip();
                    long at = indexedUpTo;
                    writeFully(ch, entry, at);
                    ch.force(true);
                    Entry e = new Entry(at, stored.length, content.length, smaller);
                    index.put(d, e);
                    indexedUpTo = e.end();
                }
                if (created) {
                    syncDirectory(file.getParent());
                }
            }
        } catch (IOException e) {
            throw new ImageException.StoreFailed("cannot append blob " + d + " to", file, e);
        }
    }

    /**
     * Rewrites the pack with the entries of {@code keep} only (one each), when it holds others or
     * anything else (duplicates, damage, a torn tail); returns the ones dropped. The caller holds
     * the store lock exclusively (prune).
     */
    public List<Dropped> compact(Set<LayerDigest> keep, Path tmp) {
        try (StoreLocks.Held one = locks.pack()) {
            synchronized (this) {
                return compactLocked(keep, tmp);
            }
        }
    }

    private List<Dropped> compactLocked(Set<LayerDigest> keep, Path tmp) {
        List<Dropped> dropped = new ArrayList<>();
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            indexFrom(ch);
            List<Map.Entry<LayerDigest, Entry>> live = new ArrayList<>();
            long liveBytes = FILE_HEADER;
            for (Map.Entry<LayerDigest, Entry> e : index.entrySet()) {
                if (keep.contains(e.getKey())) {
                    live.add(e);
                    liveBytes += e.getValue().end() - e.getValue().offset();
                } else {
                    dropped.add(new Dropped(e.getKey(), e.getValue().size()));
                }
            }
            if (liveBytes == ch.size()) {
                return dropped; // nothing dead, no duplicate, no damage, no torn tail
            }
            byte[] id = newId();
            Files.createDirectories(tmp.getParent());
            try (FileChannel out = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                writeFully(out, fileHeader(id), 0);
                long at = FILE_HEADER;
                for (Map.Entry<LayerDigest, Entry> e : live) {
                    ByteBuffer entry = ByteBuffer.allocate((int) (e.getValue().end() - e.getValue().offset()));
                    readFully(ch, entry, e.getValue().offset());
                    entry.put(ENTRY_MAGIC.length, id).flip(); // the entry now belongs to the new file
                    writeFully(out, entry, at);
                    at += entry.capacity();
                }
                out.force(true);
            }
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            syncDirectory(file.getParent());
            return dropped;
        } catch (NoSuchFileException e) {
            return List.of();
        } catch (IOException e) {
            BlobStore.deleteQuietly(tmp);
            throw new ImageException.StoreFailed("cannot compact", file, e);
        }
    }

    @FunctionalInterface
    private interface Work<T> {
        T apply(FileChannel ch) throws IOException;
    }

    /** Opens the pack, brings the index up to date with it (built afresh for a new file), and works on it. */
    private <T> T withFile(Work<T> work, T whenThereIsNone) {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            indexFrom(ch);
            return work.apply(ch);
        } catch (NoSuchFileException e) {
            forget();
            return whenThereIsNone;
        } catch (IOException e) {
            throw new ImageException.StoreFailed("cannot read", file, e);
        }
    }

    private void forget() {
        index.clear();
        indexedId = null;
        indexedUpTo = FILE_HEADER;
    }

    /**
     * Indexes what was appended since the last look (everything when the file's id changed). A
     * header that does not hold up is stepped over to the next header of this file, if any: when
     * none follows, what is left is a torn tail, and the index ends before it.
     */
    private void indexFrom(FileChannel ch) throws IOException {
        long size = ch.size();
        if (size < FILE_HEADER) {
            forget();
            indexedId = new byte[8]; // no file yet: the first writer makes it
            return;
        }
        ByteBuffer fh = ByteBuffer.allocate(FILE_HEADER);
        readFully(ch, fh, 0);
        byte[] id = Arrays.copyOfRange(fh.array(), 8, 16);
        if (!Arrays.equals(Arrays.copyOf(fh.array(), 8), FILE_MAGIC)) {
            throw new ImageException.StoreFailed("not a pack of small blobs:", file, new IOException("remove it and re-import the images"));
        }
        if (!Arrays.equals(id, indexedId)) {
            forget();
            indexedId = id;
        }
        long at = indexedUpTo;
        while (at + HEADER <= size) {
            Entry e = entryAt(ch, at, size);
            if (e == null) {
                long next = nextHeader(ch, at + 1, size);
                if (next < 0) {
                    break; // a torn tail
                }
                at = next;
                continue;
            }
            indexedUpTo = e.end();
            at = e.end();
        }
    }

    /** The entry whose header is at {@code at} (indexed), or null when there is none there. */
    private Entry entryAt(FileChannel ch, long at, long size) throws IOException {
        ByteBuffer h = ByteBuffer.allocate(HEADER);
        readFully(ch, h, at);
        h.flip();
        byte[] magic = new byte[4];
        byte[] id = new byte[8];
        byte[] digest = new byte[32];
        h.get(magic).get(id);
        int flags = h.get();
        h.get(digest);
        int stored = h.getInt();
        int length = h.getInt();
        Entry e = new Entry(at, stored, length, (flags & DEFLATED) != 0);
        if (!Arrays.equals(magic, ENTRY_MAGIC) || !Arrays.equals(id, indexedId) || stored < 0 || stored > SMALL_BYTES + 1024
                || length < 0 || length > SMALL_BYTES || e.end() > size) {
            return null;
        }
        index.put(LayerDigest.ofHex(HexFormat.of().formatHex(digest)), e);
        return e;
    }

    /** Where the next entry header of this file starts at or after {@code from}, or -1. */
    private long nextHeader(FileChannel ch, long from, long size) throws IOException {
        byte[] want = ByteBuffer.allocate(12).put(ENTRY_MAGIC).put(indexedId).array();
        ByteBuffer buf = ByteBuffer.allocate(64 * 1024);
        for (long at = from; at + HEADER <= size; at += buf.capacity() - want.length) {
            buf.clear();
            int n = ch.read(buf, at);
            byte[] b = buf.array();
            for (int i = 0; i + want.length <= n; i++) {
                if (b[i] == want[0] && Arrays.equals(b, i, i + want.length, want, 0, want.length)
                        && entryAt(ch, at + i, size) != null) {
                    return at + i;
                }
            }
            if (n < buf.capacity()) {
                break;
            }
        }
        return -1;
    }

    private byte[] content(FileChannel ch, LayerDigest d, Entry e) throws IOException {
        byte[] stored = new byte[e.stored()];
        readFully(ch, ByteBuffer.wrap(stored), e.offset() + HEADER);
        byte[] content = e.deflated() ? inflate(stored, e.size(), d) : stored;
        if (content.length != e.size() || !LayerDigest.of(content).equals(d)) {
            throw BlobStore.corrupt(d);
        }
        return content;
    }

    private boolean sound(FileChannel ch, LayerDigest d, Entry e) throws IOException {
        try {
            content(ch, d, e);
            return true;
        } catch (ImageException.Corrupt damaged) {
            return false;
        }
    }

    private static byte[] newId() {
        byte[] id = new byte[8];
        RANDOM.nextBytes(id);
        return id;
    }

    private static ByteBuffer fileHeader(byte[] id) {
        return ByteBuffer.allocate(FILE_HEADER).put(FILE_MAGIC).put(id).flip();
    }

    private static void readFully(FileChannel ch, ByteBuffer buf, long at) throws IOException {
        while (buf.hasRemaining()) {
            if (ch.read(buf, at + buf.position()) < 0) {
                throw new IOException("pack ends inside an entry");
            }
        }
    }

    private static void writeFully(FileChannel ch, ByteBuffer buf, long at) throws IOException {
        while (buf.hasRemaining()) {
            ch.write(buf, at + buf.position());
        }
    }

    /** Makes a rename or a creation in {@code dir} durable. */
    static void syncDirectory(Path dir) throws IOException {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        }
    }

    private static byte[] deflate(byte[] content) {
        Deflater d = new Deflater(Deflater.DEFAULT_COMPRESSION);
        try {
            d.setInput(content);
            d.finish();
            byte[] out = new byte[content.length + 64];
            int n = 0;
            while (!d.finished() && n < out.length) {
                n += d.deflate(out, n, out.length - n);
            }
            return d.finished() ? Arrays.copyOf(out, n) : content;
        } finally {
            d.end();
        }
    }

    private static byte[] inflate(byte[] stored, int size, LayerDigest d) {
        Inflater i = new Inflater();
        try {
            i.setInput(stored);
            byte[] out = new byte[size];
            int n = 0;
            while (n < size && !i.finished()) {
                int got = i.inflate(out, n, size - n);
                if (got == 0 && (i.needsInput() || i.needsDictionary())) {
                    break;
                }
                n += got;
            }
            if (n != size || !i.finished()) {
                throw BlobStore.corrupt(d);
            }
            return out;
        } catch (DataFormatException e) {
            throw BlobStore.corrupt(d);
        } finally {
            i.end();
        }
    }
}
