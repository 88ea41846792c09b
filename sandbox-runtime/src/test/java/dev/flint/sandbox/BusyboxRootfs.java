package dev.flint.sandbox;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;

/** A minimal root file system for tests: Debian's static busybox and a symlink per applet used. */
public final class BusyboxRootfs {
    public static final Path HOST_BUSYBOX = Path.of("/bin/busybox");
    /** The loader and C library a dynamically linked host tool needs (Debian, x86-64). */
    public static final List<Path> HOST_LIBC = List.of(
            Path.of("/lib64/ld-linux-x86-64.so.2"), Path.of("/lib/x86_64-linux-gnu/libc.so.6"));
    private static final List<String> APPLETS = List.of(
            "sh", "echo", "cat", "ls", "sleep", "true", "false", "id", "hostname", "ps", "mount", "umount",
            "touch", "rm", "mkdir", "dd", "head", "wc", "grep", "yes", "ip", "ifconfig", "env", "kill",
            "mknod", "stat", "setsid", "nsenter", "unshare", "insmod", "chroot", "seq", "uname", "df", "test",
            "readlink", "tr", "cut", "sed", "awk", "printf", "find", "chmod", "tail", "sort", "timeout", "pwd", "nc");

    private BusyboxRootfs() {
    }

    /** Creates the tree under dir (bin/, tmp/, etc/, proc/, dev/) and returns dir. */
    public static Path create(Path dir) throws IOException {
        Path bin = Files.createDirectories(dir.resolve("bin"));
        Files.copy(HOST_BUSYBOX, bin.resolve("busybox"), StandardCopyOption.REPLACE_EXISTING);
        for (String applet : APPLETS) {
            Files.createSymbolicLink(bin.resolve(applet), Path.of("busybox"));
        }
        for (String d : List.of("tmp", "etc", "proc", "dev", "root")) {
            Files.createDirectories(dir.resolve(d));
        }
        dir.resolve("tmp").toFile().setWritable(true, false);
        Files.setPosixFilePermissions(dir.resolve("tmp"), java.nio.file.attribute.PosixFilePermissions.fromString("rwxrwxrwx"));
        Files.writeString(dir.resolve("etc/passwd"), "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/tmp:/bin/sh\n");
        return dir;
    }

    /** Whether {@link #installHostTool} can work here: the tool and the host's loader and libc exist. */
    public static boolean canInstallHostTool(Path tool) {
        return Files.isRegularFile(tool) && HOST_LIBC.stream().allMatch(Files::isRegularFile);
    }

    /**
     * Copies a dynamically linked host program that needs only the C library (such as util-linux's
     * ipcmk) into bin/ of the rootfs, with the loader and libc at the paths it looks for them.
     */
    public static void installHostTool(Path dir, Path tool) throws IOException {
        for (Path lib : HOST_LIBC) {
            Path target = dir.resolve(lib.toString().substring(1));
            Files.createDirectories(target.getParent());
            Files.copy(lib, target, StandardCopyOption.REPLACE_EXISTING); // follows the host's symlinks
        }
        Files.copy(tool, dir.resolve("bin").resolve(tool.getFileName()), StandardCopyOption.REPLACE_EXISTING);
    }
}
