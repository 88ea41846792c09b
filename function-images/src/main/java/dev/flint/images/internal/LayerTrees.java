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
 * {@code <hex>.json}. A tree is unpacked from its blob under a temporary name and renamed into place,
 * and the record is written after it: a tree without a record never finished and is never used.
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

    /**
     * Unpacks a layer that is being imported from its staged blob, {@code staged}: a file hashed as
     * it was written a moment ago (so it is not hashed again) and not yet in place. When the tree is
     * unpacked and listed, {@code beforeInstall} runs (the import waits there for the blob to be
     * durable and moves it into place: a blob is always in place before its tree) and then the tree
     * is moved into place and recorded. Caller holds the digest lock.
     */
    public Path ensureUnpacked(LayerDigest d, Path staged, Runnable beforeInstall) {
        Path dir = paths.layerDir(d);
        if (isComplete(d)) {
            beforeInstall.run();
            return dir;
        }
        Path tmp = paths.newTemp("layer");
        try {
            Trees.delete(paths.layerRecord(d));
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
            writeRecord(d, listing);
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

    private void writeRecord(LayerDigest d, TreeListing listing) throws IOException {
        Path tmp = paths.newTemp("record");
        Files.write(tmp, StoreJson.layerRecord(d, listing));
        Files.move(tmp, paths.layerRecord(d), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    /** Whether the tree is there with a readable record of this layer. */
    public boolean isComplete(LayerDigest d) {
        if (!Files.isDirectory(paths.layerDir(d))) {
            return false;
        }
        try {
            readRecord(d);
            return true;
        } catch (ImageException.Corrupt e) {
            return false;
        }
    }

    /** The record of a finished tree; {@link ImageException.Corrupt} when there is none or it is damaged. */
    public TreeListing readRecord(LayerDigest d) {
        try {
            return StoreJson.parseLayerRecord(Files.readAllBytes(paths.layerRecord(d)), d);
        } catch (NoSuchFileException e) {
            throw new ImageException.Corrupt(d, "layer tree " + paths.layerDir(d) + " never finished unpacking (no unpack record)",
                    "build or import the image again, which unpacks it afresh");
        } catch (IOException | IllegalArgumentException e) {
            throw new ImageException.Corrupt(d, "layer unpack record " + paths.layerRecord(d) + " is damaged: " + e.getMessage(),
                    "build or import the image again, which unpacks it afresh");
        }
    }

    /** The cheap check done before every use: the tree is there and finished. Returns its directory. */
    public Path check(LayerDigest d) {
        Path dir = paths.layerDir(d);
        if (!Files.isDirectory(dir)) {
            throw new ImageException.Corrupt(d, "layer tree " + dir + " is missing",
                    "build or import the image again, which unpacks it afresh");
        }
        readRecord(d);
        return dir;
    }

    /**
     * The deep check: walks the tree and compares it with its record. A tree that changed loses its
     * record (so it is incomplete from now on, never used, and unpacked afresh by the next import)
     * and is reported as {@link ImageException.Corrupt}.
     */
    public void verify(LayerDigest d) {
        TreeListing recorded = readRecord(d);
        TreeListing now;
        try {
            now = TreeListing.of(check(d));
        } catch (IOException e) {
            throw new ImageException.StoreFailed("cannot walk layer tree", paths.layerDir(d), e);
        }
        if (!now.equals(recorded)) {
            try {
                Files.deleteIfExists(paths.layerRecord(d));
            } catch (IOException e) {
                // reported below all the same
            }
            throw new ImageException.Corrupt(d, "layer tree " + paths.layerDir(d) + " changed after unpacking ("
                    + now.entries() + " entries, " + now.bytes() + " bytes; unpacked " + recorded.entries() + ", " + recorded.bytes() + ")",
                    "build or import the image again, which unpacks it afresh");
        }
    }
}
