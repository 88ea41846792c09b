package dev.flint.sandbox.internal.cgroup;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** {@link CgroupFs} on the real file system, through java.nio.file. Stateless and thread-safe. */
final class HostCgroupFs implements CgroupFs {

    static final HostCgroupFs INSTANCE = new HostCgroupFs();

    private HostCgroupFs() {}

    @Override
    public boolean exists(Path path) {
        return Files.exists(path);
    }

    @Override
    public boolean isDirectory(Path path) {
        return Files.isDirectory(path);
    }

    @Override
    public String read(Path file) throws IOException {
        return Files.readString(file, StandardCharsets.US_ASCII);
    }

    @Override
    public void write(Path file, String value) throws IOException {
        ByteBuffer bytes = ByteBuffer.wrap(value.getBytes(StandardCharsets.US_ASCII));
        try (FileChannel channel =
                FileChannel.open(file, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
            // cgroupfs parses each write(2) on its own: the value must go in one call.
            channel.write(bytes);
        }
        if (bytes.hasRemaining()) {
            throw new IOException("short write of " + value.length() + " bytes to " + file);
        }
    }

    @Override
    public Control open(Path file, boolean writable) throws IOException {
        // read-only control files refuse an open for writing even to root
        FileChannel channel = writable
                ? FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)
                : FileChannel.open(file, StandardOpenOption.READ);
        return new Control() {
            private final ByteBuffer buffer = ByteBuffer.allocate(4096);

            @Override
            public String read() throws IOException {
                buffer.clear();
                // pread at 0: cgroupfs regenerates the content for a read from the start. A
                // control file comes whole in one read, ending in a newline; another read only
                // for a short one, since each regenerates the file (read per request: W4, W5).
                while (buffer.hasRemaining() && channel.read(buffer, buffer.position()) > 0 && !endsWithNewline()) {
                    // a short read: ask for the rest
                }
                return new String(buffer.array(), 0, buffer.position(), StandardCharsets.US_ASCII);
            }

            private boolean endsWithNewline() {
                return buffer.position() > 0 && buffer.get(buffer.position() - 1) == '\n';
            }

            @Override
            public void write(String value) throws IOException {
                ByteBuffer bytes = ByteBuffer.wrap(value.getBytes(StandardCharsets.US_ASCII));
                channel.write(bytes, 0);
                if (bytes.hasRemaining()) {
                    throw new IOException("short write of " + value.length() + " bytes to " + file);
                }
            }

            @Override
            public void close() throws IOException {
                channel.close();
            }
        };
    }

    @Override
    public boolean mkdir(Path dir) throws IOException {
        try {
            Files.createDirectory(dir);
            return true;
        } catch (FileAlreadyExistsException e) {
            if (Files.isDirectory(dir)) {
                return false;
            }
            throw e;
        }
    }

    @Override
    public boolean rmdir(Path dir) throws IOException {
        try {
            // Files.delete calls rmdir(2) for a directory; on cgroupfs that works although the
            // directory lists control files.
            Files.delete(dir);
            return true;
        } catch (NoSuchFileException e) {
            return false;
        }
    }

    @Override
    public List<String> childDirs(Path dir) throws IOException {
        List<String> names = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
            for (Path entry : entries) {
                if (Files.isDirectory(entry, LinkOption.NOFOLLOW_LINKS)) {
                    names.add(entry.getFileName().toString());
                }
            }
        } catch (NoSuchFileException e) {
            return List.of();
        }
        Collections.sort(names);
        return names;
    }

    @Override
    public Path realPath(Path path) throws IOException {
        return path.toRealPath();
    }
}
