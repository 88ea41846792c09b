package dev.flint.images;

import dev.flint.images.internal.BlobPack;
import dev.flint.images.internal.BlobStore;
import dev.flint.images.internal.GarbageCollector;
import dev.flint.images.internal.LayerStreams;
import dev.flint.images.internal.LayerTrees;
import dev.flint.images.internal.SmallTreeCache;
import dev.flint.images.internal.StoreJson;
import dev.flint.images.internal.StoreLocks;
import dev.flint.images.internal.StorePaths;
import dev.flint.images.internal.Tags;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * A content-addressed image store in one directory (docs/images.md): layer blobs and their
 * unpacked trees (the overlayfs lower dirs of sandboxes), OCI manifests and configs, tags.
 * Layers shared by images are stored once.
 *
 * <p>Thread-safe, and safe to use from several processes at once: imports of one digest are
 * serialised by a file lock per digest; {@link #prune()} waits until nothing is being added. A
 * caller that adds layers and tags them later holds a {@link #lease()} in between so that a
 * concurrent prune does not remove the untagged layers.
 *
 * <p>Damaged entries are reported as {@link ImageException.Corrupt} naming the digest and never
 * used: manifests and configs are checked against their digests on every read, layer trees must
 * have finished unpacking, and {@link #verify} checks layer blobs and trees in depth.
 */
public final class ImageStore {
    /** Where small layers' trees are cached unless configured otherwise: memory ({@code --tree-cache}, {@code FLINT_TREE_CACHE}). */
    public static final Path MEMORY_TREE_CACHE = Path.of("/dev/shm/flint-trees");

    /** Where the store is unless configured otherwise ({@code --store}, {@code FLINT_STORE}). */
    public static final Path DEFAULT_ROOT = Path.of("/var/lib/flint/images");

    private final StorePaths paths;
    private final BlobStore blobs;
    private final LayerTrees trees;
    private final Tags tags;
    private final StoreLocks locks;

    private final LayerLimits limits;

    private ImageStore(Path root, LayerLimits limits, Path smallTrees) {
        this.paths = new StorePaths(root, smallTrees);
        this.locks = StoreLocks.of(paths);
        this.blobs = new BlobStore(paths, locks);
        this.limits = limits;
        this.trees = new LayerTrees(paths, blobs, limits);
        this.tags = new Tags(paths);
    }

    /** Opens the store at {@code root}, creating its directories when they are not there. */
    public static ImageStore open(Path root) {
        return open(root, LayerLimits.defaults());
    }

    /** Opens the store at {@code root} with limits on what one layer may cost to unpack. */
    public static ImageStore open(Path root, LayerLimits limits) {
        return open(root, limits, null);
    }

    /**
     * Opens the store at {@code root}; the trees of its small layers (function code, at most
     * {@value BlobPack#SMALL_BYTES} bytes of tar) are kept in a directory of its own below
     * {@code treeCacheRoot} (null: in the store), a cache that is rebuilt from the store when it
     * is empty. {@link #MEMORY_TREE_CACHE}, what the server and the CLI use, is in memory, so that
     * such a layer takes disk once, packed (docs/images.md).
     */
    public static ImageStore open(Path root, LayerLimits limits, Path treeCacheRoot) {
        StorePaths plain = new StorePaths(root);
        for (Path dir : List.of(plain.blobsDir(), plain.layersDir(), plain.tagsDir(), plain.locksDir(), plain.tmpDir())) {
            try {
                Files.createDirectories(dir);
            } catch (IOException e) {
                throw new ImageException.StoreFailed("cannot create store directory", dir, e);
            }
        }
        Path cache = treeCacheRoot == null || !SmallTreeCache.usableFor(plain.root()) ? null : SmallTreeCache.of(treeCacheRoot, root);
        if (cache != null) {
            try {
                SmallTreeCache.prepare(plain.root(), cache);
            } catch (ImageException.StoreFailed e) {
                if (!treeCacheRoot.toAbsolutePath().normalize().equals(MEMORY_TREE_CACHE)) {
                    throw e; // a cache someone chose must work
                }
                // The default place is in /dev/shm, where anyone can make the directory first: a
                // store that cannot use it keeps small layers' trees in itself rather than not open.
                System.getLogger(ImageStore.class.getName()).log(System.Logger.Level.WARNING,
                        "small layers' trees stay in the store: " + e.getMessage());
                cache = null;
            }
        }
        ImageStore s = new ImageStore(root, limits, cache);
        if (s.tags.hasEarlierLayout()) {
            try (StoreLocks.Held exclusive = s.locks.exclusive()) { // no prune meanwhile, one migration at a time
                s.tags.migrate();
            }
        }
        return s;
    }

    /** Opens a store that must exist already; {@link ImageException.StoreMissing} otherwise. */
    public static ImageStore openExisting(Path root) {
        return openExisting(root, null);
    }

    /** Like {@link #openExisting(Path)}, with a small-tree cache root as {@link #open(Path, LayerLimits, Path)} takes it. */
    public static ImageStore openExisting(Path root, Path treeCacheRoot) {
        StorePaths paths = new StorePaths(root);
        if (!Files.isDirectory(paths.blobsDir()) || !Files.isDirectory(paths.tagsDir())) {
            throw new ImageException.StoreMissing(paths.root());
        }
        return open(root, LayerLimits.defaults(), treeCacheRoot);
    }

    public Path root() {
        return paths.root();
    }

    /** This store's directory in the small-layer tree cache, when it has one (docs/images.md). */
    public Optional<Path> smallTreeCache() {
        return paths.smallTreesDir();
    }

    /** Keeps prune away until closed; reentrant. Hold one from adding layers until they are tagged. */
    public interface Lease extends AutoCloseable {
        @Override
        void close();
    }

    public Lease lease() {
        return locks.shared()::close;
    }

    /**
     * Imports a layer tar whose digest is known: the stream is stored under a temporary name while
     * hashed, and the layer is kept only when the digest is {@code expected}
     * ({@link ImageException.DigestMismatch} otherwise); then it is unpacked. Importing a layer the
     * store has is cheap and repairs an incomplete tree. {@code expected} may be null to take the
     * content's own digest. A gzip tar is decompressed first, its ratio watched
     * ({@link LayerLimits}), and stored uncompressed, so {@code expected} is then its diff id. An
     * entry or stream the unpacker refuses is an {@link ImageException.BadLayer} of its kind, and
     * the layer is not kept. Does not close {@code tar}.
     */
    public Layer importLayer(InputStream tar, LayerDigest expected) {
        String name = expected == null ? "layer" : expected.toString();
        return add(out -> LayerStreams.uncompressed(tar, name, limits).transferTo(out), expected);
    }

    /** Writes a layer tar, for {@link #addLayer}. */
    @FunctionalInterface
    public interface TarWriter {
        void writeTo(OutputStream out) throws IOException;
    }

    /** Adds a layer whose tar {@code writer} writes (e.g. a tree being packed); its digest is computed. */
    public Layer addLayer(TarWriter writer) {
        return add(writer::writeTo, null);
    }

    private Layer add(BlobStore.Content content, LayerDigest expected) {
        try (StoreLocks.Held shared = locks.shared()) {
            BlobStore.Staged staged = blobs.stage(content, expected, false);
            try (StoreLocks.Held one = locks.digest(staged.digest())) {
                // The blob's fsync (an I/O wait) overlaps the unpacking (CPU); the blob is durable and
                // in place before the tree is. A layer the unpacker refuses is never put in place.
                CompletableFuture<Void> durable = staged.size() <= BlobPack.SMALL_BYTES
                        ? CompletableFuture.completedFuture(null) // the pack's append is fsync'ed instead
                        : CompletableFuture.runAsync(() -> blobs.sync(staged));
                Path dir;
                try {
                    dir = trees.ensureUnpacked(staged.digest(), staged.file(), () -> {
                        join(durable);
                        blobs.commit(staged);
                    });
                } finally {
                    durable.exceptionally(e -> null).join(); // never leave the fsync running past the lock
                }
                return new Layer(staged.digest(), staged.size(), dir);
            } finally {
                try {
                    Files.deleteIfExists(staged.file()); // gone after the commit; there when it failed
                } catch (IOException e) {
                    // prune clears tmp/
                }
            }
        }
    }

    private static void join(CompletableFuture<Void> f) {
        try {
            f.join();
        } catch (java.util.concurrent.CompletionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            throw e;
        }
    }

    /**
     * Writes an image: its config (with the layers' diff ids), a manifest of the layers (bottom
     * first) and the tag, which it moves from whatever it pointed at. The layers must be in the store.
     */
    public Image commit(ImageRef ref, ImageConfig config, List<Layer> layersBottomFirst) {
        try (StoreLocks.Held shared = locks.shared()) {
            List<LayerDigest> diffIds = new ArrayList<>();
            List<Descriptor> descriptors = new ArrayList<>();
            for (Layer l : layersBottomFirst) {
                if (!blobs.exists(l.digest())) {
                    throw new ImageException.Corrupt(l.digest(), "layer blob missing from the store", "import the layer before committing an image of it");
                }
                checkedTree(l.digest());
                diffIds.add(l.digest());
                descriptors.add(l.descriptor());
            }
            byte[] configJson = StoreJson.config(config.withDiffIds(diffIds));
            LayerDigest configDigest = blobs.put(configJson);
            ImageManifest manifest = new ImageManifest(new Descriptor(Descriptor.CONFIG, configDigest, configJson.length),
                    descriptors, Map.of());
            LayerDigest manifestDigest = blobs.put(StoreJson.manifest(manifest));
            tags.write(ref, manifestDigest);
            return load(ref, manifestDigest);
        }
    }

    /** The image a tag points at, checked for use; {@link ImageException.NotFound} when there is no such tag. */
    public Image resolve(ImageRef ref) {
        LayerDigest manifest = tags.read(ref).orElseThrow(() -> new ImageException.NotFound(ref, paths.root()));
        return load(ref, manifest);
    }

    /** Like {@link #resolve} but empty when there is no such tag (a damaged image still throws). */
    public Optional<Image> find(ImageRef ref) {
        return tags.read(ref).map(d -> load(ref, d));
    }

    private Image load(ImageRef ref, LayerDigest manifestDigest) {
        ImageManifest manifest;
        try {
            manifest = StoreJson.parseManifest(blobs.read(manifestDigest));
        } catch (IllegalArgumentException e) {
            throw new ImageException.Corrupt(manifestDigest, "manifest of " + ref + " is not an OCI manifest: " + e.getMessage(), "rebuild the image");
        }
        LayerDigest configDigest = manifest.config().digest();
        ImageConfig config;
        try {
            config = StoreJson.parseConfig(blobs.read(configDigest));
        } catch (IllegalArgumentException e) {
            throw new ImageException.Corrupt(configDigest, "config of " + ref + " is not an OCI image config: " + e.getMessage(), "rebuild the image");
        }
        List<LayerDigest> layerDigests = manifest.layers().stream().map(Descriptor::digest).toList();
        if (!layerDigests.equals(config.diffIds())) {
            throw new ImageException.Corrupt(manifestDigest, "manifest layers of " + ref + " differ from its config's diff ids",
                    "only uncompressed layers are stored for now: rebuild the image");
        }
        List<Path> dirs = new ArrayList<>();
        for (int i = layerDigests.size() - 1; i >= 0; i--) {
            dirs.add(checkedTree(layerDigests.get(i)));
        }
        return new Image(ref, manifestDigest, manifest, config, dirs);
    }

    /** A layer's tree, checked for use; a cached one (small layers) is rebuilt from its blob when the cache lost it. */
    private Path checkedTree(LayerDigest d) {
        if (trees.isCached(d) && !trees.isComplete(d)) {
            try (StoreLocks.Held shared = locks.shared(); StoreLocks.Held one = locks.digest(d)) { // prune waits meanwhile
                return trees.ensureUnpacked(d);
            }
        }
        return trees.check(d);
    }

    /** Every tagged image with its sizes; damaged ones are listed with their problem. */
    public List<ImageSummary> list() {
        Map<ImageRef, LayerDigest> all = tags.all();
        Map<LayerDigest, Image> loaded = new HashMap<>();
        Map<ImageRef, String> problems = new HashMap<>();
        for (Map.Entry<ImageRef, LayerDigest> e : all.entrySet()) {
            try {
                loaded.putIfAbsent(e.getValue(), load(e.getKey(), e.getValue()));
            } catch (ImageException ex) {
                problems.put(e.getKey(), ex.getMessage());
            }
        }
        Map<LayerDigest, Integer> users = new HashMap<>();
        for (Image img : loaded.values()) {
            Set<LayerDigest> distinct = new HashSet<>();
            img.manifest().layers().forEach(d -> distinct.add(d.digest()));
            distinct.forEach(d -> users.merge(d, 1, Integer::sum));
        }
        List<ImageSummary> out = new ArrayList<>();
        for (Map.Entry<ImageRef, LayerDigest> e : all.entrySet()) {
            Image img = loaded.get(e.getValue());
            if (img == null || problems.containsKey(e.getKey())) {
                out.add(new ImageSummary(e.getKey(), e.getValue(), 0, 0, 0, problems.getOrDefault(e.getKey(), "cannot be read")));
                continue;
            }
            long shared = img.manifest().layers().stream().filter(d -> users.get(d.digest()) > 1).mapToLong(Descriptor::size).sum();
            out.add(new ImageSummary(e.getKey(), e.getValue(), img.manifest().layers().size(), img.size(), shared, ""));
        }
        return out;
    }

    /**
     * Checks an image in depth: reads every layer blob against its digest and walks every layer tree
     * against its unpack record. A damaged blob file is removed (a damaged pack entry stays until
     * the blob is stored again) and a changed tree loses its record, so neither is used again
     * until the image is built, pulled or imported again; either way the first
     * problem is thrown as {@link ImageException.Corrupt}. Returns the image when it is sound.
     */
    public Image verify(ImageRef ref) {
        Image img = resolve(ref);
        for (Descriptor d : img.manifest().layers()) {
            try {
                blobs.verify(d.digest());
            } catch (ImageException.Corrupt e) {
                try {
                    Files.deleteIfExists(paths.blob(d.digest()));
                } catch (IOException ignored) {
                    // reported all the same
                }
                throw e;
            }
            trees.verify(d.digest());
        }
        return img;
    }

    /** Removes a tag (what it pointed at stays until {@link #prune()}); false when there was none. */
    public boolean remove(ImageRef ref) {
        try (StoreLocks.Held shared = locks.shared()) {
            return tags.delete(ref);
        }
    }

    /** Removes whatever no tag references, and what crashed writers left; waits until nothing is being added. */
    public PruneReport prune() {
        try (StoreLocks.Held exclusive = locks.exclusive()) {
            return new GarbageCollector(paths, blobs, tags).collect();
        }
    }

    /** The JSON documents of an image, for people: its manifest and config as stored. */
    public String describe(Image img) {
        var root = StoreJson.object();
        root.put("ref", img.ref().toString());
        root.put("digest", img.digest().toString());
        root.set("manifest", StoreJson.tree(blobs.read(img.digest())));
        root.set("config", StoreJson.tree(blobs.read(img.manifest().config().digest())));
        var dirs = root.putArray("layerDirs");
        img.layerDirs().forEach(p -> dirs.add(p.toString()));
        return StoreJson.pretty(root);
    }

    /** A blob's bytes, checked against its digest (manifests, configs): for OCI export. */
    byte[] readBlob(LayerDigest d) {
        return blobs.read(d);
    }

    /** Whether the store has this blob (a registry pull skips layers it has). */
    boolean hasBlob(LayerDigest d) {
        return blobs.exists(d);
    }

    /** Reads a stored blob through against its digest ({@link ImageException.Corrupt} when damaged): before a push sends it. */
    void verifyBlob(LayerDigest d) {
        blobs.verify(d);
    }

    /** A stored blob's bytes as a stream (a small one is checked as it is read; the caller checks others). */
    InputStream openBlob(LayerDigest d) throws IOException {
        return blobs.open(d);
    }

    /** A stored blob's file, or null when it is a small one in the pack (read it with {@link #readBlob}). */
    Path blobFile(LayerDigest d) {
        return blobs.isPacked(d) ? null : paths.blob(d);
    }

    /** A fresh temporary name inside the store (same file system), for unpacking an archive to import. */
    Path newTemp(String what) {
        return paths.newTemp(what);
    }

    /** Where a pull collects blob {@code d} until it is whole; an interrupted pull leaves it for the next. */
    Path partialDownload(LayerDigest d) {
        return paths.partialDownload(d);
    }

    /** Keeps other pulls of blob {@code d} (in this JVM and others) off its partial download until it is imported. */
    Lease downloadLock(LayerDigest d) {
        return locks.download(d)::close;
    }

    /** The limits a layer is unpacked with, which also bound an archive being imported. */
    LayerLimits limits() {
        return limits;
    }

    /** Where downloaded Debian packages are kept between builds. */
    Path debianCache() {
        return paths.debianCache();
    }
}
