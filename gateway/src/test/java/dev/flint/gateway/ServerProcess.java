package dev.flint.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The packaged server ({@code flint.server.jar}) as a child process, as root, on a temp data dir,
 * a free HTTP port and a free Kafka port, with the image store of prebuilt base images
 * ({@code flint.it.base-store}); and a JDK HTTP client for it. {@link #close()} stops it (SIGTERM),
 * waits, and checks that nothing of it is left: processes, mounts, cgroups, ports.
 */
final class ServerProcess implements AutoCloseable {
    static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration START_TIMEOUT = Duration.ofSeconds(240);

    final Path data;
    final int port;
    final int kafkaPort;
    final String cgroupParent;
    final Path log;
    private final Process process;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private List<ProcessHandle> descendants = List.of();

    private ServerProcess(Path data, int port, int kafkaPort, String cgroupParent, Path log, Process process) {
        this.data = data;
        this.port = port;
        this.kafkaPort = kafkaPort;
        this.cgroupParent = cgroupParent;
        this.log = log;
        this.process = process;
    }

    /** Starts a server and waits until it is ready; {@code props} are extra -D settings. */
    static ServerProcess start(String name, Map<String, String> props) throws IOException, InterruptedException {
        return start(name, props, Files.createTempDirectory("flint-gw-it-"));
    }

    /** Starts a server on an existing data directory (a restart). */
    static ServerProcess start(String name, Map<String, String> props, Path data) throws IOException, InterruptedException {
        String jar = System.getProperty("flint.server.jar");
        assertTrue(jar != null && Files.isRegularFile(Path.of(jar)), "flint.server.jar must name the packaged server, got " + jar);
        int port = freePort();
        int kafkaPort = freePort();
        String cgroupParent = "flint-it-" + ProcessHandle.current().pid() + "-" + name.toLowerCase(java.util.Locale.ROOT);
        Path logs = Path.of("target", "it-logs");
        Files.createDirectories(logs);
        Path log = logs.resolve(name + ".log");
        if (Files.exists(log)) {
            Files.move(log, logs.resolve(name + ".previous.log"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
        List<String> cmd = new ArrayList<>(List.of(javaBin(), "-Xmx512m",
                "-Dquarkus.http.port=" + port,
                "-Dflint.data-dir=" + data,
                "-Dflint.images-tree-cache=" + data.resolve("tree-cache"),
                "-Dflint.kafka.port=" + kafkaPort,
                "-Dflint.sandbox.cgroup-parent=" + cgroupParent));
        String store = System.getProperty("flint.it.base-store");
        if (store != null && Files.isDirectory(Path.of(store, "tags"))) {
            cmd.add("-Dflint.images-dir=" + Path.of(store).toAbsolutePath());
        }
        props.forEach((k, v) -> cmd.add("-D" + k + "=" + v));
        cmd.add("-jar");
        cmd.add(jar);
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        ServerProcess server = new ServerProcess(data, port, kafkaPort, cgroupParent, log, p);
        server.awaitReady();
        return server;
    }

    private void awaitReady() throws InterruptedException {
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                fail("the server exited with " + process.exitValue() + " before it was ready:\n" + logTail());
            }
            try {
                if (get("/q/health/ready", null).status() == 200 && Files.exists(data.resolve("auth/guest"))) {
                    return;
                }
            } catch (UncheckedIOException e) {
                // not listening yet
            }
            Thread.sleep(200);
        }
        fail("the server was not ready within " + START_TIMEOUT + ":\n" + logTail());
    }

    String logTail() {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 60), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    /** The server's image store: the shared store of base images when given, else its own. */
    Path imagesDir() {
        String store = System.getProperty("flint.it.base-store");
        return store != null && Files.isDirectory(Path.of(store, "tags")) ? Path.of(store).toAbsolutePath() : data.resolve("images");
    }

    /** The guest key the server wrote on its first start. */
    String guestKey() {
        try {
            return Files.readString(data.resolve("auth/guest")).trim();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    String base() {
        return "http://127.0.0.1:" + port;
    }

    record Reply(int status, java.net.http.HttpHeaders headers, String body) {
        JsonNode json() {
            try {
                return JSON.readTree(body);
            } catch (IOException e) {
                throw new AssertionError("not JSON (" + status + "): " + body, e);
            }
        }

        String header(String name) {
            return headers.firstValue(name).orElse(null);
        }

        /** The error text of a JSON error body, checking its OpenWhisk shape. */
        String error() {
            assertEquals("application/json", header("content-type").split(";")[0], "error replies are JSON: " + body);
            JsonNode j = json();
            assertTrue(j.path("error").isTextual() && j.path("code").isTextual(), "error body has error and code: " + body);
            return j.get("error").asText();
        }
    }

    Reply get(String path, String key) {
        return send("GET", path, (byte[]) null, key, null);
    }

    Reply send(String method, String path, String body, String key) {
        return send(method, path, body, key, "application/json");
    }

    Reply send(String method, String path, String body, String key, String contentType) {
        return send(method, path, body == null ? null : body.getBytes(StandardCharsets.UTF_8), key, contentType);
    }

    Reply send(String method, String path, byte[] body, String key, String contentType) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base() + path)).timeout(Duration.ofSeconds(90))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body));
        if (body != null && contentType != null) {
            b.header("Content-Type", contentType);
        }
        if (key != null) {
            b.header("Authorization", "Basic " + Base64.getEncoder().encodeToString(key.getBytes(StandardCharsets.UTF_8)));
        }
        try {
            HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
            return new Reply(r.statusCode(), r.headers(), r.body());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /**
     * Kills the server with SIGKILL, as a crash would, and waits until its processes are gone (its
     * sandboxes' inits end when their control sockets close). The data directory stays; cgroups
     * left are for the next start on it, under the same name, to clean up.
     */
    void crash() throws Exception {
        List<ProcessHandle> children = process.descendants().toList();
        process.destroyForcibly();
        process.waitFor();
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (children.stream().anyMatch(ProcessHandle::isAlive) && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        assertTrue(children.stream().noneMatch(ProcessHandle::isAlive), "processes outlived the crashed server: " + children);
    }

    /** Stops the server and checks that it left nothing behind; the data directory stays (for a restart). */
    void stop() throws Exception {
        stopProcess();
        checkNothingLeft();
    }

    /** Stops the server, checks that it left nothing behind, and removes its data. */
    @Override
    public void close() throws Exception {
        if (!process.isAlive()) {
            deleteTree(data);
            untagFunctionImages();
            return;
        }
        try {
            stopProcess();
            checkNothingLeft();
        } finally {
            deleteTree(data);
            untagFunctionImages();
        }
    }

    private void stopProcess() throws Exception {
        descendants = process.descendants().toList();
        process.destroy();
        if (!process.waitFor(60, java.util.concurrent.TimeUnit.SECONDS)) {
            process.destroyForcibly();
            process.waitFor();
            fail("the server did not stop within 60 s of SIGTERM:\n" + logTail());
        }
    }

    private void checkNothingLeft() throws IOException, InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (descendants.stream().anyMatch(ProcessHandle::isAlive) && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        assertTrue(descendants.stream().noneMatch(ProcessHandle::isAlive), "processes of the server outlived it: " + descendants);
        for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
            assertTrue(!line.contains(data.toString()), "a mount of the server is left: " + line);
        }
        List<Path> cgroups = new ArrayList<>();
        cgroups.add(Path.of("/sys/fs/cgroup", cgroupParent));
        try (Stream<Path> controllers = Files.list(Path.of("/sys/fs/cgroup"))) {
            controllers.filter(Files::isDirectory).forEach(c -> cgroups.add(c.resolve(cgroupParent)));
        }
        for (Path c : cgroups) {
            if (Files.isDirectory(c)) {
                try (Stream<Path> children = Files.list(c)) {
                    List<Path> dirs = children.filter(Files::isDirectory).toList();
                    assertTrue(dirs.isEmpty(), "cgroups of the server are left: " + dirs);
                }
            }
        }
        for (int p : new int[] {port, kafkaPort}) {
            try (ServerSocket s = new ServerSocket(p, 1, java.net.InetAddress.getLoopbackAddress())) {
                assertTrue(s.isBound());
            } catch (IOException e) {
                fail("port " + p + " is still taken after the server stopped: " + e);
            }
        }
    }

    /** The functions' images the server tagged in the shared store of base images: removed, so the store stays as it was. */
    private static void untagFunctionImages() {
        String store = System.getProperty("flint.it.base-store");
        if (store == null || !Files.isDirectory(Path.of(store, "tags"))) {
            return;
        }
        dev.flint.images.ImageStore images = dev.flint.images.ImageStore.open(Path.of(store));
        images.list().stream().map(dev.flint.images.ImageSummary::ref)
                .filter(r -> r.name().startsWith("flint-fn/")).forEach(images::remove);
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private static String javaBin() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
