package dev.flint.sandbox.internal.cgroup;

import dev.flint.sandbox.SandboxException;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.OptionalLong;

/**
 * Reads and writes cgroup control files, parses their formats, and turns I/O errors into
 * {@link SandboxException.Failed} naming the file. Thread-safe (stateless over a {@link CgroupFs}).
 */
final class ControlFiles {

    private final CgroupFs fs;

    ControlFiles(CgroupFs fs) {
        this.fs = fs;
    }

    CgroupFs fs() {
        return fs;
    }

    boolean exists(Path file) {
        return fs.exists(file);
    }

    void write(Path file, String value) {
        try {
            fs.write(file, value);
        } catch (IOException e) {
            throw new SandboxException.Failed(
                    "cannot write \"" + value + "\" to " + file + ": " + reason(e),
                    "check that the controller is enabled for this cgroup and the value is one the kernel accepts",
                    e);
        }
    }

    /**
     * Writes like {@link #write}, but returns false instead of throwing when the kernel says the
     * file or the value is not supported here (missing file, EACCES, EPERM, EINVAL).
     */
    boolean writeIfSupported(Path file, String value) {
        try {
            fs.write(file, value);
            return true;
        } catch (NoSuchFileException | AccessDeniedException e) {
            return false;
        } catch (IOException e) {
            if (isUnsupported(e)) {
                return false;
            }
            throw new SandboxException.Failed(
                    "cannot write \"" + value + "\" to " + file + ": " + reason(e),
                    "check that the cgroup still exists", e);
        }
    }

    String read(Path file) {
        try {
            return fs.read(file);
        } catch (IOException e) {
            throw new SandboxException.Failed("cannot read " + file + ": " + reason(e),
                    "check that the cgroup still exists and its controller is mounted", e);
        }
    }

    /** A file holding one number, e.g. memory.max_usage_in_bytes. */
    long readLong(Path file) {
        return parseLong(file, read(file).trim());
    }

    /**
     * The number after {@code key} in a file of "key value" lines (cpu.stat, memory.events,
     * memory.oom_control); empty when no line has that key.
     */
    OptionalLong readKeyed(Path file, String key) {
        return keyed(file, read(file), key);
    }

    /** {@link #readKeyed} of content already read. */
    static OptionalLong keyed(Path file, String content, String key) {
        // By hand, not split("\\s+"): this runs after every request, and a regex per line showed.
        int at = 0;
        while (at < content.length()) {
            int end = content.indexOf('\n', at);
            if (end < 0) {
                end = content.length();
            }
            String line = content.substring(at, end).trim();
            at = end + 1;
            int space = line.indexOf(' ');
            if (space < 0) {
                space = line.indexOf('\t');
            }
            if (space > 0 && line.regionMatches(0, key, 0, key.length()) && space == key.length()) {
                String value = line.substring(space + 1).trim();
                if (!value.isEmpty() && value.chars().noneMatch(Character::isWhitespace)) {
                    return OptionalLong.of(parseLong(file, value));
                }
            }
        }
        return OptionalLong.empty();
    }

    /** A number read from an open control file, e.g. memory.max_usage_in_bytes. */
    static long number(Path file, String content) {
        return parseLong(file, content.trim());
    }

    /** Opens a control file to keep (see {@link CgroupFs#open}). */
    CgroupFs.Control open(Path file, boolean writable) {
        try {
            return fs.open(file, writable);
        } catch (IOException e) {
            throw new SandboxException.Failed("cannot open " + file + ": " + reason(e),
                    "check that the cgroup still exists and its controller is mounted", e);
        }
    }

    /** Reads an open control file, with the errors of {@link #read}. */
    static String read(Path file, CgroupFs.Control control) {
        try {
            return control.read();
        } catch (IOException e) {
            throw new SandboxException.Failed("cannot read " + file + ": " + reason(e),
                    "check that the cgroup still exists and its controller is mounted", e);
        }
    }

    /** The pids listed in a cgroup.procs file; empty when the file does not exist. */
    List<Integer> readPids(Path procsFile) {
        String content;
        try {
            content = fs.read(procsFile);
        } catch (NoSuchFileException e) {
            return List.of();
        } catch (IOException e) {
            throw new SandboxException.Failed("cannot read " + procsFile + ": " + reason(e),
                    "check that the cgroup still exists and its controller is mounted", e);
        }
        List<Integer> pids = new ArrayList<>();
        for (String line : content.split("\n")) {
            if (!line.isBlank()) {
                pids.add((int) parseLong(procsFile, line.trim()));
            }
        }
        return pids;
    }

    /** The errno text of an I/O error, without the path java.nio puts in front of it. */
    static String reason(IOException e) {
        String reason = e instanceof FileSystemException fse ? fse.getReason() : e.getMessage();
        if (reason == null && e instanceof NoSuchFileException) {
            reason = "no such file or directory";
        } else if (reason == null && e instanceof AccessDeniedException) {
            reason = "permission denied";
        } else if (reason == null) {
            reason = e.getClass().getSimpleName();
        }
        return reason.toLowerCase(Locale.ROOT);
    }

    static boolean isUnsupported(IOException e) {
        String reason = reason(e);
        return reason.contains("invalid argument") || reason.contains("operation not permitted")
                || reason.contains("permission denied");
    }

    private static long parseLong(Path file, String text) {
        try {
            return Long.parseLong(text);
        } catch (NumberFormatException e) {
            throw new SandboxException.Failed("unexpected content in " + file + ": \"" + text + "\"",
                    "check that " + file.getFileName() + " is a control file this kernel provides", e);
        }
    }
}
