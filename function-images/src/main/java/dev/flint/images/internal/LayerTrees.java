package dev.flint.images.internal;

import dev.flint.images.ImageException;
import dev.flint.images.LayerDigest;
import dev.flint.images.LayerLimits;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.DigestInputStream;
import java.security.MessageDigest;

/**
 * The unpacked trees of layers, {@code layers/sha256/<hex>/}, each with its unpack record
 * {@code <hex>.json}; a small layer's (its blob in the pack) may be in the store's small-tree cache
 * instead ({@link StorePaths#smallLayerDir}). A tree is unpacked from its blob under a temporary
 * name and renamed into place, and the record is written after it: a tree without a record never
 * finished and is never used.
 *
 * <p>{@link #ensureUnpacked} must be called under the layer's digest lock; the other methods read.
 */
public final class LayerTrees {
    private final StorePaths paths;
    private final BlobStore blobs;
    private final LayerLimits limits;

    public LayerTrees(StorePaths paths, BlobStore blobs, LayerLimits limits) {
        this.paths = paths;
        this.blobs = blobs;
        this.limits = limits;
    }

    /**
     * Makes sure the tree of a stored layer blob is unpacked and recorded: nothing to do when it is,
     * otherwise whatever incomplete tree is there is removed and the blob unpacked afresh (its digest
     * checked while reading). Caller holds the digest lock.
     */
    public Path ensureUnpacked(LayerDigest d) {
        return ensureUnpacked(d, null, () -> { });
    }

    /** Where a layer's tree and record are: in the small-tree cache when its blob is (or will be) packed. */
    private record Where(Path dir, Path record) {}

    private Where where(LayerDigest d, boolean small) {
        return small ? new Where(paths.smallLayerDir(d), paths.smallLayerRecord(d)) : new Where(paths.layerDir(d), paths.layerRecord(d));
    }

    private Where where(LayerDigest d) {
        return where(d, blobs.isPacked(d));
    }

    /** Whether this layer's tree is a cache that can be rebuilt from the pack (it is small and the store has a cache). */
    public boolean isCached(LayerDigest d) {
        return paths.smallTreesDir().isPresent() && blobs.isPacked(d);
    }

    /**
     * Unpacks a layer that is being imported from its staged blob, {@code staged}: a file hashed as
     * it was written a moment ago (so it is not hashed again) and not yet in place. When the tree is
     * unpacked and listed, {@code beforeInstall} runs (the import waits there for the blob to be
     * durable and moves it into place: a blob is always in place before its tree) and then the tree
     * is moved into place and recorded. Caller holds the digest lock.
     */
    public Path ensureUnpacked(LayerDigest d, Path staged, Runnable beforeInstall) {
        Where w;
        try {
            w = staged != null ? where(d, Files.size(staged) <= BlobPack.SMALL_BYTES) : where(d);
        } catch (IOException e) {
            throw new ImageException.StoreFailed("cannot read staged layer", staged, e);
        }
        Path dir = w.dir();
        if (isComplete(w, d)) {
            beforeInstall.run();
            return dir;
        }
        // A cached tree is unpacked on the cache's file system, so that its move into place is a rename.
        Path tmp = dir.getParent().resolve(".tmp-" + d.hex() + "-" + java.util.UUID.randomUUID());
        try {
            if (paths.smallTreesDir().isPresent() && dir.startsWith(paths.smallTreesDir().get())) {
                SmallTreeCache.check(paths.root(), paths.smallTreesDir().get()); // checked again: it lives in /dev/shm
            }
            Trees.delete(w.record());
            Trees.delete(dir);
            Files.createDirectories(tmp.getParent());
            MessageDigest md = LayerDigest.sha256();
            InputStream raw = new BufferedInputStream(staged != null ? Files.newInputStream(staged) : blobs.open(d), 1 << 16);
            try (InputStream in = staged != null ? raw : new DigestInputStream(raw, md)) {
                LayerUnpacker.unpack(in, tmp, limits);
                if (staged == null) {
                    in.transferTo(OutputStream.nullOutputStream()); // the tar's end blocks count too
                }
            }
            if (staged == null && !LayerDigest.of(md).equals(d)) {
                throw BlobStore.corrupt(d);
            }
            TreeListing listing = TreeListing.of(tmp);
            beforeInstall.run();
            Files.createDirectories(dir.getParent());
            Files.move(tmp, dir, StandardCopyOption.ATOMIC_MOVE);
            writeRecord(w, d, listing);
            return dir;
        } catch (IOException e) {
            throw new ImageException.StoreFailed("cannot unpack layer " + d + " into", dir, e);
        } finally {
            try {
                Trees.delete(tmp);
            } catch (IOException e) {
                // prune clears tmp/ of what is left
            }
        }
    }

    private void writeRecord(Where w, LayerDigest d, TreeListing listing) throws IOException {
        Path tmp = w.record().resolveSibling(".tmp-record-" + java.util.UUID.randomUUID());
        Files.write(tmp, StoreJson.layerRecord(d, listing));
        Files.move(tmp, w.record(), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    /** Whether the tree is there with a readable record of this layer. */
    public boolean isComplete(LayerDigest d) {
        return isComplete(where(d), d);
    }

    private boolean isComplete(Where w, LayerDigest d) {
        if (!Files.isDirectory(w.dir())) {
            return false;
        }
        try {
            readRecord(w, d);
            return true;
        } catch (ImageException.Corrupt e) {
            return false;
        }
    }

    /** The record of a finished tree; {@link ImageException.Corrupt} when there is none or it is damaged. */
    public TreeListing readRecord(LayerDigest d) {
        return readRecord(where(d), d);
    }

    private static TreeListing readRecord(Where w, LayerDigest d) {
        try {
            return StoreJson.parseLayerRecord(Files.readAllBytes(w.record()), d);
        } catch (NoSuchFileException e) {
            throw new ImageException.Corrupt(d, "layer tree " + w.dir() + " never finished unpacking (no unpack record)",
                    "build or import the image again, which unpacks it afresh");
        } catch (IOException | IllegalArgumentException e) {
            throw new ImageException.Corrupt(d, "layer unpack record " + w.record() + " is damaged: " + e.getMessage(),
                    "build or import the image again, which unpacks it afresh");
        }
    }

    /** The cheap check done before every use: the tree is there and finished. Returns its directory. */
    public Path check(LayerDigest d) {
        Where w = where(d);
        if (!Files.isDirectory(w.dir())) {
            throw new ImageException.Corrupt(d, "layer tree " + w.dir() + " is missing",
                    "build or import the image again, which unpacks it afresh");
        }
        readRecord(w, d);
        return w.dir();
    }

    /**
     * The deep check: walks the tree and compares it with its record. A tree that changed loses its
     * record (so it is incomplete from now on, never used, and unpacked afresh by the next import)
     * and is reported as {@link ImageException.Corrupt}.
     */
    public void verify(LayerDigest d) {
        Where w = where(d);
        TreeListing recorded = readRecord(w, d);
        TreeListing now;
        try {
            now = TreeListing.of(check(d));
        } catch (IOException e) {
            throw new ImageException.StoreFailed("cannot walk layer tree", w.dir(), e);
        }
        if (!now.equals(recorded)) {
            try {
                Files.deleteIfExists(w.record());
            } catch (IOException e) {
                // reported below all the same
            }
            throw new ImageException.Corrupt(d, "layer tree " + w.dir() + " changed after unpacking ("
                    + now.entries() + " entries, " + now.bytes() + " bytes; unpacked " + recorded.entries() + ", " + recorded.bytes() + ")",
                    "build or import the image again, which unpacks it afresh");
        }
    }
}
