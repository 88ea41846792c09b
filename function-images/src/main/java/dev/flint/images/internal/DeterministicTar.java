package dev.flint.images.internal;

import dev.flint.images.ImageException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;

/**
 * Writes a directory tree as a tar whose bytes depend only on the tree's names, contents, link
 * targets and executable bits, so that building an image twice gives the same layer digest:
 *
 * <ul>
 * <li>entries depth first, a directory before its children, children sorted by name;</li>
 * <li>every mtime {@link #MTIME}, uid and gid 0, no user or group names;</li>
 * <li>modes normalised: directories 0755 (1777 when sticky, as /tmp), files 0755 when the owner may
 *     execute them and 0644 otherwise (no setuid/setgid), symlinks 0777;</li>
 * <li>hard links written as separate files (what is linked depends on the build, not the content);</li>
 * <li>POSIX (pax) headers for long names and big numbers.</li>
 * </ul>
 * Sockets, fifos and device nodes are refused: an image never needs them (the sandbox makes /dev).
 */
public final class DeterministicTar {
    /** The mtime of every entry: the epoch. Python's .pyc files are hash-checked so they do not care. */
    public static final Instant MTIME = Instant.EPOCH;

    private final Path root;
    private final String prefix;
    private final Predicate<String> exclude;
    private int entries;

    private DeterministicTar(Path root, String prefix, Predicate<String> exclude) {
        this.root = root;
        this.prefix = prefix;
        this.exclude = exclude;
    }

    /**
     * Writes the tree below {@code root} (not the root entry itself) to {@code out}, each name under
     * {@code prefix} ("" for none, else like "function"), leaving out every path (relative to root,
     * like "usr/share/doc") that {@code exclude} accepts, with what is below it. Returns the number of
     * entries. Does not close {@code out}.
     */
    public static int write(Path root, String prefix, Predicate<String> exclude, OutputStream out) throws IOException {
        DeterministicTar t = new DeterministicTar(root, prefix, exclude);
        TarArchiveOutputStream tar = new TarArchiveOutputStream(new NonClosing(out));
        tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
        tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
        tar.setAddPaxHeadersForNonAsciiNames(true);
        String base = "";
        if (!prefix.isEmpty()) {
            for (String part : prefix.split("/")) {
                base = base + part + "/";
                t.putDirectory(tar, base, false);
            }
        }
        t.writeChildren(tar, root, base, "");
        tar.finish();
        tar.close();
        return t.entries;
    }

    private void writeChildren(TarArchiveOutputStream tar, Path dir, String namePrefix, String relPrefix) throws IOException {
        List<Path> children;
        try (Stream<Path> s = Files.list(dir)) {
            children = new ArrayList<>(s.toList());
        }
        children.sort(Comparator.comparing(p -> p.getFileName().toString()));
        for (Path child : children) {
            String fileName = child.getFileName().toString();
            String rel = relPrefix + fileName;
            if (exclude.test(rel)) {
                continue;
            }
            PosixFileAttributes a = Files.readAttributes(child, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            String name = namePrefix + fileName;
            if (a.isSymbolicLink()) {
                TarArchiveEntry e = entry(name, TarConstants.LF_SYMLINK);
                e.setLinkName(Files.readSymbolicLink(child).toString());
                e.setMode(0777);
                put(tar, e);
            } else if (a.isDirectory()) {
                putDirectory(tar, name + "/", isSticky(child));
                writeChildren(tar, child, name + "/", rel + "/");
            } else if (a.isRegularFile()) {
                TarArchiveEntry e = entry(name, TarConstants.LF_NORMAL);
                e.setMode(a.permissions().contains(PosixFilePermission.OWNER_EXECUTE) ? 0755 : 0644);
                e.setSize(a.size());
                tar.putArchiveEntry(e);
                try (InputStream in = Files.newInputStream(child)) {
                    long copied = in.transferTo(tar);
                    if (copied != a.size()) {
                        throw new ImageException.BadLayer(rel, "changed size while being packed", "nothing may write to a tree being packed");
                    }
                }
                tar.closeArchiveEntry();
                entries++;
            } else {
                throw new ImageException.BadLayer(rel, "is a socket, fifo or device node", "images hold files, directories and symlinks only");
            }
        }
    }

    private void putDirectory(TarArchiveOutputStream tar, String name, boolean sticky) throws IOException {
        TarArchiveEntry e = entry(name, TarConstants.LF_DIR);
        e.setMode(sticky ? 01777 : 0755);
        put(tar, e);
    }

    private void put(TarArchiveOutputStream tar, TarArchiveEntry e) throws IOException {
        tar.putArchiveEntry(e);
        tar.closeArchiveEntry();
        entries++;
    }

    private static TarArchiveEntry entry(String name, byte type) {
        TarArchiveEntry e = new TarArchiveEntry(name, type, true);
        e.setModTime(java.nio.file.attribute.FileTime.from(MTIME));
        e.setUserId(0);
        e.setGroupId(0);
        e.setUserName("");
        e.setGroupName("");
        return e;
    }

    private static boolean isSticky(Path dir) throws IOException {
        int mode = (Integer) Files.getAttribute(dir, "unix:mode", LinkOption.NOFOLLOW_LINKS);
        return (mode & 01000) != 0;
    }

    /** Lets the tar stream finish and close without closing the stream under it. */
    private static final class NonClosing extends java.io.FilterOutputStream {
        NonClosing(OutputStream out) {
            super(out);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
        }

        @Override
        public void close() throws IOException {
            flush();
        }
    }

    /** Paths (relative, no leading '/') to leave out: each one, and whatever is below it. */
    public static Predicate<String> excluding(Set<String> paths) {
        return rel -> paths.contains(rel);
    }
}
