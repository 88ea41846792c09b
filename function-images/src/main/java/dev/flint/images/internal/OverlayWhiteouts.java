package dev.flint.images.internal;

import com.sun.jna.Library;
import com.sun.jna.Native;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * Writes OCI whiteouts in overlayfs's own format, because Flint mounts each layer as its own lower
 * dir instead of applying layers onto one tree (ADR 0006):
 *
 * <ul>
 *   <li>a whiteout ({@code .wh.name} in the tar) becomes a character device 0/0 named {@code name};
 *   <li>an opaque directory ({@code .wh..wh..opq}) gets the xattr {@code trusted.overlay.opaque=y}
 *       and {@code user.overlay.opaque=y}: sandboxes with a user namespace mount the overlay with
 *       {@code userxattr}, which reads only the {@code user.} one, the others only the
 *       {@code trusted.} one, and the same tree serves both.
 * </ul>
 *
 * <p>Both need root (CAP_MKNOD, and CAP_SYS_ADMIN for {@code trusted.}); the store is root's. Java
 * has neither mknod nor xattrs outside {@code user.}, hence the two libc calls through JNA. Paths
 * given here were checked by the unpacker (parents are real directories inside the root); the
 * calls do not follow a symlink in the last component ({@code mknod} creates, and fails on
 * anything there; {@code lsetxattr} acts on the link itself).
 */
final class OverlayWhiteouts {
    private static final int S_IFCHR = 0020000;

    private interface LibC extends Library {
        int mknod(String path, int mode, long dev);

        int lsetxattr(String path, String name, byte[] value, long size, int flags);
    }

    private static final class Holder {
        static final LibC LIBC = Native.load("c", LibC.class);
    }

    private OverlayWhiteouts() {
    }

    /** Makes the 0/0 character device that hides {@code path} of lower layers. */
    static void whiteout(Path path) throws IOException {
        if (Holder.LIBC.mknod(path.toString(), S_IFCHR, 0) != 0) {
            throw new IOException("mknod " + path + " (overlay whiteout): errno " + Native.getLastError());
        }
    }

    /** Marks a directory opaque: overlayfs shows none of what lower layers have below it. */
    static void opaque(Path dir) throws IOException {
        byte[] y = "y".getBytes(StandardCharsets.US_ASCII);
        for (String name : new String[] {"trusted.overlay.opaque", "user.overlay.opaque"}) {
            if (Holder.LIBC.lsetxattr(dir.toString(), name, y, y.length, 0) != 0) {
                throw new IOException("setxattr " + name + " on " + dir + " (overlay opaque dir): errno " + Native.getLastError());
            }
        }
    }
}
