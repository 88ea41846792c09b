package dev.flint.loadtests;

import java.io.IOException;
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
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * The packaged standalone server ({@code gateway/target/quarkus-app/quarkus-run.jar}) as a child
 * process on a temporary data directory and free ports, with the guest key's Basic auth, for
 * scenarios that measure it over HTTP and Kafka. {@link #close} stops it (SIGTERM, then SIGKILL
 * after a minute).
 */
final class PackagedServer implements AutoCloseable {
    static final Path JAR = Path.of("gateway/target/quarkus-app/quarkus-run.jar");
    /** The class-data archive {@code ./flint server} keeps beside the jar (written by a start, used by later ones). */
    static final Path CLASS_ARCHIVE = Path.of("gateway/target/quarkus-app/flint-server.jsa");
    private static final Pattern HEAP_USED = Pattern.compile("total \\d+K, used (\\d+)K");

    private final HttpClient http = HttpClient.newHttpClient();
    private final Process process;
    private final String base;
    private final int kafkaPort;
    private final Path data;
    private String auth;

    private PackagedServer(Process process, String base, int kafkaPort, Path data) {
        this.process = process;
        this.base = base;
        this.kafkaPort = kafkaPort;
        this.data = data;
    }

    /** Whether the jar is built; prints why the scenario is skipped when it is not. */
    static boolean built(String scenario) {
        if (Files.isRegularFile(JAR)) {
            return true;
        }
        System.err.println("  " + scenario + ": skipped: " + JAR + " is not built (./mvnw -pl gateway -am -DskipTests package)");
        return false;
    }

    /** Starts the server (its log in the work dir as {@code <name>.log}); returns once it is ready. */
    static PackagedServer start(BenchContext ctx, String name, String... properties) throws Exception {
        Path data = Files.createDirectories(ctx.work().resolve(name + "-data"));
        int port = freePort();
        int kafkaPort = freePort();
        String classes = archiveFresh() ? "-XX:SharedArchiveFile=" + CLASS_ARCHIVE : "-XX:ArchiveClassesAtExit=" + CLASS_ARCHIVE;
        List<String> command = new ArrayList<>(List.of(javaBin(), "-Xmx512m", "-Xlog:cds*=off", classes, "-Dquarkus.http.port=" + port,
                "-Dflint.data-dir=" + data, "-Dflint.kafka.port=" + kafkaPort, "-Dflint.sandbox.cgroup-parent=flint-bench-" + name,
                "-Dflint.images-dir=" + InvokerBench.baseStore().root().toAbsolutePath(),
                "-Dflint.images-tree-cache=" + data.resolve("tree-cache"))); // in /dev/shm it would outlive the bench
        for (String p : properties) {
            command.add("-D" + p);
        }
        command.addAll(List.of("-jar", JAR.toString()));
        Process process = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ctx.work().resolve(name + ".log").toFile()).start();
        PackagedServer server = new PackagedServer(process, "http://127.0.0.1:" + port, kafkaPort, data);
        try {
            server.awaitReady();
        } catch (Exception e) {
            server.close();
            throw e;
        }
        return server;
    }

    /**
     * Makes the class-data archive as {@code ./flint server}'s first start does (a start and a stop),
     * unless a fresh one is there, so that a timed start is a user's second start.
     */
    static void ensureClassArchive(BenchContext ctx) throws Exception {
        if (!archiveFresh()) {
            try (PackagedServer training = start(ctx, "class-archive")) {
                System.err.println("  class-data archive: written at the training server's exit");
            }
        }
    }

    /** Whether the archive exists and no jar of the app is newer (else the JVM would ignore it). */
    private static boolean archiveFresh() throws IOException {
        if (!Files.isRegularFile(CLASS_ARCHIVE)) {
            return false;
        }
        long archived = Files.getLastModifiedTime(CLASS_ARCHIVE).toMillis();
        try (var jars = Files.walk(JAR.getParent())) {
            return jars.filter(p -> p.toString().endsWith(".jar")).noneMatch(p -> p.toFile().lastModified() > archived);
        }
    }

    String base() {
        return base;
    }

    String kafkaBootstrap() {
        return "127.0.0.1:" + kafkaPort;
    }

    long pid() {
        return process.pid();
    }

    /** The guest namespace's Basic authorization header value. */
    String auth() throws IOException {
        if (auth == null) {
            String key = Files.readString(data.resolve("auth/guest")).strip();
            auth = "Basic " + Base64.getEncoder().encodeToString(key.getBytes(StandardCharsets.UTF_8));
        }
        return auth;
    }

    /** Sends a request with the guest key; throws unless it answers {@code expect}; returns the body. */
    String send(String method, String path, String body, int expect) throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + path)).header("Authorization", auth())
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) {
            request.header("Content-Type", "application/json");
        }
        HttpResponse<String> r = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != expect) {
            throw new IllegalStateException(method + " " + path + " answered " + r.statusCode() + ": " + r.body());
        }
        return r.body();
    }

    /** A plain Kafka producer of bytes on the server's broker (an independent client, not Flint's code). */
    KafkaProducer<byte[], byte[]> producer(int lingerMs) {
        return new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafkaBootstrap(), ProducerConfig.LINGER_MS_CONFIG, lingerMs,
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class,
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class));
    }

    /** A plain Kafka consumer of bytes on the server's broker, in a group of its own, from the earliest offset. */
    KafkaConsumer<byte[], byte[]> consumer() {
        return new KafkaConsumer<>(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafkaBootstrap(),
                ConsumerConfig.GROUP_ID_CONFIG, "bench-" + UUID.randomUUID(), ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class,
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class));
    }

    /** Resident set size, KiB. */
    long rssKiB() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/" + process.pid() + "/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        return 0;
    }

    /** The Java heap in use after a full collection (jcmd GC.run, then GC.heap_info), bytes. */
    long heapAfterGc() throws IOException, InterruptedException {
        jcmd("GC.run");
        Matcher used = HEAP_USED.matcher(jcmd("GC.heap_info"));
        if (!used.find()) {
            throw new IllegalStateException("jcmd GC.heap_info printed no heap use");
        }
        return Long.parseLong(used.group(1)) * 1024;
    }

    private String jcmd(String command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(),
                Long.toString(process.pid()), command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.waitFor() != 0) {
            throw new IllegalStateException("jcmd " + command + " failed: " + out);
        }
        return out;
    }

    private void awaitReady() throws Exception {
        long deadline = System.nanoTime() + Duration.ofMinutes(3).toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("the server exited; see its log in the work directory");
            }
            try {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base + "/q/health/ready")).build(),
                        HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200) {
                    return;
                }
            } catch (IOException e) {
                // not listening yet
            }
            Thread.sleep(50);
        }
        throw new IllegalStateException("the server was not ready within 3 minutes");
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            process.waitFor();
        }
    }

    static String javaBin() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
