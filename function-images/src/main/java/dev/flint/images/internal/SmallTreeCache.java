package dev.flint.images.internal;

import dev.flint.images.ImageException;
import dev.flint.images.LayerDigest;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.stream.Stream;

/**
 * Where the trees of small layers are cached ({@link StorePaths#smallLayerDir}): a root, by default
 * {@code /dev/shm/flint-trees} (memory), holding one directory per store named by a hash of the
 * store's path. The root is made 0711 and a store's directory 0700; both must belong to the
 * store's owner, never be symbolic links, and be writable by nobody else: {@code /dev/shm} is
 * writable by everyone, and a tree there becomes a sandbox's code. Only the store's owner keeps a
 * cache ({@link #usableFor}). A sandbox in a user namespace cannot reach the cache, so
 * {@code flint sandbox run --userns} opens the store without one. Each store's cache names its store in a file {@code store};
 * opening a store removes the caches beside its own whose store is gone.
 */
public final class SmallTreeCache {
    private static final String STORE_FILE = "store";

    private SmallTreeCache() {
    }

    /** The cache directory of the store at {@code storeRoot} below {@code cacheRoot}. */
    public static Path of(Path cacheRoot, Path storeRoot) {
        String path = storeRoot.toAbsolutePath().normalize().toString();
        return cacheRoot.toAbsolutePath().normalize().resolve(LayerDigest.of(path.getBytes(StandardCharsets.UTF_8)).hex().substring(0, 16));
    }

    /**
     * Whether this process may keep a cache for the store at {@code storeRoot}: only its owner
     * may (another user's process would make, in a place everyone can write, directories the
     * owner then refuses); others use the store without one.
     */
    public static boolean usableFor(Path storeRoot) {
        try {
            return (int) Files.getAttribute(storeRoot, "unix:uid") == effectiveUid();
        } catch (IOException e) {
            return false;
        }
    }

    /** Makes the cache root and the store's directory in it (checked as above), records its store, sweeps caches of stores that are gone. */
    public static void prepare(Path storeRoot, Path dir) {
        Path root = storeRoot.toAbsolutePath().normalize();
        Path cache = dir.toAbsolutePath().normalize();
        try {
            check(root, cache);
            sweepGone(cache);
            Path record = cache.resolve(STORE_FILE);
            if (!Files.exists(record, LinkOption.NOFOLLOW_LINKS)) {
                Path tmp = cache.resolve(".tmp-store-" + java.util.UUID.randomUUID());
                Files.writeString(tmp, root + "\n", StandardCharsets.UTF_8);
                Files.move(tmp, record, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            throw new ImageException.StoreFailed("cannot prepare the small-layer tree cache", cache, e);
        }
    }

    /**
     * Makes (when missing) and checks the cache root (0711: others may pass, not list) and the
     * store's directory (0700), before anything is unpacked there: a directory that vanished
     * since the store opened is made again, never followed through a link someone put there.
     */
    public static void check(Path storeRoot, Path dir) throws IOException {
        int owner = (int) Files.getAttribute(storeRoot, "unix:uid");
        Files.createDirectories(dir.getParent().getParent());
        ensurePrivate(dir.getParent(), owner, "rwx--x--x");
        ensurePrivate(dir, owner, "rwx------");
    }

    private static void ensurePrivate(Path dir, int owner, String perms) throws IOException {
        try {
            Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString(perms)));
        } catch (FileAlreadyExistsException e) {
            // checked below, as any existing one is
        }
        if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
            throw new ImageException.StoreFailed("the small-layer tree cache is not a plain directory:", dir,
                    new IOException("remove it, or choose another cache directory"));
        }
        int uid = (int) Files.getAttribute(dir, "unix:uid", LinkOption.NOFOLLOW_LINKS);
        int mode = (int) Files.getAttribute(dir, "unix:mode", LinkOption.NOFOLLOW_LINKS);
        if (uid != owner || (mode & 0022) != 0) {
            throw new ImageException.StoreFailed("the small-layer tree cache belongs to uid " + uid + " or is writable by others ("
                    + Integer.toOctalString(mode & 0777) + "):", dir, new IOException("remove it; Flint makes its own"));
        }
    }

    /** This process's effective uid (/proc/self/status: real, effective, saved, fs). */
    private static int effectiveUid() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"), StandardCharsets.US_ASCII)) {
            if (line.startsWith("Uid:")) {
                return Integer.parseInt(line.substring(4).trim().split("\\s+")[1]);
            }
        }
        throw new IOException("no Uid line in /proc/self/status");
    }

    /** Removes the caches beside {@code keep} whose store no longer exists. */
    private static void sweepGone(Path keep) throws IOException {
        try (Stream<Path> caches = Files.list(keep.getParent())) {
            for (Path c : caches.toList()) {
                if (c.equals(keep) || !Files.isDirectory(c, LinkOption.NOFOLLOW_LINKS)) {
                    continue;
                }
                Path record = c.resolve(STORE_FILE);
                if (!Files.isRegularFile(record, LinkOption.NOFOLLOW_LINKS)) {
                    continue; // being made, or not ours to judge
                }
                Path store = Path.of(Files.readString(record, StandardCharsets.UTF_8).strip());
                if (Files.notExists(store, LinkOption.NOFOLLOW_LINKS)) { // gone for sure, not merely out of sight
                    Trees.delete(c);
                }
            }
        }
    }
}
