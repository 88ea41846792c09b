package dev.flint.sandbox.internal;

import dev.flint.sandbox.SandboxException;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * A runtime's claim on the state directory: {@code <root>/<id>.lock}, locked for as long as the
 * runtime lives, and {@code <root>/<id>/}, which holds the empty directory each init mounts its
 * private root on (inside its own mount namespace, so the host never sees those mounts).
 *
 * <p>A lock file that can be locked belongs to a runtime that died: {@link #deadRuntimes()} finds
 * them so the caller can remove what they left. The lock is taken on a temporary name that is then
 * renamed, so no one ever sees an unlocked lock file of a live runtime.
 */
public final class StateDirectory implements AutoCloseable {
    private static final String LOCK = ".lock";

    private final Path root;
    private final String id;
    private final FileChannel channel;
    private final FileLock lock;

    private StateDirectory(Path root, String id, FileChannel channel, FileLock lock) {
        this.root = root;
        this.id = id;
        this.channel = channel;
        this.lock = lock;
    }

    public static StateDirectory claim(Path root, String id) {
        try {
            Files.createDirectories(root, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            Path temp = Files.createTempFile(root, "claim-", ".tmp");
            FileChannel channel = FileChannel.open(temp, StandardOpenOption.WRITE);
            FileLock lock = channel.lock();
            Files.move(temp, root.resolve(id + LOCK), StandardCopyOption.ATOMIC_MOVE);
            Files.createDirectories(root.resolve(id).resolve("mnt"));
            return new StateDirectory(root, id, channel, lock);
        } catch (IOException e) {
            throw new SandboxException.HostUnsupported("cannot use state directory " + root + ": " + e.getMessage(),
                    "make it writable by root, or pick another with flint.sandbox.state-dir", e);
        }
    }

    public String id() {
        return id;
    }

    /** The directory an init mounts its private root on. */
    public Path mountPoint() {
        return root.resolve(id).resolve("mnt");
    }

    /** Ids of runtimes whose lock file nobody holds: they died without cleaning up. */
    public List<String> deadRuntimes() {
        List<String> dead = new ArrayList<>();
        try (DirectoryStream<Path> locks = Files.newDirectoryStream(root, "*" + LOCK)) {
            for (Path file : locks) {
                String other = file.getFileName().toString();
                other = other.substring(0, other.length() - LOCK.length());
                if (!other.equals(id) && isUnlocked(file)) {
                    dead.add(other);
                }
            }
        } catch (IOException e) {
            throw new SandboxException.Failed("cannot list state directory " + root, "check its permissions", e);
        }
        return dead;
    }

    private static boolean isUnlocked(Path file) {
        try (FileChannel c = FileChannel.open(file, StandardOpenOption.WRITE)) {
            FileLock probe = c.tryLock();
            if (probe == null) {
                return false;
            }
            probe.release();
            return true;
        } catch (OverlappingFileLockException e) {
            return false; // another runtime in this JVM holds it
        } catch (IOException e) {
            return false; // gone meanwhile: someone else cleaned it
        }
    }

    /** Deletes what a dead runtime left in the state directory, once its other leftovers are gone. */
    public void forget(String deadId) {
        deleteTree(root.resolve(deadId));
        try {
            Files.deleteIfExists(root.resolve(deadId + LOCK));
        } catch (IOException e) {
            throw new SandboxException.Failed("cannot delete " + root.resolve(deadId + LOCK), "delete it by hand", e);
        }
    }

    private static void deleteTree(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            throw new SandboxException.Failed("cannot delete " + dir + ": " + e.getMessage(),
                    "something may still be mounted there: check /proc/mounts", e);
        }
    }

    @Override
    public void close() {
        deleteTree(root.resolve(id));
        try {
            Files.deleteIfExists(root.resolve(id + LOCK));
            lock.release();
            channel.close();
        } catch (IOException e) {
            throw new SandboxException.Failed("cannot release state directory " + root, "delete " + id + LOCK + " by hand", e);
        }
    }
}
