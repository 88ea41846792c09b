package dev.flint.images.internal;

import dev.flint.images.ImageException;
import dev.flint.images.LayerDigest;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.DigestInputStream;
import java.security.MessageDigest;

/**
 * The blobs of a store: {@code blobs/sha256/<hex>}, or, for small ones (configs, manifests,
 * function code: at most {@link BlobPack#SMALL_BYTES}), an entry of the store's {@link BlobPack}.
 * A blob is written to a temporary name while its digest is computed, and renamed into place (or
 * appended to the pack) only when the digest is the expected one; reading one back checks its
 * digest again, so a blob damaged on disk is reported, never returned. Thread-safe (each write has
 * a name of its own; the rename is atomic; the pack has a lock).
 */
public final class BlobStore {
    private final StorePaths paths;
    private final BlobPack pack;

    public BlobStore(StorePaths paths, StoreLocks locks) {
        this.paths = paths;
        this.pack = new BlobPack(paths, locks);
    }

    /** The pack of small blobs, for prune. */
    public BlobPack pack() {
        return pack;
    }

    /** A blob written to a temporary name and hashed, not yet in place. Delete it or {@link #commit} it. */
    public record Staged(Path file, LayerDigest digest, long size) {}

    /** Something that writes a blob's bytes, such as a tar being packed. */
    @FunctionalInterface
    public interface Content {
        void writeTo(OutputStream out) throws IOException;
    }

    /** Writes {@code in} to a temporary file, hashing it; fails with a mismatch when {@code expected} is given and differs. */
    public Staged stage(InputStream in, LayerDigest expected) {
        return stage(in::transferTo, expected);
    }

    /** Has {@code content} write a temporary file, hashing it; fails with a mismatch when {@code expected} is given and differs. */
    public Staged stage(Content content, LayerDigest expected) {
        return stage(content, expected, true);
    }

    /**
     * Like {@link #stage(Content, LayerDigest)}; when {@code durable} is false the file is not
     * fsync'ed, and the caller calls {@link #sync} before {@link #commit} (an import overlaps that
     * wait with unpacking).
     */
    public Staged stage(Content content, LayerDigest expected, boolean durable) {
        Path tmp = paths.newTemp("blob");
        try {
            Files.createDirectories(tmp.getParent());
            MessageDigest md = LayerDigest.sha256();
            long size;
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                CountingDigestStream out = new CountingDigestStream(java.nio.channels.Channels.newOutputStream(ch), md);
                OutputStream buffered = new java.io.BufferedOutputStream(out, 1 << 16);
                content.writeTo(buffered);
                buffered.flush();
                size = out.count;
                if (durable) {
                    ch.force(true); // durable before the rename makes it visible
                }
            }
            LayerDigest actual = LayerDigest.of(md);
            if (expected != null && !expected.equals(actual)) {
                throw new ImageException.DigestMismatch(expected, actual);
            }
            return new Staged(tmp, actual, size);
        } catch (IOException e) {
            deleteQuietly(tmp);
            throw new ImageException.StoreFailed("cannot write blob", tmp, e);
        } catch (RuntimeException e) {
            deleteQuietly(tmp);
            throw e;
        }
    }

    /** Hashes and counts what goes through it. */
    private static final class CountingDigestStream extends java.io.FilterOutputStream {
        private final MessageDigest md;
        private long count;

        CountingDigestStream(OutputStream out, MessageDigest md) {
            super(out);
            this.md = md;
        }

        @Override
        public void write(int b) throws IOException {
            out.write(b);
            md.update((byte) b);
            count++;
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
            md.update(b, off, len);
            count += len;
        }
    }

    /** Makes a staged blob durable (fsync), before {@link #commit} makes it visible. */
    public void sync(Staged staged) {
        try (FileChannel ch = FileChannel.open(staged.file(), StandardOpenOption.WRITE)) {
            ch.force(true);
        } catch (IOException e) {
            throw new ImageException.StoreFailed("cannot sync blob", staged.file(), e);
        }
    }

    /**
     * Moves a staged blob into place (a small one into the pack, and its file deleted). An existing
     * blob of the same digest is replaced by the new, verified copy, which also heals one that was
     * damaged on disk.
     */
    public void commit(Staged staged) {
        if (staged.size() <= BlobPack.SMALL_BYTES) {
            try {
                pack.put(staged.digest(), Files.readAllBytes(staged.file()));
            } catch (IOException e) {
                throw new ImageException.StoreFailed("cannot read staged blob", staged.file(), e);
            } finally {
                deleteQuietly(staged.file());
            }
            deleteQuietly(paths.blob(staged.digest())); // a damaged file of it from before would be read first
            return;
        }
        Path target = paths.blob(staged.digest());
        try {
            Files.createDirectories(target.getParent());
            Files.move(staged.file(), target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            deleteQuietly(staged.file());
            throw new ImageException.StoreFailed("cannot move blob into place at", target, e);
        }
    }

    /** Stores bytes (a config, a manifest) and returns their digest. */
    public LayerDigest put(byte[] content) {
        if (content.length <= BlobPack.SMALL_BYTES) {
            LayerDigest d = LayerDigest.of(content);
            pack.put(d, content);
            return d;
        }
        Staged s = stage(new java.io.ByteArrayInputStream(content), null);
        commit(s);
        return s.digest();
    }

    public boolean exists(LayerDigest d) {
        return Files.isRegularFile(paths.blob(d)) || pack.has(d);
    }

    /** Whether the blob is kept in the pack (so it has no file of its own). */
    public boolean isPacked(LayerDigest d) {
        return !Files.isRegularFile(paths.blob(d)) && pack.has(d);
    }

    /** Reads a blob whole (meant for small ones), checking its digest. */
    public byte[] read(LayerDigest d) {
        if (isPacked(d)) {
            return pack.read(d);
        }
        Path p = paths.blob(d);
        byte[] content;
        try {
            content = Files.readAllBytes(p);
        } catch (NoSuchFileException e) {
            throw new ImageException.Corrupt(d, "blob missing from the store",
                    "the store lost it: rebuild or re-import the image that uses it");
        } catch (IOException e) {
            throw new ImageException.StoreFailed("cannot read blob", p, e);
        }
        if (!LayerDigest.of(content).equals(d)) {
            throw corrupt(d);
        }
        return content;
    }

    /** Opens a blob for streaming; the caller checks the digest with {@link #verify} or while reading. */
    public InputStream open(LayerDigest d) throws IOException {
        if (isPacked(d)) {
            return new java.io.ByteArrayInputStream(pack.read(d));
        }
        try {
            return Files.newInputStream(paths.blob(d));
        } catch (NoSuchFileException e) {
            throw new ImageException.Corrupt(d, "blob missing from the store", "rebuild or re-import the image that uses it");
        }
    }

    /** Reads a blob through and checks its digest; a damaged blob is an {@link ImageException.Corrupt}. */
    public void verify(LayerDigest d) {
        if (isPacked(d)) {
            pack.read(d); // checked as it is read
            return;
        }
        MessageDigest md = LayerDigest.sha256();
        try (InputStream in = new DigestInputStream(open(d), md)) {
            in.transferTo(OutputStream.nullOutputStream());
        } catch (IOException e) {
            throw new ImageException.StoreFailed("cannot read blob", paths.blob(d), e);
        }
        if (!LayerDigest.of(md).equals(d)) {
            throw corrupt(d);
        }
    }

    public long size(LayerDigest d) {
        if (isPacked(d)) {
            return pack.size(d);
        }
        try {
            return Files.size(paths.blob(d));
        } catch (IOException e) {
            return 0;
        }
    }

    public static ImageException.Corrupt corrupt(LayerDigest d) {
        return new ImageException.Corrupt(d, "blob content no longer matches its digest",
                "the file was changed or damaged on disk: rebuild or re-import the image, which replaces it");
    }

    static void deleteQuietly(Path p) {
        try {
            Files.deleteIfExists(p);
        } catch (IOException e) {
            // prune clears tmp/ of what is left
        }
    }
}
