package dev.flint.images.internal;

import dev.flint.images.ImageException;
import dev.flint.images.ImageRef;
import dev.flint.images.LayerDigest;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * The tags of a store: one small file per tag holding the digest of the manifest it points at,
 * replaced atomically. Thread-safe.
 */
public final class Tags {
    private final StorePaths paths;

    public Tags(StorePaths paths) {
        this.paths = paths;
    }

    public Optional<LayerDigest> read(ImageRef ref) {
        Path p = paths.tag(ref);
        try {
            return Optional.of(parse(p, Files.readString(p, StandardCharsets.US_ASCII)));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw new ImageException.StoreFailed("cannot read tag", p, e);
        }
    }

    /** Points the tag at a manifest (replacing what it pointed at). */
    public void write(ImageRef ref, LayerDigest manifest) {
        Path p = paths.tag(ref);
        Path tmp = paths.newTemp("tag");
        try {
            Files.createDirectories(p.getParent());
            Files.createDirectories(tmp.getParent());
            Files.writeString(tmp, manifest + "\n", StandardCharsets.US_ASCII);
            Files.move(tmp, p, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            BlobStore.deleteQuietly(tmp);
            throw new ImageException.StoreFailed("cannot write tag", p, e);
        }
    }

    /** Removes a tag; false when there was none. */
    public boolean delete(ImageRef ref) {
        Path p = paths.tag(ref);
        try {
            boolean had = Files.deleteIfExists(p);
            try (Stream<Path> rest = Files.list(p.getParent())) {
                if (rest.findAny().isEmpty()) {
                    Files.deleteIfExists(p.getParent());
                }
            }
            return had;
        } catch (NoSuchFileException e) {
            return false;
        } catch (IOException e) {
            throw new ImageException.StoreFailed("cannot remove tag", p, e);
        }
    }

    /** Every tag and the manifest it points at, sorted by reference. */
    public Map<ImageRef, LayerDigest> all() {
        Map<ImageRef, LayerDigest> out = new TreeMap<>();
        if (!Files.isDirectory(paths.tagsDir())) {
            return out;
        }
        try (Stream<Path> names = Files.list(paths.tagsDir())) {
            for (Path nameDir : names.filter(Files::isDirectory).toList()) {
                try (Stream<Path> tags = Files.list(nameDir)) {
                    for (Path tag : tags.filter(Files::isRegularFile).toList()) {
                        ImageRef ref = StorePaths.refOfTag(nameDir.getFileName().toString(), tag.getFileName().toString());
                        out.put(ref, parse(tag, Files.readString(tag, StandardCharsets.US_ASCII)));
                    }
                }
            }
        } catch (IOException e) {
            throw new ImageException.StoreFailed("cannot list tags in", paths.tagsDir(), e);
        }
        return out;
    }

    private static LayerDigest parse(Path file, String content) {
        try {
            return LayerDigest.parse(content.trim());
        } catch (ImageException.InvalidDigest e) {
            throw new ImageException("tag file " + file + " is damaged: " + e.getMessage(),
                    "remove the file and tag the image again", e);
        }
    }
}
