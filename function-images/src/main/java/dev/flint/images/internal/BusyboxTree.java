package dev.flint.images.internal;

import dev.flint.images.ImageException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Completes the tree unpacked from Debian's busybox-static into a root file system: a symlink per
 * applet in /bin, /etc/passwd and /etc/group (root, nobody), /tmp with mode 1777 and the mount
 * points the sandbox uses (/proc, /dev). The applet list comes from the binary itself.
 */
public final class BusyboxTree {
    static final String PASSWD = "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/tmp:/bin/sh\n";
    static final String GROUP = "root:x:0:\nnogroup:x:65534:\n";

    private BusyboxTree() {
    }

    /** Adds the applets, files and directories to {@code root}; returns how many applets. */
    public static int complete(Path root) {
        Path busybox = root.resolve("bin/busybox");
        if (!Files.isRegularFile(busybox, LinkOption.NOFOLLOW_LINKS)) {
            throw new ImageException.BuildFailed("assemble", "busybox-static did not unpack bin/busybox",
                    "the package layout changed: check dpkg-deb -c on the downloaded .deb");
        }
        // the static binary runs on the host as it is: this is a build step, not the sandbox path
        String list = Commands.run("assemble", List.of(busybox.toString(), "--list"), null, Map.of(), "");
        int applets = 0;
        try {
            for (String applet : list.split("\n")) {
                applet = applet.strip();
                if (applet.isEmpty() || applet.equals("busybox") || applet.contains("/")) {
                    continue;
                }
                Path link = root.resolve("bin").resolve(applet);
                if (!Files.exists(link, LinkOption.NOFOLLOW_LINKS)) {
                    Files.createSymbolicLink(link, Path.of("busybox"));
                    applets++;
                }
            }
            // function: where the invoker attaches a function's code (FunctionSpec.CODE_PATH); present
            // in the image, it need not be made in each fresh root on the first request (~50 us cold)
            for (String dir : List.of("etc", "proc", "dev", "root", "tmp", "function")) {
                Files.createDirectories(root.resolve(dir));
            }
            Files.setAttribute(root.resolve("tmp"), "unix:mode", 01777);
            Files.writeString(root.resolve("etc/passwd"), PASSWD);
            Files.writeString(root.resolve("etc/group"), GROUP);
        } catch (IOException e) {
            throw new ImageException.BuildFailed("assemble", e.toString(), "check the build directory's space", e);
        }
        return applets;
    }
}
