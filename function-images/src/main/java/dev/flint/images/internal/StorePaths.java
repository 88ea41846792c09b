package dev.flint.images.internal;

import dev.flint.images.ImageRef;
import dev.flint.images.LayerDigest;
import java.nio.file.Path;
import java.util.Optional;
import java.util.UUID;

/**
 * Resolves every path of a store; no other class builds one. The layout (docs/images.md):
 *
 * <pre>
 * &lt;root&gt;/blobs/sha256/&lt;hex&gt;          every blob: layer tars, configs, manifests (as in an OCI layout)
 * &lt;root&gt;/layers/sha256/&lt;hex&gt;/         the tree unpacked from layer tar &lt;hex&gt;: an overlayfs lower dir
 * &lt;root&gt;/layers/sha256/&lt;hex&gt;.json     its unpack record, written last: no record, not finished
 * &lt;root&gt;/tags/&lt;name&gt;/&lt;tag&gt;           the manifest digest a tag points at ('/' in names as '+')
 * &lt;root&gt;/locks/                          lock files: one per digest being imported, store.lock for prune
 * &lt;root&gt;/tmp/                            temporary names, moved into place when complete; a pull's
 *                                           partial downloads (pull-&lt;hex&gt;.partial)
 * &lt;root&gt;/cache/debian/                   downloaded Debian packages (not content of the store)
 * </pre>
 *
 * Everything below one root is on one file system, so a move from tmp/ into place is a rename.
 */
public final class StorePaths {
    private static final String SHA256 = "sha256";
    private static final String RECORD_SUFFIX = ".json";

    private final Path root;

    public StorePaths(Path root) {
        this.root = root.toAbsolutePath().normalize();
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

    /** A tag file. The name's '/' become '+', which the reference grammar does not allow, so names cannot collide. */
    public Path tag(ImageRef ref) {
        return tagsDir().resolve(ref.name().replace('/', '+')).resolve(ref.tag());
    }

    /** The reference a tag file at {@code tags/<dir>/<file>} stands for. */
    public static ImageRef refOfTag(String dirName, String fileName) {
        return ImageRef.of(dirName.replace('+', '/'), fileName);
    }

    public Path locksDir() {
        return root.resolve("locks");
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
