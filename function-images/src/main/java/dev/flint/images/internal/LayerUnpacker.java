package dev.flint.images.internal;

import dev.flint.images.ImageException;
import dev.flint.images.ImageException.BadLayer.Kind;
import dev.flint.images.LayerLimits;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;

/**
 * Unpacks a layer tar, which is hostile input, into a new directory that overlayfs uses as a lower
 * dir (docs/images.md, SECURITY.md "Layer extraction"). Every refusal is an
 * {@link ImageException.BadLayer} naming the entry, with its {@link Kind}:
 *
 * <ul>
 *   <li>{@code ESCAPE}: absolute names, {@code ..}, and any entry whose path goes through a symlink
 *       (a symlink entry followed by {@code link/file});
 *   <li>{@code HARDLINK}: a hard link whose target is not a regular file unpacked before it from
 *       this same layer (never a host file, never a path through a symlink);
 *   <li>{@code SPECIAL_FILE}: device nodes, fifos, sockets;
 *   <li>{@code LIMIT}: more file bytes or entries than {@link LayerLimits} allow (a gzip ratio is
 *       watched by {@link LayerStreams});
 *   <li>{@code MALFORMED}: a tar stream that is damaged or truncated (reading a finite stream,
 *       never waiting on it);
 *   <li>{@code CONFLICT}: an entry that replaces a directory unpacked before it.
 * </ul>
 *
 * setuid and setgid bits are dropped (the sticky bit stays on directories), and owners are kept only
 * when running as root. OCI whiteouts become overlayfs whiteouts ({@link OverlayWhiteouts}, ADR 0006).
 *
 * <p><b>How paths stay inside the root.</b> Each name is normalised (no {@code ..}, not absolute),
 * then resolved component by component from the root with {@code NOFOLLOW_LINKS}: every parent must
 * be a real directory, and the last component is never followed (files are created with
 * {@code CREATE_NEW} after removing whatever non-directory was there). That is securejoin's rule,
 * "symlinks are never followed out", in its strictest form: they are not followed at all. Checking
 * with {@code lstat} and then using the path is race-free here only because the target is a fresh
 * directory of the store's {@code tmp/}, owned by root, that nothing but this unpacker writes; every
 * change to it comes from an entry, and the checks run against what earlier entries made. (In a
 * directory that others can write, this would need {@code openat2(RESOLVE_IN_ROOT)} through JNA.)
 *
 * <p>Not thread-safe; one instance per unpack.
 */
public final class LayerUnpacker {
    private static final boolean ROOT = isRoot();
    private static final String WHITEOUT = ".wh.";
    private static final String OPAQUE = ".wh..wh..opq";

    private final Path root;
    private final LayerLimits limits;
    private final Set<Path> checkedDirs = new HashSet<>();
    private final List<TarArchiveEntry> dirEntries = new ArrayList<>();
    /** What each path of this layer is now: 'f' file, 'd' directory, 'l' symlink, 'w' whiteout. */
    private final Map<String, Character> made = new HashMap<>();
    private long bytes;
    private long entries;

    private LayerUnpacker(Path root, LayerLimits limits) {
        this.root = root;
        this.limits = limits;
    }

    /** Unpacks {@code tar} into {@code target}, which must not exist yet, with the default limits. */
    public static void unpack(InputStream tar, Path target) throws IOException {
        unpack(tar, target, LayerLimits.defaults());
    }

    /**
     * Unpacks {@code tar} (uncompressed; see {@link LayerStreams} for gzip) into {@code target}, which
     * must not exist yet. On an {@link ImageException.BadLayer} the caller removes {@code target}.
     */
    public static void unpack(InputStream tar, Path target, LayerLimits limits) throws IOException {
        Files.createDirectory(target);
        Files.setAttribute(target, "unix:mode", 0755);
        LayerUnpacker u = new LayerUnpacker(target, limits);
        u.checkedDirs.add(target);
        TarArchiveInputStream in = new TarArchiveInputStream(tar);
        String last = "(start of the tar)";
        while (true) {
            TarArchiveEntry e;
            try {
                e = in.getNextEntry();
            } catch (IOException bad) {
                throw malformed("after " + last, bad);
            }
            if (e == null) {
                break;
            }
            last = e.getName();
            if (++u.entries > limits.maxEntries()) {
                throw new ImageException.BadLayer(Kind.LIMIT, e.getName(), "more than " + limits.maxEntries() + " entries",
                        "a layer this large is refused; split it or raise the limit");
            }
            u.unpackEntry(e, in);
        }
        u.finishDirectories();
    }

    private void unpackEntry(TarArchiveEntry e, InputStream content) throws IOException {
        String rel = relativeName(e.getName());
        if (rel.isEmpty()) {
            return; // the root itself: its mode is ours
        }
        int slash = rel.lastIndexOf('/');
        String base = rel.substring(slash + 1);
        if (base.startsWith(WHITEOUT)) {
            whiteout(e, rel.substring(0, slash + 1), base);
            return;
        }
        Path p = root.resolve(rel);
        ensureParent(p, e.getName());
        if (e.isDirectory()) {
            boolean replacesWhiteout = Character.valueOf('w').equals(made.get(rel));
            if (!Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
                removeNonDirectory(p, e.getName());
                Files.createDirectory(p);
            }
            if (replacesWhiteout) {
                OverlayWhiteouts.opaque(p); // deleted below and made again here: nothing of the lower dir shows
            }
            made.put(rel, 'd');
            dirEntries.add(e);
            setOwnerAndMode(p, e, e.getMode() & 01777);
            return;
        }
        if (e.isBlockDevice() || e.isCharacterDevice() || e.isFIFO() || !(e.isSymbolicLink() || e.isLink() || e.isFile())) {
            // devices and fifos first: isFile() is true for them
            throw new ImageException.BadLayer(Kind.SPECIAL_FILE, e.getName(), "device nodes, fifos and other special files are refused",
                    "the sandbox makes its own /dev; leave them out of images");
        }
        removeNonDirectory(p, e.getName());
        if (e.isSymbolicLink()) {
            Files.createSymbolicLink(p, Path.of(e.getLinkName()));
            if (ROOT) {
                Files.setAttribute(p, "unix:uid", (int) e.getLongUserId(), LinkOption.NOFOLLOW_LINKS);
                Files.setAttribute(p, "unix:gid", (int) e.getLongGroupId(), LinkOption.NOFOLLOW_LINKS);
            }
            made.put(rel, 'l');
        } else if (e.isLink()) {
            Path source = hardLinkSource(e);
            Files.createLink(p, source);
            made.put(rel, 'f');
        } else {
            if (bytes + e.getSize() > limits.maxBytes()) {
                throw new ImageException.BadLayer(Kind.LIMIT, e.getName(), "the layer's files add up to more than " + limits.maxBytes() + " bytes",
                        "a layer this large is refused; split it or raise the limit");
            }
            try (OutputStream out = Files.newOutputStream(p, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS)) {
                copy(e, content, out);
            }
            made.put(rel, 'f');
            setOwnerAndMode(p, e, e.getMode() & 0777);
            Files.setLastModifiedTime(p, FileTime.from(e.getLastModifiedDate().toInstant()));
        }
    }

    /** Copies an entry's content, telling a damaged tar (MALFORMED) from a failing disk (IOException). */
    private void copy(TarArchiveEntry e, InputStream content, OutputStream out) throws IOException {
        byte[] buf = new byte[1 << 16];
        while (true) {
            int n;
            try {
                n = content.read(buf);
            } catch (IOException bad) {
                throw malformed(e.getName(), bad);
            }
            if (n < 0) {
                return;
            }
            bytes += n;
            if (bytes > limits.maxBytes()) {
                throw new ImageException.BadLayer(Kind.LIMIT, e.getName(), "the layer's files add up to more than " + limits.maxBytes() + " bytes",
                        "a layer this large is refused; split it or raise the limit");
            }
            out.write(buf, 0, n);
        }
    }

    /** The file a hard link entry links to: a regular file that an earlier entry of this layer made, and still there. */
    private Path hardLinkSource(TarArchiveEntry e) {
        String target;
        try {
            target = relativeName(e.getLinkName());
        } catch (ImageException.BadLayer bad) {
            throw new ImageException.BadLayer(Kind.HARDLINK, e.getName(), "hard link to '" + e.getLinkName() + "', outside the layer root",
                    "a hard link must follow the file it links to in the same layer");
        }
        if (!Character.valueOf('f').equals(made.get(target))) {
            throw new ImageException.BadLayer(Kind.HARDLINK, e.getName(), "hard link to '" + e.getLinkName() + "', which is not a file unpacked before it",
                    "a hard link must follow the file it links to in the same layer");
        }
        // every parent of target was checked as a real directory when it was made, and a directory is never replaced
        return root.resolve(target);
    }

    /**
     * An OCI whiteout. {@code .wh..wh..opq} marks its directory opaque; {@code .wh.name} hides
     * {@code name} of the layers below, unless this layer has its own {@code name} (which wins, as
     * the image spec says). Other {@code .wh..wh.} names (aufs's bookkeeping) are skipped.
     */
    private void whiteout(TarArchiveEntry e, String parentRel, String base) throws IOException {
        Path dir = parentRel.isEmpty() ? root : root.resolve(parentRel.substring(0, parentRel.length() - 1));
        if (dir != root) {
            ensureParent(dir, e.getName());
            if (Files.exists(dir, LinkOption.NOFOLLOW_LINKS) && !Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
                throw new ImageException.BadLayer(Kind.ESCAPE, e.getName(), "whiteout in something that is not a directory",
                        "nothing is unpacked through a symlink");
            }
            if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
                Files.createDirectory(dir);
                Files.setAttribute(dir, "unix:mode", 0755);
                made.put(parentRel.substring(0, parentRel.length() - 1), 'd');
            }
            checkedDirs.add(dir);
        }
        if (base.equals(OPAQUE)) {
            OverlayWhiteouts.opaque(dir);
            return;
        }
        String name = base.substring(WHITEOUT.length());
        if (name.startsWith(WHITEOUT) || name.isEmpty() || name.equals(".") || name.equals("..")) {
            return;
        }
        String rel = parentRel + name;
        Character there = made.get(rel);
        if (there != null && there != 'w') {
            return; // this layer's own entry wins over its whiteout
        }
        if (there == null) {
            OverlayWhiteouts.whiteout(root.resolve(rel));
            made.put(rel, 'w');
        }
    }

    /** The entry's name relative to the root, without "./" or a trailing '/'; "" for the root. */
    public static String relativeName(String name) {
        if (name.indexOf('\0') >= 0) {
            throw new ImageException.BadLayer(Kind.ESCAPE, name, "contains a NUL byte", "layer names are C strings");
        }
        if (name.startsWith("/") && !name.matches("/[/.]*")) { // "/" alone is the root, as umoci writes it
            throw new ImageException.BadLayer(Kind.ESCAPE, name, "absolute path", "layer entries are relative to the layer root");
        }
        StringBuilder out = new StringBuilder();
        for (String part : name.split("/")) {
            if (part.isEmpty() || part.equals(".")) {
                continue;
            }
            if (part.equals("..")) {
                throw new ImageException.BadLayer(Kind.ESCAPE, name, "'..' would leave the layer root", "layer entries stay below the layer root");
            }
            if (out.length() > 0) {
                out.append('/');
            }
            out.append(part);
        }
        return out.toString();
    }

    /** Makes the parent directories that are missing (0755) and checks those there are real directories. */
    private void ensureParent(Path p, String entry) throws IOException {
        Path parent = p.getParent();
        if (checkedDirs.contains(parent)) {
            return;
        }
        ensureParent(parent, entry);
        BasicFileAttributes a;
        try {
            a = Files.readAttributes(parent, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException missing) {
            Files.createDirectory(parent);
            Files.setAttribute(parent, "unix:mode", 0755);
            made.put(root.relativize(parent).toString(), 'd');
            a = Files.readAttributes(parent, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        }
        if (!a.isDirectory()) {
            throw new ImageException.BadLayer(Kind.ESCAPE, entry, "a parent of it is " + (a.isSymbolicLink() ? "a symlink" : "not a directory"),
                    "nothing is unpacked through a symlink");
        }
        checkedDirs.add(parent);
    }

    private void removeNonDirectory(Path p, String entry) throws IOException {
        if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
            throw new ImageException.BadLayer(Kind.CONFLICT, entry, "replaces a directory unpacked before it", "a layer lists each path once");
        }
        Files.deleteIfExists(p);
    }

    private static void setOwnerAndMode(Path p, TarArchiveEntry e, int mode) throws IOException {
        if (ROOT) {
            Files.setAttribute(p, "unix:uid", (int) e.getLongUserId(), LinkOption.NOFOLLOW_LINKS);
            Files.setAttribute(p, "unix:gid", (int) e.getLongGroupId(), LinkOption.NOFOLLOW_LINKS);
        }
        Files.setAttribute(p, "unix:mode", mode); // p was just made as a file or checked as a directory: no symlink to follow
    }

    /** Directory mtimes last, deepest first: unpacking their children changed them. */
    private void finishDirectories() throws IOException {
        for (int i = dirEntries.size() - 1; i >= 0; i--) {
            TarArchiveEntry e = dirEntries.get(i);
            Path p = root.resolve(relativeName(e.getName()));
            Files.getFileAttributeView(p, BasicFileAttributeView.class, LinkOption.NOFOLLOW_LINKS)
                    .setTimes(FileTime.from(e.getLastModifiedDate().toInstant()), null, null);
        }
    }

    private static ImageException.BadLayer malformed(String entry, IOException e) {
        return new ImageException.BadLayer(Kind.MALFORMED, entry, "damaged or truncated tar: " + e.getMessage(),
                "the layer is damaged: fetch or build it again", e);
    }

    private static boolean isRoot() {
        try {
            return (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid") == 0;
        } catch (IOException e) {
            return false;
        }
    }
}
