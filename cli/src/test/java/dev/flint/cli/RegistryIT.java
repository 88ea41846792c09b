package dev.flint.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static dev.flint.cli.HostTools.onPath;
import static dev.flint.cli.HostTools.sh;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.flint.cli.ImageCliIT.Result;
import dev.flint.images.ImageException;
import dev.flint.images.ImageRef;
import dev.flint.images.ImageStore;
import dev.flint.images.Progress;
import dev.flint.images.Registries;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code flint image pull|push} against Debian's {@code docker-registry} on loopback ports, cross-checked
 * with skopeo: what Flint pushed, skopeo inspects and copies; what skopeo pushed, Flint pulls into an
 * empty store and runs. A second registry wants basic auth (an htpasswd file): a pull without
 * credentials is an {@link ImageException.Unauthorized}, with them it works.
 */
class RegistryIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String USER = "flint";
    private static final String PASS = "s3cret-pass";

    @TempDir
    static Path tmp;
    private static String store;
    private static Process open;
    private static Process authed;
    private static int openPort;
    private static int authPort;

    @BeforeAll
    static void registries() throws Exception {
        assumeTrue((Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid") == 0, "needs root");
        assumeTrue(onPath("docker-registry") && onPath("skopeo") && onPath("htpasswd"),
                "docker-registry, skopeo and htpasswd (bin/setup-host test installs them)");
        store = System.getProperty("flint.it.store", "target/it-store");
        Result r = ImageCliIT.flint("image", "build", "busybox", "--store", store);
        assertEquals(0, r.status(), r.err());
        openPort = freePort();
        open = startRegistry("open", openPort, null);
        Path htpasswd = tmp.resolve("htpasswd");
        Files.writeString(htpasswd, sh("htpasswd", "-Bbn", USER, PASS));
        authPort = freePort();
        authed = startRegistry("authed", authPort, htpasswd);
    }

    @AfterAll
    static void stopRegistries() throws IOException {
        for (Process p : new Process[] {open, authed}) {
            if (p != null) {
                p.destroy();
                try {
                    if (!p.waitFor(10, TimeUnit.SECONDS)) {
                        p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                assertFalse(p.isAlive(), "docker-registry still running");
            }
        }
        Path state = tmp.resolve("state");
        if (Files.isDirectory(state)) {
            try (Stream<Path> left = Files.list(state)) {
                assertEquals(List.of(), left.toList(), "sandbox state left behind");
            }
        }
        // the registries' storage is below tmp, which JUnit deletes
    }

    @Test
    void whatFlintPushes_skopeoInspectsAndCopies_andASecondPushSkipsEveryBlob() throws IOException {
        String ref = "127.0.0.1:" + openPort + "/flint/busybox:latest";
        Result pushed = ImageCliIT.flint("image", "push", "--from", "flint/busybox", ref, "--store", store);
        assertEquals(0, pushed.status(), pushed.err());
        String digest = pushed.out().strip().split(" ")[1];
        assertTrue(pushed.err().contains("pushed"), pushed.err());

        JsonNode inspect = JSON.readTree(sh("skopeo", "inspect", "--tls-verify=false", "docker://" + ref));
        assertEquals(digest, inspect.path("Digest").asText());
        assertEquals("amd64", inspect.path("Architecture").asText());
        assertEquals(1, inspect.path("Layers").size());
        Path copy = tmp.resolve("from-registry");
        sh("skopeo", "copy", "--src-tls-verify=false", "docker://" + ref, "oci:" + copy + ":copied");
        // skopeo gzips the layer on its way into the layout: another manifest, the same layer inside
        assertEquals(1, JSON.readTree(sh("skopeo", "inspect", "oci:" + copy + ":copied")).path("Layers").size());

        Result again = ImageCliIT.flint("image", "push", "--from", "flint/busybox", ref, "--store", store);
        assertEquals(0, again.status(), again.err());
        assertEquals(2, again.err().lines().filter(l -> l.contains("already in the registry")).count(), again.err());
    }

    @Test
    void aPushCutOffInTheMiddleOfABlob_resumesWhereTheRegistryStopped_andSkopeoReadsTheImage() throws IOException {
        try (CuttingProxy proxy = new CuttingProxy(openPort, 300_000, true)) {
            String via = "127.0.0.1:" + proxy.port() + "/flint/resumed:1";
            List<String> progress = new ArrayList<>();
            dev.flint.images.LayerDigest digest = Registries.push(ImageStore.open(Path.of(store)), ImageRef.parse("flint/busybox"),
                    ImageRef.parse(via), Registries.Options.anonymous().withChunkBytes(256 * 1024), progress::add);
            assertTrue(proxy.cut(), "the connection was cut during the layer's upload: " + progress);
            JsonNode inspect = JSON.readTree(sh("skopeo", "inspect", "--tls-verify=false",
                    "docker://127.0.0.1:" + openPort + "/flint/resumed:1"));
            assertEquals(digest.toString(), inspect.path("Digest").asText());
            Path copy = tmp.resolve("resumed-copy");
            sh("skopeo", "copy", "--src-tls-verify=false", "docker://127.0.0.1:" + openPort + "/flint/resumed:1",
                    "oci:" + copy + ":x"); // skopeo checks every blob's digest on the way
        }
    }

    @Test
    void whatSkopeoPushes_flintPullsIntoAnEmptyStore_andRuns() throws IOException {
        Path layout = tmp.resolve("exported");
        Result exported = ImageCliIT.flint("image", "export", "flint/busybox", layout.toString(), "--store", store);
        assertEquals(0, exported.status(), exported.err());
        String ref = "127.0.0.1:" + openPort + "/skopeo/bb:1";
        // gzip on the way: the registry holds a compressed layer whose digest is not its diff id
        sh("skopeo", "copy", "--dest-tls-verify=false", "--dest-compress", "--dest-compress-format", "gzip",
                "oci:" + layout + ":latest", "docker://" + ref);

        String empty = tmp.resolve("pull-store").toString();
        Result pulled = ImageCliIT.flint("image", "pull", ref, "--store", empty);
        assertEquals(0, pulled.status(), pulled.err());
        assertEquals(ref + " " + exported.out().split(" ")[1], pulled.out().strip(), "same config and diff id: the image Flint exported");
        assertTrue(pulled.err().contains("pulled"), pulled.err());
        Result run = run(empty, ref, "sh", "-c", "echo hello from $(cat /etc/hostname 2>/dev/null || echo a pull)");
        assertEquals(0, run.status(), run.err());
        assertTrue(run.out().startsWith("hello from"), run.out());

        Result again = ImageCliIT.flint("image", "pull", ref, "--store", empty);
        assertEquals(0, again.status(), again.err());
        assertTrue(again.err().contains("already in the store"), again.err());
    }

    @Test
    void aPullCutOffInTheMiddleOfALayer_resumesWithARange_andRuns() throws IOException {
        String ref = "127.0.0.1:" + openPort + "/flint/cut-pull:1";
        Result pushed = ImageCliIT.flint("image", "push", "--from", "flint/busybox", ref, "--store", store);
        assertEquals(0, pushed.status(), pushed.err());
        String empty = tmp.resolve("cut-pull-store").toString();
        try (CuttingProxy proxy = new CuttingProxy(openPort, 400_000, false)) {
            String via = "127.0.0.1:" + proxy.port() + "/flint/cut-pull:1";
            Result pulled = ImageCliIT.flint("image", "pull", via, "--store", empty);
            assertEquals(0, pulled.status(), pulled.err());
            assertTrue(proxy.cut(), "the connection was cut during the layer's download: " + pulled.err());
            assertTrue(pulled.err().contains("broke off at byte"), pulled.err());
            assertEquals(pushed.out().strip().split(" ")[1], pulled.out().strip().split(" ")[1], "the same manifest");
            Result run = run(empty, via, "sh", "-c", "echo whole");
            assertEquals(0, run.status(), run.err());
            assertEquals("whole\n", run.out());
            try (java.util.stream.Stream<Path> left = Files.list(Path.of(empty, "tmp"))) {
                assertEquals(List.of(), left.toList(), "no partial download left");
            }
        }
    }

    @Test
    void aRegistryWithBasicAuth_refusesAPullWithoutCredentials_andServesOneWithThem() throws IOException {
        Path layout = tmp.resolve("exported-auth");
        assertEquals(0, ImageCliIT.flint("image", "export", "flint/busybox", layout.toString(), "--store", store).status());
        String ref = "127.0.0.1:" + authPort + "/private/bb:latest";
        sh("skopeo", "copy", "--dest-tls-verify=false", "--dest-creds", USER + ":" + PASS, "oci:" + layout + ":latest", "docker://" + ref);

        ImageStore empty = ImageStore.open(tmp.resolve("auth-store"));
        ImageException.Unauthorized none = assertThrows(ImageException.Unauthorized.class,
                () -> Registries.pull(empty, ImageRef.parse(ref), Registries.Options.anonymous(), Progress.none()));
        assertEquals(401, none.status());
        assertTrue(none.getMessage().contains("needs credentials"), none.getMessage());
        ImageException.Unauthorized wrong = assertThrows(ImageException.Unauthorized.class,
                () -> Registries.pull(empty, ImageRef.parse(ref), new Registries.Options(USER + ":wrong", false), Progress.none()));
        assertTrue(wrong.getMessage().contains("refused the credentials"), wrong.getMessage());

        Result refused = ImageCliIT.flint("image", "pull", ref, "--store", empty.root().toString());
        assertNotEquals(0, refused.status());
        assertTrue(refused.err().contains("needs credentials"), refused.err());
        Result pulled = ImageCliIT.flint("image", "pull", ref, "--user", USER + ":" + PASS, "--store", empty.root().toString());
        assertEquals(0, pulled.status(), pulled.err());
        Result run = run(empty.root().toString(), ref, "echo", "private");
        assertEquals(0, run.status(), run.err());
        assertEquals("private\n", run.out());

        Result pushed = ImageCliIT.flint("image", "push", "--from", ref, "127.0.0.1:" + authPort + "/private/again:1",
                "--user", USER + ":" + PASS, "--store", empty.root().toString());
        assertEquals(0, pushed.status(), pushed.err());
    }

    private static Process startRegistry(String name, int port, Path htpasswd) throws Exception {
        Path dir = tmp.resolve("registry-" + name);
        Files.createDirectories(dir.resolve("storage"));
        String config = "version: 0.1\nlog:\n  level: warn\nstorage:\n  filesystem:\n    rootdirectory: " + dir.resolve("storage")
                + "\nhttp:\n  addr: 127.0.0.1:" + port + "\n"
                + (htpasswd == null ? "" : "auth:\n  htpasswd:\n    realm: flint-it\n    path: " + htpasswd + "\n");
        Files.writeString(dir.resolve("config.yml"), config);
        Process p = new ProcessBuilder("docker-registry", "serve", dir.resolve("config.yml").toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("log").toFile()).start();
        HttpClient http = HttpClient.newHttpClient();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (true) {
            try {
                int status = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v2/")).build(),
                        HttpResponse.BodyHandlers.discarding()).statusCode();
                if (status == 200 || status == 401) {
                    return p;
                }
            } catch (IOException e) {
                // not listening yet
            }
            if (!p.isAlive() || System.nanoTime() > deadline) {
                p.destroyForcibly();
                throw new AssertionError("docker-registry did not answer on port " + port + ": " + Files.readString(dir.resolve("log")));
            }
            Thread.sleep(50);
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private static Result run(String storeDir, String image, String... command) {
        List<String> args = new ArrayList<>(List.of("sandbox", "run", "--store", storeDir, "--state-dir", tmp.resolve("state").toString(),
                "--image", image, "--"));
        args.addAll(List.of(command));
        return ImageCliIT.flint(args.toArray(String[]::new));
    }
}
