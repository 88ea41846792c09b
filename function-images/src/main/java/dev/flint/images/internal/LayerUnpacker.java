package dev.flint.images.internal;

import dev.flint.images.ImageException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;

/**
 * Unpacks a layer tar into a new directory that overlayfs can use as a lower dir. Names are checked
 * (no absolute paths, no {@code ..}, nothing written through a symlink, hard links only to files
 * already unpacked), device nodes and fifos are refused, setuid/setgid bits are dropped, and owners
 * are kept only when running as root. Each refusal is an {@link ImageException.BadLayer} naming the
 * entry.
 *
 * <p>Not yet here (next slice, with OCI import): OCI whiteouts and opaque directories, and limits
 * against decompression bombs; entries that need them are refused for now.
 */
public final class LayerUnpacker {
    private static final boolean ROOT = isRoot();

    private final Path root;
    private final Set<Path> checkedDirs = new HashSet<>();
    private final List<TarArchiveEntry> dirEntries = new ArrayList<>();

    private LayerUnpacker(Path root) {
        this.root = root;
    }

    /** Unpacks {@code tar} into {@code target}, which must not exist yet. */
    public static void unpack(InputStream tar, Path target) throws IOException {
        Files.createDirectory(target);
        Files.setAttribute(target, "unix:mode", 0755);
        LayerUnpacker u = new LayerUnpacker(target);
        u.checkedDirs.add(target);
        TarArchiveInputStream in = new TarArchiveInputStream(tar);
        for (TarArchiveEntry e = in.getNextEntry(); e != null; e = in.getNextEntry()) {
            u.unpackEntry(e, in);
        }
        u.finishDirectories();
    }

    private void unpackEntry(TarArchiveEntry e, InputStream content) throws IOException {
        String rel = relativeName(e.getName());
        if (rel.isEmpty()) {
            return; // the root itself: its mode is ours
        }
        String base = rel.substring(rel.lastIndexOf('/') + 1);
        if (base.startsWith(".wh.")) {
            throw new ImageException.BadLayer(e.getName(), "OCI whiteouts are not supported yet", "whiteouts come with OCI image import");
        }
        Path p = root.resolve(rel);
        ensureParent(p, e.getName());
        if (e.isDirectory()) {
            if (!Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
                removeNonDirectory(p, e.getName());
                Files.createDirectory(p);
            }
            dirEntries.add(e);
            setOwnerAndMode(p, e, e.getMode() & 01777);
            return;
        }
        if (e.isBlockDevice() || e.isCharacterDevice() || e.isFIFO()) { // before isFile(), which is true for them
            throw new ImageException.BadLayer(e.getName(), "device nodes, fifos and other special files are refused",
                    "the sandbox makes its own /dev; leave them out of images");
        }
        removeNonDirectory(p, e.getName());
        if (e.isSymbolicLink()) {
            Files.createSymbolicLink(p, Path.of(e.getLinkName()));
            if (ROOT) {
                Files.setAttribute(p, "unix:uid", (int) e.getLongUserId(), LinkOption.NOFOLLOW_LINKS);
                Files.setAttribute(p, "unix:gid", (int) e.getLongGroupId(), LinkOption.NOFOLLOW_LINKS);
            }
        } else if (e.isLink()) {
            Path source = root.resolve(relativeName(e.getLinkName()));
            if (!Files.isRegularFile(source, LinkOption.NOFOLLOW_LINKS)) {
                throw new ImageException.BadLayer(e.getName(), "hard link to '" + e.getLinkName() + "', which is not a file unpacked before it",
                        "a hard link must follow the file it links to in the same layer");
            }
            Files.createLink(p, source);
        } else if (e.isFile()) {
            try (OutputStream out = Files.newOutputStream(p, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS)) {
                content.transferTo(out);
            }
            setOwnerAndMode(p, e, e.getMode() & 0777);
            Files.setLastModifiedTime(p, FileTime.from(e.getLastModifiedDate().toInstant()));
        } else {
            throw new ImageException.BadLayer(e.getName(), "device nodes, fifos and other special files are refused",
                    "the sandbox makes its own /dev; leave them out of images");
        }
    }

    /** The entry's name relative to the root, without "./" or a trailing '/'; "" for the root. */
    public static String relativeName(String name) {
        if (name.indexOf('\0') >= 0) {
            throw new ImageException.BadLayer(name, "contains a NUL byte", "layer names are C strings");
        }
        if (name.startsWith("/")) {
            throw new ImageException.BadLayer(name, "absolute path", "layer entries are relative to the layer root");
        }
        StringBuilder out = new StringBuilder();
        for (String part : name.split("/")) {
            if (part.isEmpty() || part.equals(".")) {
                continue;
            }
            if (part.equals("..")) {
                throw new ImageException.BadLayer(name, "'..' would leave the layer root", "layer entries stay below the layer root");
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
        } catch (java.nio.file.NoSuchFileException missing) {
            Files.createDirectory(parent);
            Files.setAttribute(parent, "unix:mode", 0755);
            a = Files.readAttributes(parent, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        }
        if (!a.isDirectory()) {
            throw new ImageException.BadLayer(entry, "a parent of it is " + (a.isSymbolicLink() ? "a symlink" : "not a directory"),
                    "nothing is unpacked through a symlink");
        }
        checkedDirs.add(parent);
    }

    private void removeNonDirectory(Path p, String entry) throws IOException {
        if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
            throw new ImageException.BadLayer(entry, "replaces a directory unpacked before it", "a layer lists each path once");
        }
        Files.deleteIfExists(p);
    }

    private static void setOwnerAndMode(Path p, TarArchiveEntry e, int mode) throws IOException {
        if (ROOT) {
            Files.setAttribute(p, "unix:uid", (int) e.getLongUserId(), LinkOption.NOFOLLOW_LINKS);
            Files.setAttribute(p, "unix:gid", (int) e.getLongGroupId(), LinkOption.NOFOLLOW_LINKS);
        }
        Files.setAttribute(p, "unix:mode", mode);
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

    private static boolean isRoot() {
        try {
            return (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid") == 0;
        } catch (IOException e) {
            return false;
        }
    }
}
