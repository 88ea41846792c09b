package dev.flint.images.internal;

import dev.flint.images.Descriptor;
import dev.flint.images.ImageException;
import dev.flint.images.ImageManifest;
import dev.flint.images.ImageRef;
import dev.flint.images.LayerDigest;
import dev.flint.images.PruneReport;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Mark and sweep: every tag is a root; it keeps its manifest, the manifest's config and layer blobs,
 * and the layers' trees. Everything else under blobs/ and layers/ (and the small-tree cache), the
 * pack's entries of other blobs (it is rewritten without them), the lock files of removed digests,
 * and whatever crashed writers left in tmp/ is removed. The caller holds the store lock
 * exclusively, so nothing is being added meanwhile.
 */
public final class GarbageCollector {
    private final StorePaths paths;
    private final BlobStore blobs;
    private final Tags tags;

    public GarbageCollector(StorePaths paths, BlobStore blobs, Tags tags) {
        this.paths = paths;
        this.blobs = blobs;
        this.tags = tags;
    }

    public PruneReport collect() {
        Set<LayerDigest> keep = mark();
        List<PruneReport.Removed> removed = new ArrayList<>();
        try {
            sweepDir(paths.blobsDir(), keep, "blob", removed);
            for (BlobPack.Dropped d : blobs.pack().compact(keep, paths.newTemp("pack"))) {
                removed.add(new PruneReport.Removed("blob", d.digest().toString(), d.bytes()));
            }
            sweepDir(paths.layersDir(), keep, "layer", removed);
            if (paths.smallTreesDir().isPresent() && Files.isDirectory(paths.smallTreesDir().get())) {
                sweepCache(paths.smallTreesDir().get(), keep, removed);
            }
            sweepLocks(keep);
            sweepTmp(removed);
        } catch (IOException e) {
            throw new ImageException.StoreFailed("cannot prune", paths.root(), e);
        }
        long freed = removed.stream().mapToLong(PruneReport.Removed::bytes).sum();
        return new PruneReport(removed, freed);
    }

    /** The digests reachable from tags. A tag whose manifest cannot be read stops the prune. */
    private Set<LayerDigest> mark() {
        Set<LayerDigest> keep = new HashSet<>();
        for (Map.Entry<ImageRef, LayerDigest> tag : tags.all().entrySet()) {
            LayerDigest manifestDigest = tag.getValue();
            ImageManifest manifest;
            try {
                manifest = StoreJson.parseManifest(blobs.read(manifestDigest));
            } catch (ImageException.Corrupt | IllegalArgumentException e) {
                throw new ImageException.Corrupt(manifestDigest, "tag " + tag.getKey() + " points at a manifest that cannot be read ("
                        + e.getMessage() + "); prune would lose track of its layers",
                        "rebuild the image, or remove the tag (flint image rm " + tag.getKey() + ")");
            }
            keep.add(manifestDigest);
            keep.add(manifest.config().digest());
            manifest.layers().stream().map(Descriptor::digest).forEach(keep::add);
        }
        return keep;
    }

    private static void sweepDir(Path dir, Set<LayerDigest> keep, String kind, List<PruneReport.Removed> removed) throws IOException {
        if (!Files.isDirectory(dir)) {
            return;
        }
        try (Stream<Path> entries = Files.list(dir)) {
            for (Path p : entries.sorted().toList()) {
                String name = p.getFileName().toString();
                Optional<LayerDigest> d = StorePaths.digestOfName(name);
                if (d.isPresent() && keep.contains(d.get())) {
                    continue;
                }
                long bytes = Trees.size(p);
                Trees.delete(p);
                if (!name.endsWith(".json")) { // a record goes with its tree, reported once
                    removed.add(new PruneReport.Removed(kind, d.map(Object::toString).orElse(name), bytes));
                }
            }
        }
    }

    /** The small-tree cache: trees of layers no tag keeps, and what an unpack that crashed left. */
    private static void sweepCache(Path dir, Set<LayerDigest> keep, List<PruneReport.Removed> removed) throws IOException {
        try (Stream<Path> entries = Files.list(dir)) {
            for (Path p : entries.sorted().toList()) {
                String name = p.getFileName().toString();
                Optional<LayerDigest> d = StorePaths.digestOfName(name);
                if ((d.isPresent() && !keep.contains(d.get())) || name.startsWith(".tmp-")) {
                    long bytes = Trees.size(p);
                    Trees.delete(p);
                    if (d.isPresent() && !name.endsWith(".json")) {
                        removed.add(new PruneReport.Removed("layer tree (memory)", d.get().toString(), bytes));
                    }
                }
            }
        }
    }

    private void sweepLocks(Set<LayerDigest> keep) throws IOException {
        if (!Files.isDirectory(paths.locksDir())) {
            return;
        }
        try (Stream<Path> locks = Files.list(paths.locksDir())) {
            for (Path p : locks.toList()) {
                String name = p.getFileName().toString();
                Optional<LayerDigest> d = StorePaths.digestOfName(name.replace(".download.lock", "").replace(".lock", ""));
                if (d.isPresent() && !keep.contains(d.get())) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }

    private void sweepTmp(List<PruneReport.Removed> removed) throws IOException {
        if (Files.isDirectory(paths.tagsDir())) {
            try (Stream<Path> entries = Files.list(paths.tagsDir())) {
                for (Path p : entries.filter(p -> p.getFileName().toString().startsWith(".tmp-")).toList()) {
                    Files.deleteIfExists(p); // a tag link a crashed writer never renamed into place
                    removed.add(new PruneReport.Removed("tmp", "tags/" + p.getFileName(), 0));
                }
            }
        }
        if (!Files.isDirectory(paths.tmpDir())) {
            return;
        }
        try (Stream<Path> entries = Files.list(paths.tmpDir())) {
            for (Path p : entries.sorted().toList()) {
                long bytes = Trees.size(p);
                Trees.delete(p);
                removed.add(new PruneReport.Removed("tmp", p.getFileName().toString(), bytes));
            }
        }
    }
}
