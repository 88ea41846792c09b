package dev.flint.sandbox.internal.cgroup;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * The file operations the cgroup code makes, and the only place it touches the file system.
 * cgroupfs differs from an ordinary directory tree in two ways that matter here: mkdir fills the
 * new directory with control files, and rmdir removes a directory that still lists them (failing
 * with EBUSY while processes or child cgroups remain). Unit tests put a fake with those two
 * behaviours over a temporary directory.
 *
 * <p>Implementations are thread-safe.
 */
interface CgroupFs {

    /** The real file system. */
    static CgroupFs host() {
        return HostCgroupFs.INSTANCE;
    }

    boolean exists(Path path);

    boolean isDirectory(Path path);

    /** The whole content of a control file. */
    String read(Path file) throws IOException;

    /**
     * Writes {@code value} to an existing control file in a single write, as the kernel wants.
     * Never creates the file: a missing control file means the controller is not there.
     */
    void write(Path file, String value) throws IOException;

    /**
     * A control file kept open, for files read or written on every request (a sandbox's peak
     * memory): each {@link Control#read()} re-reads it from the start, without the open and close.
     */
    Control open(Path file, boolean writable) throws IOException;

    /** An open control file. Not thread-safe; close it before its cgroup is removed. */
    interface Control extends java.io.Closeable {
        /** The whole content, read again now. */
        String read() throws IOException;

        /** Writes the value in a single write, as {@link CgroupFs#write} does. */
        void write(String value) throws IOException;
    }

    /** Makes one directory; true if this call made it, false if it already existed. */
    boolean mkdir(Path dir) throws IOException;

    /** Removes one cgroup directory; true if this call removed it, false if it did not exist. */
    boolean rmdir(Path dir) throws IOException;

    /** Names of the sub-directories of {@code dir}, sorted; empty if {@code dir} does not exist. */
    List<String> childDirs(Path dir) throws IOException;

    /** The path with symbolic links resolved (joint v1 mounts are often reached through links). */
    Path realPath(Path path) throws IOException;
}
