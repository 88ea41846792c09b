package dev.flint.sandbox.internal.cgroup;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * A {@link CgroupFs} over a temporary directory that behaves like cgroupfs where it matters:
 * mkdir gives the new cgroup the control files of its parent (empty), and rmdir removes a cgroup
 * with its control files, but fails with EBUSY while it has child cgroups or pids in cgroup.procs.
 * Writes to cgroup.subtree_control add and remove controllers as the kernel does. It records
 * every write and every rmdir, and can be told to fail writes to a file name.
 */
final class FixtureCgroupFs implements CgroupFs {

    /** One write of a value to a control file. */
    record Write(Path file, String value) {
        @Override
        public String toString() {
            return file + "=" + value;
        }
    }

    private final CgroupFs host = CgroupFs.host();
    private final List<Write> writes = new ArrayList<>();
    private final List<Path> removed = new ArrayList<>();
    private final Map<String, String> failingWrites = new HashMap<>();

    /** Makes every later write to a file named {@code fileName} fail with {@code reason}. */
    synchronized void failWritesTo(String fileName, String reason) {
        failingWrites.put(fileName, reason);
    }

    synchronized List<Write> writes() {
        return List.copyOf(writes);
    }

    /** The writes to files named {@code fileName}, in order. */
    synchronized List<Write> writesTo(String fileName) {
        return writes.stream().filter(w -> w.file().getFileName().toString().equals(fileName)).toList();
    }

    synchronized List<Path> removed() {
        return List.copyOf(removed);
    }

    @Override
    public boolean exists(Path path) {
        return host.exists(path);
    }

    @Override
    public boolean isDirectory(Path path) {
        return host.isDirectory(path);
    }

    @Override
    public String read(Path file) throws IOException {
        return host.read(file);
    }

    @Override
    public synchronized void write(Path file, String value) throws IOException {
        String failure = failingWrites.get(file.getFileName().toString());
        if (failure != null) {
            throw new IOException(failure);
        }
        if (file.getFileName().toString().equals("cgroup.subtree_control")) {
            host.write(file, applyToSubtreeControl(host.read(file), value));
        } else {
            host.write(file, value);
        }
        writes.add(new Write(file, value));
    }

    /** What the kernel does with "+name" and "-name" words written to cgroup.subtree_control. */
    private static String applyToSubtreeControl(String enabled, String change) {
        Set<String> controllers = new TreeSet<>(Arrays.asList(enabled.trim().split("\\s+")));
        controllers.remove("");
        for (String word : change.trim().split("\\s+")) {
            if (word.startsWith("+")) {
                controllers.add(word.substring(1));
            } else if (word.startsWith("-")) {
                controllers.remove(word.substring(1));
            }
        }
        return String.join(" ", controllers) + "\n";
    }

    @Override
    public Control open(Path file, boolean writable) throws IOException {
        if (!Files.exists(file)) {
            throw new java.nio.file.NoSuchFileException(file.toString());
        }
        return new Control() {
            @Override
            public String read() throws IOException {
                return FixtureCgroupFs.this.read(file);
            }

            @Override
            public void write(String value) throws IOException {
                if (!writable) {
                    throw new IOException("opened read-only: " + file);
                }
                FixtureCgroupFs.this.write(file, value);
            }

            @Override
            public void close() {
            }
        };
    }

    @Override
    public boolean mkdir(Path dir) throws IOException {
        if (!host.mkdir(dir)) {
            return false;
        }
        try (DirectoryStream<Path> parentFiles = Files.newDirectoryStream(dir.getParent(), Files::isRegularFile)) {
            for (Path controlFile : parentFiles) {
                Files.createFile(dir.resolve(controlFile.getFileName()));
            }
        }
        return true;
    }

    @Override
    public synchronized boolean rmdir(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return false;
        }
        Path procs = dir.resolve("cgroup.procs");
        if (!host.childDirs(dir).isEmpty() || (Files.exists(procs) && !Files.readString(procs).isBlank())) {
            throw new FileSystemException(dir.toString(), null, "Device or resource busy");
        }
        try (DirectoryStream<Path> controlFiles = Files.newDirectoryStream(dir)) {
            for (Path controlFile : controlFiles) {
                Files.delete(controlFile);
            }
        }
        Files.delete(dir);
        removed.add(dir);
        return true;
    }

    @Override
    public List<String> childDirs(Path dir) throws IOException {
        return host.childDirs(dir);
    }

    @Override
    public Path realPath(Path path) throws IOException {
        return host.realPath(path);
    }
}
