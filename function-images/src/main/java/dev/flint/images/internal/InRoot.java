package dev.flint.images.internal;

import dev.flint.images.ImageException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * Resolves a name inside a directory the way {@code openat2(RESOLVE_IN_ROOT)} and Go's securejoin
 * do: component by component, symlinks followed but interpreted with the directory as their root
 * (an absolute target starts again at the root, {@code ..} never climbs above it). Used to read
 * files of an OCI layout or {@code docker save} archive, whose symlinks (docker save links
 * duplicate layers) must never lead Flint to read a host file into an image.
 *
 * <p>The result has no symlink in it, checked with {@code lstat}; like {@link LayerUnpacker} this
 * relies on no one else changing the tree meanwhile (an archive unpacked into the store's
 * {@code tmp/}, or a directory the user hands over).
 */
public final class InRoot {
    private static final int MAX_LINKS = 40;

    private InRoot() {
    }

    /** The regular file {@code name} names inside {@code root}; {@link ImageException.BadLayer} if it is not one. */
    public static Path file(Path root, String name) {
        Path p = resolve(root, name);
        if (!Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
            throw new ImageException.BadLayer(ImageException.BadLayer.Kind.MALFORMED, name, "not a file of the archive",
                    "the archive is incomplete or damaged");
        }
        return p;
    }

    /** {@code name} resolved inside {@code root}; the path may not exist (its parents do). */
    public static Path resolve(Path root, String name) {
        Deque<String> todo = new ArrayDeque<>();
        push(todo, name);
        Path at = root;
        int links = 0;
        try {
            while (!todo.isEmpty()) {
                String part = todo.pop();
                if (part.isEmpty() || part.equals(".")) {
                    continue;
                }
                if (part.equals("..")) {
                    at = at.equals(root) ? root : at.getParent();
                    continue;
                }
                Path next = at.resolve(part);
                if (Files.isSymbolicLink(next)) {
                    if (++links > MAX_LINKS) {
                        throw new ImageException.BadLayer(ImageException.BadLayer.Kind.ESCAPE, name, "too many levels of symlinks",
                                "the archive's symlinks loop");
                    }
                    String target = Files.readSymbolicLink(next).toString();
                    push(todo, target);
                    if (target.startsWith("/")) {
                        at = root;
                    }
                    continue;
                }
                if (!todo.isEmpty() && !Files.isDirectory(next, LinkOption.NOFOLLOW_LINKS)) {
                    throw new NoSuchFileException(next.toString());
                }
                at = next;
            }
        } catch (IOException e) {
            throw new ImageException.BadLayer(ImageException.BadLayer.Kind.MALFORMED, name, "cannot be found in the archive: " + e.getMessage(),
                    "the archive is incomplete or damaged");
        }
        return at;
    }

    private static void push(Deque<String> todo, String path) {
        String[] parts = path.split("/");
        for (int i = parts.length - 1; i >= 0; i--) {
            todo.push(parts[i]);
        }
    }
}
