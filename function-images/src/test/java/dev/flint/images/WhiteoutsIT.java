package dev.flint.images;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.flint.sandbox.ProcessSpec;
import dev.flint.sandbox.Sandbox;
import dev.flint.sandbox.SandboxSpec;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * OCI whiteouts and opaque directories, unpacked in overlayfs's format, hide what lower layers
 * have when the layers are mounted in a real sandbox: with and without a user namespace (which
 * mounts the overlay with {@code userxattr}, so it reads {@code user.overlay.opaque}).
 */
class WhiteoutsIT {
    @TempDir
    static Path tmp;
    private static SandboxFixture sandboxes;
    private static Image image;

    @BeforeAll
    static void start() throws IOException {
        ItImages.assumeRoot();
        sandboxes = new SandboxFixture(tmp, "whiteouts");
        ImageStore store = ItImages.store();
        Image busybox = ItImages.busybox();
        try (ImageStore.Lease lease = store.lease()) {
            Layer mid = store.importLayer(new ByteArrayInputStream(tar("etc/motd", "old", "data/a", "a", "data/b", "b", "keep/x", "x")), null);
            Layer top = store.importLayer(new ByteArrayInputStream(tar("etc/.wh.motd", "", "data/.wh..wh..opq", "", "data/c", "c")), null);
            List<Layer> layers = new ArrayList<>(busybox.layers());
            layers.add(mid);
            layers.add(top);
            image = store.commit(ImageRef.parse("it/whiteouts:latest"), busybox.config(), layers);
        }
    }

    @AfterAll
    static void stop() throws IOException {
        if (sandboxes != null) {
            sandboxes.close();
        }
    }

    @Test
    void whiteoutHidesAFile_andOpaqueDirHidesItsLowerContent() {
        String out = sandboxes.runOk(image, "sh", "-c", "ls /data; test -e /etc/motd && echo motd; ls /keep");
        assertEquals("c\nx\n", out);
    }

    @Test
    void theSameTree_worksInAUserNamespace() {
        try (Sandbox sb = sandboxes.runtime.create(SandboxSpec.builder().layers(image.layerDirs()).userNamespace(100000).build())) {
            var e = sb.run(ProcessSpec.builder("sh", "-c", "ls /data; test -e /etc/motd && echo motd; ls /keep").build());
            assertEquals("c\nx\n", e.stdoutText(), SandboxFixture.describe(e));
        }
    }

    private static byte[] tar(String... nameContent) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (TarArchiveOutputStream t = new TarArchiveOutputStream(out)) {
            for (int i = 0; i < nameContent.length; i += 2) {
                byte[] b = nameContent[i + 1].getBytes(StandardCharsets.UTF_8);
                TarArchiveEntry e = new TarArchiveEntry(nameContent[i]);
                e.setSize(b.length);
                e.setMode(0644);
                t.putArchiveEntry(e);
                t.write(b);
                t.closeArchiveEntry();
            }
        }
        return out.toByteArray();
    }
}
