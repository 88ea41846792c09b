package dev.flint.images.internal;

import dev.flint.images.ImageRef;
import dev.flint.images.LayerDigest;
import java.nio.file.Path;
import java.util.Optional;
import java.util.UUID;

/**
 * Resolves the paths of a store (temporary names beside a target aside, which Tags and LayerTrees
 * make next to it, and the tree cache's own, SmallTreeCache). The layout (docs/images.md):
 *
 * <pre>
 * &lt;root&gt;/blobs/sha256/&lt;hex&gt;          every bigger blob (layer tars), as in an OCI layout
 * &lt;root&gt;/layers/sha256/&lt;hex&gt;/         the tree unpacked from layer tar &lt;hex&gt;: an overlayfs lower dir
 * &lt;root&gt;/layers/sha256/&lt;hex&gt;.json     its unpack record, written last: no record, not finished
 *                                           (a small layer's tree and record may be in a cache instead)
 * &lt;root&gt;/blobs/small.pack                blobs of at most 64 KiB (configs, manifests, function code), appended
 * &lt;root&gt;/tags/&lt;name&gt;@&lt;tag&gt;           a link to the manifest digest a tag points at ('/' in names as '+')
 * &lt;root&gt;/locks/                          lock files: one per digest being imported (&lt;hex&gt;.lock) and per
 *                                           blob being pulled (&lt;hex&gt;.download.lock), pack.lock, store.lock for prune
 * &lt;root&gt;/tmp/                            temporary names, moved into place when complete; a pull's
 *                                           partial downloads (pull-&lt;hex&gt;.partial)
 * &lt;root&gt;/cache/debian/                   downloaded Debian packages (not content of the store)
 * </pre>
 *
 * Everything below one root is on one file system, so a move from tmp/ into place is a rename; a
 * tree is unpacked beside where it goes (the cache may be on another file system).
 */
public final class StorePaths {
    private static final String SHA256 = "sha256";
    private static final String RECORD_SUFFIX = ".json";

    private final Path root;
    private final Path smallTrees;

    public StorePaths(Path root) {
        this(root, null);
    }

    /**
     * A store whose small layers (blobs in the pack) have their trees below {@code smallTrees}
     * rather than in {@code layers/}: a cache on a memory file system, rebuilt from the pack when
     * it is empty (docs/images.md). Null keeps them in {@code layers/}.
     */
    public StorePaths(Path root, Path smallTrees) {
        this.root = root.toAbsolutePath().normalize();
        this.smallTrees = smallTrees == null ? null : smallTrees.toAbsolutePath().normalize();
    }

    /** Where small layers' trees are cached, if not in {@code layers/}. */
    public Optional<Path> smallTreesDir() {
        return Optional.ofNullable(smallTrees);
    }

    public Path root() {
        return root;
    }

    public Path blobsDir() {
        return root.resolve("blobs").resolve(SHA256);
    }

    public Path blob(LayerDigest d) {
        return blobsDir().resolve(d.hex());
    }

    public Path layersDir() {
        return root.resolve("layers").resolve(SHA256);
    }

    public Path layerDir(LayerDigest d) {
        return layersDir().resolve(d.hex());
    }

    public Path layerRecord(LayerDigest d) {
        return layersDir().resolve(d.hex() + RECORD_SUFFIX);
    }

    /** The tree of a small layer (its blob in the pack). */
    public Path smallLayerDir(LayerDigest d) {
        return smallTrees == null ? layerDir(d) : smallTrees.resolve(d.hex());
    }

    public Path smallLayerRecord(LayerDigest d) {
        return smallTrees == null ? layerRecord(d) : smallTrees.resolve(d.hex() + RECORD_SUFFIX);
    }

    /** The digest a file name under {@link #blobsDir()} or {@link #layersDir()} stands for, if it is one. */
    public static Optional<LayerDigest> digestOfName(String fileName) {
        String hex = fileName.endsWith(RECORD_SUFFIX) ? fileName.substring(0, fileName.length() - RECORD_SUFFIX.length()) : fileName;
        if (!hex.matches("[0-9a-f]{64}")) {
            return Optional.empty();
        }
        return Optional.of(LayerDigest.ofHex(hex));
    }

    public Path tagsDir() {
        return root.resolve("tags");
    }

    /**
     * A tag's link, {@code tags/<name>@<tag>}. The name's '/' become '+', and '@' separates the
     * tag: the reference grammar allows neither in a name, so tags cannot collide.
     */
    public Path tag(ImageRef ref) {
        return tagsDir().resolve(ref.name().replace('/', '+') + "@" + ref.tag());
    }

    /** The reference a tag link's file name stands for; empty for other names (temporary ones). */
    public static Optional<ImageRef> refOfTag(String fileName) {
        int at = fileName.lastIndexOf('@');
        if (at <= 0 || fileName.startsWith(".")) {
            return Optional.empty();
        }
        try {
            return Optional.of(ImageRef.of(fileName.substring(0, at).replace('+', '/'), fileName.substring(at + 1)));
        } catch (dev.flint.images.ImageException e) {
            return Optional.empty();
        }
    }

    public Path locksDir() {
        return root.resolve("locks");
    }

    public Path packLock() {
        return locksDir().resolve("pack.lock");
    }

    /** The small blobs (up to {@link BlobPack#SMALL_BYTES}), appended to one file. */
    public Path pack() {
        return root.resolve("blobs").resolve("small.pack");
    }

    public Path downloadLock(LayerDigest d) {
        return locksDir().resolve(d.hex() + ".download.lock");
    }

    public Path digestLock(LayerDigest d) {
        return locksDir().resolve(d.hex() + ".lock");
    }

    /** Held shared by everything that adds to the store, exclusively by prune. */
    public Path storeLock() {
        return locksDir().resolve("store.lock");
    }

    public Path tmpDir() {
        return root.resolve("tmp");
    }

    /** A fresh name in tmp/ for something of this kind; nothing is created. */
    public Path newTemp(String kind) {
        return tmpDir().resolve(kind + "-" + UUID.randomUUID());
    }

    /** Where a pull collects blob {@code d}'s bytes; left there by an interrupted pull, so the next one resumes. */
    public Path partialDownload(LayerDigest d) {
        return tmpDir().resolve("pull-" + d.hex() + ".partial");
    }

    public Path debianCache() {
        return root.resolve("cache").resolve("debian");
    }
}
