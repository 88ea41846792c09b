package dev.flint.images.internal;

import dev.flint.images.ImageException;
import dev.flint.images.LayerDigest;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * The locks of one store, between threads and between processes. Each is a JVM lock (file locks
 * belong to the process, and the JDK refuses overlapping ones) followed by an {@code fcntl} lock on a
 * file under {@code locks/}, which the kernel drops when a process dies, so a crash never leaves a
 * store locked.
 *
 * <ul>
 * <li>{@link #shared()}: held by whatever adds to the store (imports, builds, tags), so that
 *     {@link #exclusive()}, held by prune, never removes something added but not tagged yet.
 *     Reentrant per thread.</li>
 * <li>{@link #digest}: one importer of a digest at a time; not reentrant. Take it inside
 *     {@link #shared()}, never the other way round.</li>
 * </ul>
 * One instance per store root in a JVM ({@link #of}); thread-safe.
 */
public final class StoreLocks {
    private static final ConcurrentMap<Path, StoreLocks> BY_ROOT = new ConcurrentHashMap<>();

    private final StorePaths paths;
    private final ReentrantReadWriteLock storeLock = new ReentrantReadWriteLock();
    private final Object sharedFileState = new Object();
    private int sharedHolders;
    private FileChannel sharedChannel;
    private FileLock sharedFileLock;
    private final ConcurrentMap<LayerDigest, ReentrantLock> digestLocks = new ConcurrentHashMap<>();
    private final ConcurrentMap<LayerDigest, ReentrantLock> downloadLocks = new ConcurrentHashMap<>();
    private final ReentrantLock packLock = new ReentrantLock();

    private StoreLocks(StorePaths paths) {
        this.paths = paths;
    }

    /** A lock that is released by {@link #close()}, which throws nothing. */
    public interface Held extends AutoCloseable {
        @Override
        void close();
    }

    public static StoreLocks of(StorePaths paths) {
        return BY_ROOT.computeIfAbsent(paths.root(), r -> new StoreLocks(paths));
    }

    /** The store lock, shared: adding to the store. */
    public Held shared() {
        storeLock.readLock().lock();
        try {
            synchronized (sharedFileState) {
                if (sharedHolders == 0) {
                    sharedChannel = open(paths.storeLock());
                    try {
                        sharedFileLock = sharedChannel.lock(0, Long.MAX_VALUE, true);
                    } catch (IOException | RuntimeException e) {
                        closeQuietly(sharedChannel);
                        throw e;
                    }
                }
                sharedHolders++;
            }
        } catch (IOException e) {
            storeLock.readLock().unlock();
            throw new ImageException.StoreFailed("cannot lock", paths.storeLock(), e);
        } catch (RuntimeException e) {
            storeLock.readLock().unlock();
            throw e;
        }
        return () -> {
            synchronized (sharedFileState) {
                if (--sharedHolders == 0) {
                    release(sharedFileLock, sharedChannel);
                    sharedFileLock = null;
                    sharedChannel = null;
                }
            }
            storeLock.readLock().unlock();
        };
    }

    /** The store lock, exclusive: waits until no thread or process is adding to the store. */
    public Held exclusive() {
        storeLock.writeLock().lock();
        try {
            return fileLock(paths.storeLock(), storeLock.writeLock()::unlock);
        } catch (RuntimeException e) {
            storeLock.writeLock().unlock();
            throw e;
        }
    }

    /** The import lock of one digest. */
    public Held digest(LayerDigest d) {
        ReentrantLock jvm = digestLocks.computeIfAbsent(d, k -> new ReentrantLock());
        if (jvm.isHeldByCurrentThread()) {
            throw new IllegalStateException("digest lock of " + d + " taken twice by one thread");
        }
        return locked(jvm, paths.digestLock(d));
    }

    /**
     * The download lock of one blob: one pull downloads and imports it at a time (a layer's blob
     * digest may be its diff id, whose {@link #digest} lock the import takes inside this one).
     */
    public Held download(LayerDigest d) {
        return locked(downloadLocks.computeIfAbsent(d, k -> new ReentrantLock()), paths.downloadLock(d));
    }

    /** The lock of the small-blob pack: one writer (append or compaction) at a time. Take it last. */
    public Held pack() {
        return locked(packLock, paths.packLock());
    }

    /** Takes {@code jvm} (other threads of this JVM), then the file lock (other processes); released in the reverse order. */
    private static Held locked(ReentrantLock jvm, Path file) {
        jvm.lock();
        try {
            return fileLock(file, jvm::unlock);
        } catch (RuntimeException e) {
            jvm.unlock();
            throw e;
        }
    }

    private static Held fileLock(Path file, Runnable thenRelease) {
        FileChannel ch;
        try {
            ch = open(file);
        } catch (IOException e) {
            throw new ImageException.StoreFailed("cannot open lock file", file, e);
        }
        FileLock lock;
        try {
            lock = ch.lock();
        } catch (IOException e) {
            closeQuietly(ch);
            throw new ImageException.StoreFailed("cannot lock", file, e);
        }
        return () -> {
            release(lock, ch);
            thenRelease.run();
        };
    }

    private static FileChannel open(Path file) throws IOException {
        Files.createDirectories(file.getParent());
        return FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
    }

    private static void release(FileLock lock, FileChannel ch) {
        try {
            lock.release();
        } catch (IOException e) {
            // closing the channel below releases it too
        }
        closeQuietly(ch);
    }

    private static void closeQuietly(FileChannel ch) {
        try {
            ch.close();
        } catch (IOException e) {
            // nothing left to do with it
        }
    }
}
