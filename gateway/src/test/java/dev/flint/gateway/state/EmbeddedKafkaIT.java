package dev.flint.gateway.state;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The standalone server's broker, for real: a KRaft node in this JVM on 127.0.0.1. */
class EmbeddedKafkaIT {

    @TempDir
    Path dir;

    @Test
    void start_formatsTheDirectory_servesOnLoopback_andCloseStopsEveryThread() throws Exception {
        Leftovers leftovers = Leftovers.snapshot();
        long t0 = System.nanoTime();
        EmbeddedKafka kafka = EmbeddedKafka.start(dir.resolve("kafka"), 0);
        long startMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        System.out.println("embedded kafka: first start (format + start + ready) " + startMillis + " ms");
        try {
            assertEquals("127.0.0.1:" + kafka.port(), kafka.bootstrapServers());
            assertTrue(Files.exists(dir.resolve("kafka/meta.properties")), "formatted");
            assertTrue(listensOnLoopbackOnly(kafka.port()), "listens on 127.0.0.1:" + kafka.port() + " only");
            try (Admin admin = admin(kafka)) {
                assertEquals(1, admin.describeCluster().nodes().get(10, TimeUnit.SECONDS).size());
            }
        } finally {
            kafka.close();
        }
        kafka.close(); // idempotent
        leftovers.assertNoNewNonDaemonThreads();
        try (ServerSocket again = new ServerSocket()) { // the port is free again
            again.setReuseAddress(true);
            again.bind(new java.net.InetSocketAddress(InetAddress.getByName("127.0.0.1"), kafka.port()));
        }
    }

    @Test
    void restart_keepsTheClusterIdAndTopics_evenOnAnotherPort() throws Exception {
        Path data = dir.resolve("kafka");
        String clusterId;
        try (EmbeddedKafka kafka = EmbeddedKafka.start(data, 0); Admin admin = admin(kafka)) {
            admin.createTopics(List.of(new NewTopic("kept", 1, (short) 1))).all().get(10, TimeUnit.SECONDS);
            clusterId = admin.describeCluster().clusterId().get(10, TimeUnit.SECONDS);
        }
        assertEquals(clusterId, metaProperties(data).getProperty("cluster.id"));
        long t0 = System.nanoTime();
        try (EmbeddedKafka kafka = EmbeddedKafka.start(data, 0); Admin admin = admin(kafka)) {
            System.out.println("embedded kafka: restart on existing data " 
                    + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0) + " ms");
            assertEquals(clusterId, admin.describeCluster().clusterId().get(10, TimeUnit.SECONDS));
            assertTrue(admin.listTopics().names().get(10, TimeUnit.SECONDS).contains("kept"));
        }
    }

    @Test
    void start_onAPortInUse_failsNamingThePortWithAHint() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            StateException e = assertThrows(StateException.class,
                    () -> EmbeddedKafka.start(dir.resolve("kafka"), taken.getLocalPort()));
            assertTrue(e.getMessage().contains(String.valueOf(taken.getLocalPort())), e.getMessage());
            assertTrue(e.hint().contains("--kafka-port"), e.hint());
        }
    }

    @Test
    void start_onADataDirectoryInUseInThisProcess_failsAndLeavesTheFirstBrokerServing() throws Exception {
        Leftovers leftovers = Leftovers.snapshot();
        Path data = dir.resolve("kafka");
        try (EmbeddedKafka first = EmbeddedKafka.start(data, 0)) {
            StateException e = assertThrows(StateException.class, () -> EmbeddedKafka.start(data, 0));
            assertTrue(e.getMessage().contains("already used by a broker in this process"), e.getMessage());
            try (Admin admin = admin(first)) {
                assertEquals(1, admin.describeCluster().nodes().get(10, TimeUnit.SECONDS).size());
            }
        }
        EmbeddedKafka.start(data, 0).close(); // free again once the first is closed
        leftovers.assertNoNewNonDaemonThreads();
    }

    static Admin admin(EmbeddedKafka kafka) {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()));
    }

    private static Properties metaProperties(Path data) throws IOException {
        Properties p = new Properties();
        try (var in = Files.newInputStream(data.resolve("meta.properties"))) {
            p.load(in);
        }
        return p;
    }

    /** From /proc/net/tcp{,6}: every listening socket on {@code port} is bound to 127.0.0.1. */
    private static boolean listensOnLoopbackOnly(int port) throws IOException {
        String hexPort = String.format(":%04X", port);
        Set<String> locals = new java.util.TreeSet<>();
        for (String table : List.of("/proc/net/tcp", "/proc/net/tcp6")) {
            Path p = Path.of(table);
            if (!Files.exists(p)) {
                continue;
            }
            for (String line : Files.readAllLines(p)) {
                String[] f = line.trim().split("\\s+");
                if (f.length > 3 && f[1].endsWith(hexPort) && f[3].equals("0A")) { // 0A = LISTEN
                    locals.add(f[1]);
                }
            }
        }
        // 127.0.0.1 in an IPv4 table, or as ::ffff:127.0.0.1 in the IPv6 one (a dual-stack JVM)
        Set<String> loopback = Set.of("0100007F" + hexPort, "0000000000000000FFFF00000100007F" + hexPort);
        return !locals.isEmpty() && loopback.containsAll(locals);
    }
}
