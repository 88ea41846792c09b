package dev.flint.gateway.state;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import kafka.tools.StorageTool;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;

/**
 * A single-node Kafka broker and KRaft controller in this JVM: the standalone server's state
 * (DESIGN.md §7, STACK.md recipe (a)). Its data lives in one directory, formatted on first use and
 * kept across restarts (the cluster id is the one {@code meta.properties} recorded then). It
 * listens on 127.0.0.1 only: the client port given (or a free one) and a free controller port.
 *
 * <p>Start it with {@link #start}, which returns once the broker answers; {@link #close} shuts it
 * down and waits. Thread-safe. A data directory serves one broker at a time.
 */
public final class EmbeddedKafka implements AutoCloseable {
    /** How long {@link #start} waits for the broker to answer. */
    static final Duration START_TIMEOUT = Duration.ofSeconds(60);
    private static final String HOST = "127.0.0.1";
    private static final int NODE_ID = 1;
    /** Kafka's loggers, held so their level stays set (java.util.logging keeps loggers weakly). */
    private static final List<Logger> QUIETED = new ArrayList<>();
    /**
     * Data directories of the brokers running in this JVM. Kafka's own lock on a directory only
     * keeps out other processes: a second broker in this one would fail and, closing the lock
     * file, release the first one's lock (POSIX locks are per process), and leave the first
     * unable to shut down promptly.
     */
    private static final Set<Path> IN_USE = new HashSet<>();

    private final KafkaRaftServer server;
    private final int port;
    private final Path dataDir;
    private boolean closed;

    private EmbeddedKafka(KafkaRaftServer server, int port, Path dataDir) {
        this.server = server;
        this.port = port;
        this.dataDir = dataDir;
    }

    /**
     * Starts a broker with its data in {@code dataDir} (formatted on first use, kept across
     * restarts), listening on 127.0.0.1:{@code port} (0 = a free port), and waits until it serves.
     *
     * @throws StateException if the port is taken, the directory cannot be formatted, or the broker
     *     does not start
     */
    public static EmbeddedKafka start(Path dataDir, int port) {
        quietKafkaLogs();
        Path dir = createDirectories(dataDir);
        claim(dir);
        try {
            return startClaimed(dir, port);
        } catch (RuntimeException e) {
            release(dir);
            throw e;
        }
    }

    private static EmbeddedKafka startClaimed(Path dir, int port) {
        // 1. Ports: the client port must be free (a clear error beats Kafka's bind failure); the
        //    controller port is any free one, as nothing outside this JVM dials it.
        int clientPort = port == 0 ? freePort() : requireFree(port);
        int controllerPort = freePort();
        Properties config = brokerConfig(dir, clientPort, controllerPort);
        // 2. Format only a new directory: formatting again would fail, and a new cluster id would
        //    orphan the data.
        if (!Files.exists(dir.resolve("meta.properties"))) {
            format(dir, config);
        }
        // 3. Start, and wait until a client gets an answer.
        EmbeddedKafka kafka = null;
        try {
            kafka = new EmbeddedKafka(new KafkaRaftServer(new KafkaConfig(config, false), Time.SYSTEM), clientPort, dir);
            kafka.server.startup();
            kafka.awaitServing();
        } catch (RuntimeException e) {
            if (kafka != null) {
                kafka.close();
            }
            if (e instanceof StateException) {
                throw e;
            }
            throw new StateException("embedded kafka failed to start on " + HOST + ":" + clientPort
                    + " with data in " + dir + ": " + e.getMessage(),
                    "check that no other server uses the data directory and that the port is free"
                            + " (or pick another with --kafka-port)", e);
        }
        return kafka;
    }

    /** {@code "127.0.0.1:PORT"}, for clients' {@code bootstrap.servers}. */
    public String bootstrapServers() {
        return HOST + ":" + port;
    }

    public int port() {
        return port;
    }

    /** The broker's data directory. */
    public Path dataDir() {
        return dataDir;
    }

    /** Shuts the broker down and waits until it has; idempotent. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            server.shutdown();
            server.awaitShutdown();
        } finally {
            release(dataDir);
        }
    }

    private static void claim(Path dir) {
        synchronized (IN_USE) {
            if (!IN_USE.add(dir)) {
                throw new StateException("kafka data directory " + dir + " is already used by a broker in this process",
                        "close that broker first, or use another data directory");
            }
        }
    }

    private static void release(Path dir) {
        synchronized (IN_USE) {
            IN_USE.remove(dir);
        }
    }

    private static Properties brokerConfig(Path dir, int clientPort, int controllerPort) {
        Properties p = new Properties();
        p.put("process.roles", "broker,controller");
        p.put("node.id", String.valueOf(NODE_ID));
        p.put("controller.quorum.voters", NODE_ID + "@" + HOST + ":" + controllerPort);
        p.put("listeners", "PLAINTEXT://" + HOST + ":" + clientPort + ",CONTROLLER://" + HOST + ":" + controllerPort);
        p.put("advertised.listeners", "PLAINTEXT://" + HOST + ":" + clientPort);
        p.put("controller.listener.names", "CONTROLLER");
        p.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
        p.put("inter.broker.listener.name", "PLAINTEXT");
        p.put("log.dirs", dir.toString());
        p.put("num.partitions", "1");
        p.put("default.replication.factor", "1");
        p.put("offsets.topic.replication.factor", "1");
        p.put("offsets.topic.num.partitions", "1");
        p.put("transaction.state.log.replication.factor", "1");
        p.put("transaction.state.log.min.isr", "1");
        p.put("share.coordinator.state.topic.replication.factor", "1");
        p.put("share.coordinator.state.topic.min.isr", "1");
        p.put("group.initial.rebalance.delay.ms", "0");
        // One small process on a developer's machine: fewer threads, and the log cleaner's dedupe
        // buffer (allocated up front, 128 MiB by default) sized for a few hundred thousand keys.
        p.put("num.network.threads", "2");
        p.put("num.io.threads", "2");
        p.put("log.cleaner.dedupe.buffer.size", String.valueOf(8 * 1024 * 1024));
        p.put("auto.create.topics.enable", "false");
        return p;
    }

    private static void format(Path dir, Properties config) {
        Path file = null;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            file = Files.createTempFile("flint-kafka-", ".properties");
            try (OutputStream os = Files.newOutputStream(file)) {
                config.store(os, "flint embedded kafka");
            }
            String clusterId = Uuid.randomUuid().toString();
            int rc;
            try (PrintStream ps = new PrintStream(out, true, StandardCharsets.UTF_8)) {
                // execute, not main: main calls System.exit
                rc = StorageTool.execute(new String[] {"format", "-t", clusterId, "-c", file.toString()}, ps);
            }
            if (rc != 0) {
                throw new StateException("cannot format kafka data directory " + dir + ": "
                        + out.toString(StandardCharsets.UTF_8).trim(),
                        "remove the directory or point the server at an empty one");
            }
        } catch (IOException e) {
            throw new StateException("cannot format kafka data directory " + dir + ": " + e.getMessage(),
                    "check that the directory is writable", e);
        } catch (StateException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new StateException("cannot format kafka data directory " + dir + ": " + e.getMessage()
                    + " " + out.toString(StandardCharsets.UTF_8).trim(),
                    "remove the directory or point the server at an empty one", e);
        } finally {
            if (file != null) {
                try {
                    Files.deleteIfExists(file);
                } catch (IOException ignored) {
                    // a temp file left behind is harmless
                }
            }
        }
    }

    private void awaitServing() {
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        Map<String, Object> config = Map.of(
                AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers(),
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 2_000,
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 2_000);
        try (Admin admin = Admin.create(config)) {
            while (true) {
                try {
                    if (!admin.describeCluster().nodes().get(2, TimeUnit.SECONDS).isEmpty()) {
                        return;
                    }
                } catch (Exception e) {
                    if (e instanceof InterruptedException) {
                        Thread.currentThread().interrupt();
                        throw new StateException("interrupted while waiting for embedded kafka", "", e);
                    }
                    if (System.nanoTime() > deadline) {
                        throw new StateException("embedded kafka on " + bootstrapServers() + " did not answer within "
                                + START_TIMEOUT.toSeconds() + " s", "check the logs of org.apache.kafka and kafka", e);
                    }
                }
                sleep(50);
            }
        }
    }

    /**
     * Sets Kafka's loggers to WARNING unless something (such as Quarkus's
     * {@code quarkus.log.category."kafka".level}) already set a level: the broker logs hundreds
     * of INFO lines at start.
     */
    private static synchronized void quietKafkaLogs() {
        if (!QUIETED.isEmpty()) {
            return;
        }
        for (String name : List.of("kafka", "org.apache.kafka", "state.change.logger")) {
            Logger logger = Logger.getLogger(name);
            if (logger.getLevel() == null) {
                logger.setLevel(Level.WARNING);
            }
            QUIETED.add(logger);
        }
    }

    private static int requireFree(int port) {
        try (ServerSocket socket = new ServerSocket()) {
            socket.setReuseAddress(true);
            socket.bind(new InetSocketAddress(InetAddress.getByName(HOST), port));
            return port;
        } catch (IOException e) {
            throw new StateException("kafka port " + HOST + ":" + port + " is already in use",
                    "stop what listens there, or start the server with --kafka-port <another port> (0 for any free port)", e);
        }
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName(HOST))) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new StateException("no free port on " + HOST + " for embedded kafka: " + e.getMessage(), "", e);
        }
    }

    /** Creates the directory if needed; returns its real path. */
    private static Path createDirectories(Path dir) {
        try {
            return Files.createDirectories(dir).toRealPath();
        } catch (IOException e) {
            throw new StateException("cannot create kafka data directory " + dir + ": " + e.getMessage(),
                    "check the permissions of its parent", e);
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StateException("interrupted while waiting for embedded kafka", "");
        }
    }
}
