package dev.flint.images.internal;

import dev.flint.images.LayerDigest;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * A summary of an unpacked layer tree that tells whether the tree is still the one unpacked: how
 * many entries, how many bytes of file content, and a digest over one line per entry (path, type,
 * mode, owner, size, link target), in sorted order. It does not hash file contents (that would cost
 * a read of the whole layer); the blob is the authority on contents.
 *
 * @param entries files, directories and links below the root
 * @param bytes the sizes of the regular files added up
 * @param listing the sha256 of the listing
 */
public record TreeListing(long entries, long bytes, LayerDigest listing) {

    /** Walks the tree below {@code root} (not following symlinks). */
    public static TreeListing of(Path root) throws IOException {
        MessageDigest md = LayerDigest.sha256();
        long[] counts = new long[2];
        walk(root, "", md, counts);
        return new TreeListing(counts[0], counts[1], LayerDigest.of(md));
    }

    private static void walk(Path dir, String rel, MessageDigest md, long[] counts) throws IOException {
        List<Path> children;
        try (Stream<Path> s = Files.list(dir)) {
            children = new ArrayList<>(s.toList());
        }
        children.sort(Comparator.comparing(p -> p.getFileName().toString()));
        for (Path child : children) {
            String path = rel + child.getFileName();
            PosixFileAttributes a = Files.readAttributes(child, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            Map<String, Object> unix = Files.readAttributes(child, "unix:mode,uid,gid", LinkOption.NOFOLLOW_LINKS);
            String type = a.isDirectory() ? "d" : a.isSymbolicLink() ? "l" : a.isRegularFile() ? "f" : "o";
            StringBuilder line = new StringBuilder()
                    .append(type).append(' ')
                    .append(Integer.toOctalString((Integer) unix.get("mode") & 07777)).append(' ')
                    .append(unix.get("uid")).append(':').append(unix.get("gid")).append(' ')
                    .append(a.isRegularFile() ? a.size() : 0).append(' ')
                    .append(path);
            if (a.isSymbolicLink()) {
                line.append(" -> ").append(Files.readSymbolicLink(child));
            }
            md.update(line.append('\n').toString().getBytes(StandardCharsets.UTF_8));
            counts[0]++;
            if (a.isRegularFile()) {
                counts[1] += a.size();
            }
            if (a.isDirectory()) {
                walk(child, path + "/", md, counts);
            }
        }
    }
}
