package dev.flint.images.internal;

import dev.flint.images.ImageException;
import dev.flint.images.ImageRef;
import dev.flint.images.LayerDigest;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotLinkException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * The tags of a store: one symbolic link per tag, {@code tags/<name>@<tag>} ('/' in names as '+'),
 * whose target is the manifest digest in base64url (43 characters, so the file system keeps it in
 * the inode: a tag takes no disk block), replaced atomically by a rename. Thread-safe.
 */
public final class Tags {
    private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();
    private static final Base64.Decoder B64_DECODE = Base64.getUrlDecoder();

    private final StorePaths paths;

    public Tags(StorePaths paths) {
        this.paths = paths;
    }

    public Optional<LayerDigest> read(ImageRef ref) {
        Path p = paths.tag(ref);
        try {
            return Optional.of(parse(p, Files.readSymbolicLink(p).toString()));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw new ImageException.StoreFailed("cannot read tag", p, e);
        }
    }

    /** Points the tag at a manifest (replacing what it pointed at). */
    public void write(ImageRef ref, LayerDigest manifest) {
        Path p = paths.tag(ref);
        if (p.getFileName().toString().getBytes(StandardCharsets.UTF_8).length > 255) {
            throw new ImageException.InvalidReference(ref.toString(), "name and tag together are too long to store (over 254 bytes)",
                    "use a shorter name or tag");
        }
        Path tmp = paths.tagsDir().resolve(".tmp-" + UUID.randomUUID());
        try {
            Files.createDirectories(p.getParent());
            Files.createSymbolicLink(tmp, Path.of(B64.encodeToString(HexFormat.of().parseHex(manifest.hex()))));
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
            return Files.deleteIfExists(p);
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
        try (Stream<Path> tags = Files.list(paths.tagsDir())) {
            for (Path tag : tags.toList()) {
                Optional<ImageRef> ref = StorePaths.refOfTag(tag.getFileName().toString());
                if (ref.isEmpty() || !Files.isSymbolicLink(tag)) {
                    continue; // a temporary name
                }
                try {
                    out.put(ref.get(), parse(tag, Files.readSymbolicLink(tag).toString()));
                } catch (NoSuchFileException e) {
                    // removed meanwhile
                }
            }
        } catch (IOException e) {
            throw new ImageException.StoreFailed("cannot list tags in", paths.tagsDir(), e);
        }
        return out;
    }

    /** Whether tags of the earlier layout (a directory per name) are there to migrate. */
    public boolean hasEarlierLayout() {
        if (!Files.isDirectory(paths.tagsDir())) {
            return false;
        }
        try (Stream<Path> names = Files.list(paths.tagsDir())) {
            return names.anyMatch(p -> !p.getFileName().toString().startsWith(".") && Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS));
        } catch (IOException e) {
            throw new ImageException.StoreFailed("cannot list tags in", paths.tagsDir(), e);
        }
    }

    /**
     * Moves tags of the earlier layout ({@code tags/<name>/<tag>}, a file holding the digest) to
     * links; the store calls it when it opens, holding the store lock exclusively. A tag file that
     * cannot be read as one is left where it is (and listed by nobody: it was damaged already).
     */
    public void migrate() {
        if (!Files.isDirectory(paths.tagsDir())) {
            return;
        }
        try (Stream<Path> names = Files.list(paths.tagsDir())) {
            for (Path nameDir : names.filter(p -> !p.getFileName().toString().startsWith(".")
                    && Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)).toList()) {
                try (Stream<Path> tags = Files.list(nameDir)) {
                    for (Path tag : tags.filter(p -> Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)).toList()) {
                        try {
                            ImageRef ref = ImageRef.of(nameDir.getFileName().toString().replace('+', '/'), tag.getFileName().toString());
                            write(ref, LayerDigest.parse(Files.readString(tag, StandardCharsets.US_ASCII).trim()));
                            Files.deleteIfExists(tag);
                        } catch (ImageException e) {
                            // damaged or not a reference: left for its owner to remove
                        }
                    }
                }
                try (Stream<Path> left = Files.list(nameDir)) {
                    if (left.findAny().isPresent()) { // out of the way, so the store does not look again
                        Files.move(nameDir, paths.tagsDir().resolve(".earlier-" + nameDir.getFileName()),
                                StandardCopyOption.REPLACE_EXISTING);
                        continue;
                    }
                }
                Files.deleteIfExists(nameDir);
            }
        } catch (NoSuchFileException e) {
            // another process migrated it meanwhile
        } catch (IOException e) {
            throw new ImageException.StoreFailed("cannot move tags to links in", paths.tagsDir(), e);
        }
    }

    private static LayerDigest parse(Path link, String target) {
        byte[] raw;
        try {
            raw = B64_DECODE.decode(target);
        } catch (IllegalArgumentException e) {
            raw = new byte[0];
        }
        if (raw.length != 32) {
            throw new ImageException("tag " + link + " is damaged: its link does not hold a digest ('" + target + "')",
                    "remove it and tag the image again");
        }
        return LayerDigest.ofHex(HexFormat.of().formatHex(raw));
    }
}
