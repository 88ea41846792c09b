package dev.flint.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static dev.flint.cli.HostTools.onPath;
import static dev.flint.cli.HostTools.sh;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.flint.cli.ImageCliIT.Result;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * OCI import and export cross-checked with independent tools from Debian: an image that umoci built
 * (three layers: files, a whiteout from {@code insert --whiteout}, whiteouts from {@code repack}) is imported and run with
 * {@code flint sandbox run --image}; what {@code flint image export} wrote is read by
 * {@code skopeo inspect} and {@code skopeo copy}, and skopeo's copy imported and run again.
 */
class OciInteropIT {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path tmp;
    private static String store;
    private static String importStore;

    @BeforeAll
    static void tools() throws IOException {
        assumeTrue((Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid") == 0, "needs root");
        assumeTrue(onPath("umoci") && onPath("skopeo"), "umoci and skopeo (bin/setup-host test installs them)");
        store = System.getProperty("flint.it.store", "target/it-store");
        importStore = tmp.resolve("store").toString();
        Result r = ImageCliIT.flint("image", "build", "busybox", "--store", store);
        assertEquals(0, r.status(), r.err());
    }

    @AfterAll
    static void leftNothing() throws IOException {
        Path state = tmp.resolve("state");
        if (Files.isDirectory(state)) {
            try (Stream<Path> left = Files.list(state)) {
                assertEquals(List.of(), left.toList(), "sandbox state left behind");
            }
        }
    }

    @Test
    void anImageUmociBuilt_withWhiteouts_isImported_andRuns() throws IOException {
        Path skel = tmp.resolve("skel");
        for (String d : List.of("bin", "proc", "dev", "tmp", "etc", "data")) {
            Files.createDirectories(skel.resolve(d));
        }
        Files.copy(Path.of("/bin/busybox"), skel.resolve("bin/busybox"), StandardCopyOption.COPY_ATTRIBUTES);
        Files.writeString(skel.resolve("etc/hello"), "hello\n");
        Files.writeString(skel.resolve("data/a"), "a\n");
        Files.writeString(skel.resolve("data/b"), "b\n");
        Path layout = tmp.resolve("umoci-bb");
        String image = layout + ":latest";
        sh("umoci", "init", "--layout", layout.toString());
        sh("umoci", "new", "--image", image);
        sh("umoci", "insert", "--image", image, skel.toString(), "/");
        sh("umoci", "insert", "--image", image, "--whiteout", "/etc/hello");
        // a layer made the way a build would: unpack, change the tree, repack (umoci writes .wh.a, .wh.b)
        Path bundle = tmp.resolve("bundle");
        sh("umoci", "unpack", "--image", image, bundle.toString());
        Files.delete(bundle.resolve("rootfs/data/a"));
        Files.delete(bundle.resolve("rootfs/data/b"));
        Files.writeString(bundle.resolve("rootfs/data/c"), "c\n");
        sh("umoci", "repack", "--image", image, bundle.toString());
        sh("rm", "-rf", bundle.toString());

        Result imported = ImageCliIT.flint("image", "import", layout.toString(), "--store", importStore);
        assertEquals(0, imported.status(), imported.err());
        assertTrue(imported.out().startsWith("umoci-bb:latest sha256:"), imported.out());

        Result run = run(importStore, "umoci-bb:latest", "/bin/busybox", "sh", "-c",
                "/bin/busybox ls /data; /bin/busybox test -e /etc/hello && echo hello; echo ok");
        assertEquals(0, run.status(), run.err());
        assertEquals("c\nok\n", run.out(), "whiteouts hide /etc/hello (insert --whiteout) and /data/a, /data/b (repack)");
    }

    @Test
    void whatFlintExports_skopeoInspectsAndCopies_andTheCopyImportsAndRuns() throws IOException {
        Path layout = tmp.resolve("exported");
        Result exported = ImageCliIT.flint("image", "export", "flint/busybox", layout.toString(), "--store", store);
        assertEquals(0, exported.status(), exported.err());
        String digest = exported.out().split(" ")[1];

        JsonNode inspect = JSON.readTree(sh("skopeo", "inspect", "oci:" + layout + ":latest"));
        assertEquals(digest, inspect.path("Digest").asText());
        assertEquals("amd64", inspect.path("Architecture").asText());
        assertEquals(1, inspect.path("Layers").size());

        Path copy = tmp.resolve("skopeo-copy");
        sh("skopeo", "copy", "oci:" + layout + ":latest", "oci:" + copy + ":copied");
        JsonNode copied = JSON.readTree(sh("skopeo", "inspect", "oci:" + copy + ":copied"));
        assertEquals(1, copied.path("Layers").size()); // skopeo gzips the layer on the way: another blob digest

        Result imported = ImageCliIT.flint("image", "import", copy.toString(), "--tag", "copied/bb:1", "--store", importStore);
        assertEquals(0, imported.status(), imported.err());
        assertEquals("copied/bb:1 " + digest + "\n", imported.out(), "same config and diff id: the very image Flint exported");
        Result run = run(importStore, "copied/bb:1", "echo", "hello from a skopeo copy");
        assertEquals(0, run.status(), run.err());
        assertEquals("hello from a skopeo copy\n", run.out());
    }

    private static Result run(String storeDir, String image, String... command) {
        List<String> args = new ArrayList<>(List.of("sandbox", "run", "--store", storeDir, "--state-dir", tmp.resolve("state").toString(),
                "--image", image, "--"));
        args.addAll(List.of(command));
        return ImageCliIT.flint(args.toArray(String[]::new));
    }
}
