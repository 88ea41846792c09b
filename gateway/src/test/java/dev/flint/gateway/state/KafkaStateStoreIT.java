package dev.flint.gateway.state;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The Kafka state store against a real embedded broker. Each test has its own topic prefix. */
class KafkaStateStoreIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration TIMEOUT = Duration.ofSeconds(15);
    private static final AtomicInteger PREFIXES = new AtomicInteger();

    @TempDir
    static Path shared;

    private static Leftovers leftovers;
    private static EmbeddedKafka kafka;

    @BeforeAll
    static void startBroker() {
        leftovers = Leftovers.snapshot();
        long t0 = System.nanoTime();
        kafka = EmbeddedKafka.start(shared.resolve("kafka"), 0);
        System.out.println("embedded kafka: first start in this JVM (format + start + ready) "
                + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0) + " ms");
    }

    @AfterAll
    static void stopBroker() throws InterruptedException {
        if (kafka != null) {
            kafka.close();
        }
        leftovers.assertNoNewNonDaemonThreads();
    }

    private static String prefix() {
        return "t" + PREFIXES.incrementAndGet();
    }

    private static KafkaStateStore open(String prefix) {
        return KafkaStateStore.open(kafka.bootstrapServers(), prefix, TIMEOUT);
    }

    @Test
    void put_get_list_delete_andDeleteWritesATombstone() {
        String prefix = prefix();
        try (KafkaStateStore store = open(prefix)) {
            store.put("actions/guest/b", doc("name", "b"));
            store.put("actions/guest/a", doc("name", "a"));
            store.put("actions/other/c", doc("name", "c"));
            store.put("namespaces/guest", doc("name", "guest"));
            store.put("actions/guest/a", doc("name", "a", "version", "2"));

            assertEquals(Optional.of(doc("name", "a", "version", "2")), store.get("actions/guest/a"));
            assertEquals(Optional.empty(), store.get("actions/guest/zzz"));
            assertEquals(List.of(doc("name", "a", "version", "2"), doc("name", "b")), store.list("actions/guest/"));
            assertEquals(3, store.list("actions/").size());
            assertEquals(4, store.list("").size());

            assertTrue(store.delete("actions/guest/a"));
            assertEquals(Optional.empty(), store.get("actions/guest/a"));
            assertFalse(store.delete("actions/guest/a"), "already gone");
            assertEquals(List.of(doc("name", "b")), store.list("actions/guest/"));

            // a returned document is a copy: changing it does not change the store
            store.get("actions/guest/b").orElseThrow().put("name", "changed");
            assertEquals(Optional.of(doc("name", "b")), store.get("actions/guest/b"));
        }
        List<ConsumerRecord<byte[], byte[]>> records = readAll(prefix + ".entities");
        ConsumerRecord<byte[], byte[]> last = records.get(records.size() - 1);
        assertEquals("actions/guest/a", new String(last.key(), StandardCharsets.UTF_8));
        assertNull(last.value(), "a delete is a tombstone");
        assertEquals(6, records.size(), "5 puts and 1 tombstone; the second delete wrote nothing");
    }

    @Test
    void concurrentWriters_eachReadTheirOwnWriteAtOnce() throws Exception {
        int threads = 8;
        int writesEach = 40;
        try (KafkaStateStore store = open(prefix())) {
            ExecutorService pool = Executors.newFixedThreadPool(threads);
            try {
                List<Future<long[]>> results = new ArrayList<>();
                for (int t = 0; t < threads; t++) {
                    int thread = t;
                    results.add(pool.submit(() -> {
                        long[] nanos = new long[writesEach];
                        for (int i = 0; i < writesEach; i++) {
                            String key = "actions/ns" + thread + "/f" + i;
                            ObjectNode document = doc("name", "f" + i, "thread", String.valueOf(thread));
                            long t0 = System.nanoTime();
                            store.put(key, document);
                            nanos[i] = System.nanoTime() - t0;
                            assertEquals(Optional.of(document), store.get(key), "read-your-write of " + key);
                            ObjectNode activation = activation("ns" + thread, "f" + i, "id-" + thread + "-" + i, 1000 + i);
                            store.record(activation);
                            assertEquals(Optional.of(activation), store.activation("ns" + thread, "id-" + thread + "-" + i));
                        }
                        return nanos;
                    }));
                }
                List<Long> all = new ArrayList<>();
                for (Future<long[]> f : results) {
                    Arrays.stream(f.get(60, TimeUnit.SECONDS)).forEach(all::add);
                }
                all.sort(null);
                System.out.printf("put latency with %d concurrent writers: p50 %.1f ms, p99 %.1f ms (%d puts)%n",
                        threads, all.get(all.size() / 2) / 1e6, all.get(all.size() * 99 / 100) / 1e6, all.size());
            } finally {
                pool.shutdownNow();
            }
            assertEquals(threads * writesEach, store.list("actions/").size());
            for (int t = 0; t < threads; t++) {
                assertEquals(writesEach, store.countActivations("ns" + t, null, 0, Long.MAX_VALUE));
            }
        }
    }

    @Test
    void singleWriter_putLatency_besideARawProducersAck() throws Exception {
        int n = 200;
        long[] ackNanos = new long[n];
        Map<String, Object> producerConfig = Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.LINGER_MS_CONFIG, 2,
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class,
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        try (var admin = EmbeddedKafkaIT.admin(kafka)) {
            admin.createTopics(List.of(new NewTopic("raw-latency", 1, (short) 1))).all().get(10, TimeUnit.SECONDS);
        }
        try (KafkaProducer<byte[], byte[]> raw = new KafkaProducer<>(producerConfig)) {
            for (int i = 0; i < n; i++) {
                long t0 = System.nanoTime();
                raw.send(new ProducerRecord<>("raw-latency", ("k" + i).getBytes(StandardCharsets.UTF_8),
                        "{}".getBytes(StandardCharsets.UTF_8))).get(10, TimeUnit.SECONDS);
                ackNanos[i] = System.nanoTime() - t0;
            }
        }
        Arrays.sort(ackNanos);
        System.out.printf("raw producer ack (acks=all, linger 2 ms): p50 %.1f ms, p99 %.1f ms (%d sends)%n",
                ackNanos[n / 2] / 1e6, ackNanos[n * 99 / 100] / 1e6, n);
        try (KafkaStateStore store = open(prefix())) {
            long[] nanos = new long[n];
            for (int i = 0; i < n; i++) {
                long t0 = System.nanoTime();
                store.put("k/" + i, doc("i", String.valueOf(i)));
                nanos[i] = System.nanoTime() - t0;
            }
            Arrays.sort(nanos);
            System.out.printf("put latency, one writer: p50 %.1f ms, p99 %.1f ms (%d puts)%n",
                    nanos[n / 2] / 1e6, nanos[n * 99 / 100] / 1e6, n);
            long[] recordNanos = new long[n];
            for (int i = 0; i < n; i++) {
                long t0 = System.nanoTime();
                store.record(activation("guest", "f", "a" + i, i));
                recordNanos[i] = System.nanoTime() - t0;
            }
            Arrays.sort(recordNanos);
            System.out.printf("record latency, one writer: p50 %.1f ms, p99 %.1f ms (%d records)%n",
                    recordNanos[n / 2] / 1e6, recordNanos[n * 99 / 100] / 1e6, n);
            assertEquals(n, store.list("k/").size());
            assertEquals(n, store.countActivations("guest", "f", 0, Long.MAX_VALUE));
        }
    }

    @Test
    void activations_byNamespaceAndName_newestFirst_withBoundsSkipAndLimit() {
        try (KafkaStateStore store = open(prefix())) {
            store.record(activation("guest", "hello", "a1", 100));
            store.record(activation("guest", "hello", "a2", 200));
            store.record(activation("guest", "bye", "a3", 300));
            store.record(activation("guest", "hello", "a4", 400));
            store.record(activation("other", "hello", "b1", 250));
            store.record(activation("guest", "hello", "a5", 400)); // same start as a4: id breaks the tie

            assertEquals(List.of("a4", "a5", "a3", "a2", "a1"), ids(store.activations("guest", null, 0, Long.MAX_VALUE, 0, 100)));
            assertEquals(List.of("a4", "a5", "a2", "a1"), ids(store.activations("guest", "hello", 0, Long.MAX_VALUE, 0, 100)));
            assertEquals(List.of("b1"), ids(store.activations("other", null, 0, Long.MAX_VALUE, 0, 100)));
            assertEquals(List.of(), ids(store.activations("nobody", null, 0, Long.MAX_VALUE, 0, 100)));
            assertEquals(List.of(), ids(store.activations("guest", "nothing", 0, Long.MAX_VALUE, 0, 100)));
            // since <= start <= upto, both inclusive
            assertEquals(List.of("a3", "a2"), ids(store.activations("guest", null, 200, 300, 0, 100)));
            assertEquals(List.of("a4", "a5"), ids(store.activations("guest", null, 400, 400, 0, 100)));
            assertEquals(List.of(), ids(store.activations("guest", null, 301, 399, 0, 100)));
            assertEquals(List.of(), ids(store.activations("guest", null, 300, 200, 0, 100)));
            // skip and limit
            assertEquals(List.of("a5", "a3"), ids(store.activations("guest", null, 0, Long.MAX_VALUE, 1, 2)));
            assertEquals(List.of("a1"), ids(store.activations("guest", null, 0, Long.MAX_VALUE, 4, 2)));
            assertEquals(List.of(), ids(store.activations("guest", null, 0, Long.MAX_VALUE, 5, 2)));
            assertEquals(List.of(), ids(store.activations("guest", null, 0, Long.MAX_VALUE, 0, 0)));
            // counts ignore skip and limit
            assertEquals(5, store.countActivations("guest", null, 0, Long.MAX_VALUE));
            assertEquals(4, store.countActivations("guest", "hello", 0, Long.MAX_VALUE));
            assertEquals(2, store.countActivations("guest", null, 200, 300));
            assertEquals(3, store.countActivations("guest", "hello", 150, 400));
            assertEquals(0, store.countActivations("nobody", null, 0, Long.MAX_VALUE));
            // by id, only in its own namespace
            assertEquals("hello", store.activation("other", "b1").orElseThrow().get("name").textValue());
            assertEquals(Optional.empty(), store.activation("guest", "b1"));
            // recording an id again replaces it, moving it in the order
            store.record(activation("guest", "bye", "a1", 500));
            assertEquals(List.of("a1", "a4", "a5", "a3", "a2"), ids(store.activations("guest", null, 0, Long.MAX_VALUE, 0, 100)));
            assertEquals(List.of("a4", "a5", "a2"), ids(store.activations("guest", "hello", 0, Long.MAX_VALUE, 0, 100)));
            assertEquals(5, store.countActivations("guest", null, 0, Long.MAX_VALUE));

            assertThrows(IllegalArgumentException.class, () -> store.record(doc("namespace", "guest", "name", "x")));
        }
    }

    @Test
    void retention_boundsTheViewByCount_andSetsTheTopicsAge_alsoOnReopen() throws Exception {
        String prefix = prefix();
        ActivationRetention small = new ActivationRetention(Duration.ofHours(1), 3);
        try (KafkaStateStore store = KafkaStateStore.open(kafka.bootstrapServers(), prefix, TIMEOUT, small)) {
            for (int i = 1; i <= 5; i++) {
                store.record(activation("guest", "f", "a" + i, i));
            }
            assertEquals(3, store.countActivations("guest", null, 0, Long.MAX_VALUE));
            assertEquals(Optional.empty(), store.activation("guest", "a2"), "the oldest arrivals left first");
            assertEquals(3, store.storedActivations().count());
        }
        assertEquals(String.valueOf(Duration.ofHours(1).toMillis()), activationRetentionMs(prefix));
        // A wider bound on the next start: the view holds what the topic still has.
        ActivationRetention wider = new ActivationRetention(Duration.ofDays(2), 10);
        try (KafkaStateStore store = KafkaStateStore.open(kafka.bootstrapServers(), prefix, TIMEOUT, wider)) {
            assertEquals(5, store.countActivations("guest", "f", 0, Long.MAX_VALUE));
            assertTrue(store.storedActivations().jsonBytes() > 5 * 50, "JSON bytes are counted");
        }
        assertEquals(String.valueOf(Duration.ofDays(2).toMillis()), activationRetentionMs(prefix));
    }

    private static String activationRetentionMs(String prefix) throws Exception {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()))) {
            ConfigResource topic = new ConfigResource(ConfigResource.Type.TOPIC, prefix + ".activations");
            return admin.describeConfigs(List.of(topic)).all().get(15, TimeUnit.SECONDS).get(topic)
                    .get(TopicConfig.RETENTION_MS_CONFIG).value();
        }
    }

    @Test
    void twoStoresOnTheSameTopics_seeEachOthersWrites() throws Exception {
        String prefix = prefix();
        try (KafkaStateStore a = open(prefix); KafkaStateStore b = open(prefix)) {
            a.put("namespaces/guest", doc("name", "guest"));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (b.get("namespaces/guest").isEmpty() && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertEquals(Optional.of(doc("name", "guest")), b.get("namespaces/guest"));
            assertTrue(b.delete("namespaces/guest"));
            while (a.get("namespaces/guest").isPresent() && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertEquals(Optional.empty(), a.get("namespaces/guest"));
        }
    }

    @Test
    void restart_ofBrokerAndStore_losesNothingAcknowledged(@TempDir Path dir) {
        Path data = dir.resolve("kafka");
        try (EmbeddedKafka first = EmbeddedKafka.start(data, 0);
             KafkaStateStore store = KafkaStateStore.open(first.bootstrapServers(), "flint", TIMEOUT)) {
            store.put("namespaces/guest", doc("name", "guest"));
            store.put("actions/guest/hello", doc("name", "hello"));
            store.put("actions/guest/gone", doc("name", "gone"));
            assertTrue(store.delete("actions/guest/gone"));
            store.put("actions/guest/hello", doc("name", "hello", "version", "2"));
            store.record(activation("guest", "hello", "a1", 100));
            store.record(activation("guest", "hello", "a2", 200));
        }
        // the same data directory, on another port (and another controller port)
        long t0 = System.nanoTime();
        try (EmbeddedKafka second = EmbeddedKafka.start(data, 0)) {
            long broker = System.nanoTime();
            try (KafkaStateStore store = KafkaStateStore.open(second.bootstrapServers(), "flint", TIMEOUT)) {
                System.out.printf("restart: broker %d ms, store open %d ms%n",
                        TimeUnit.NANOSECONDS.toMillis(broker - t0),
                        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - broker));
                assertEquals(Optional.of(doc("name", "guest")), store.get("namespaces/guest"));
                assertEquals(Optional.of(doc("name", "hello", "version", "2")), store.get("actions/guest/hello"));
                assertEquals(Optional.empty(), store.get("actions/guest/gone"), "a delete stays deleted");
                assertEquals(List.of(doc("name", "hello", "version", "2")), store.list("actions/guest/"));
                assertEquals(List.of("a2", "a1"), ids(store.activations("guest", "hello", 0, Long.MAX_VALUE, 0, 10)));
                // and it keeps working
                store.put("actions/guest/new", doc("name", "new"));
                assertEquals(2, store.list("actions/guest/").size());
            }
        }
    }

    @Test
    void write_whenTheBrokerIsGone_throwsStateExceptionWithinTheTimeout(@TempDir Path dir) {
        EmbeddedKafka doomed = EmbeddedKafka.start(dir.resolve("kafka"), 0);
        Duration timeout = Duration.ofSeconds(2);
        try (KafkaStateStore store = KafkaStateStore.open(doomed.bootstrapServers(), "flint", timeout)) {
            store.put("namespaces/guest", doc("name", "guest"));
            doomed.close();
            long t0 = System.nanoTime();
            StateException e = assertThrows(StateException.class, () -> store.put("actions/guest/x", doc("name", "x")));
            long waited = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
            assertTrue(e.getMessage().startsWith("state store unavailable"), e.getMessage());
            assertTrue(e.hint().contains(doomed.bootstrapServers()), e.hint());
            assertTrue(waited < 2_000 + 1_500, "gave up after about the timeout, waited " + waited + " ms");
            assertThrows(StateException.class, () -> store.record(activation("guest", "x", "a1", 1)));
            // reads still answer from the view
            assertEquals(Optional.of(doc("name", "guest")), store.get("namespaces/guest"));
        } finally {
            doomed.close();
        }
    }

    @Test
    void open_withNoBroker_throwsStateException() throws Exception {
        int port;
        try (var socket = new java.net.ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        StateException e = assertThrows(StateException.class,
                () -> KafkaStateStore.open("127.0.0.1:" + port, "flint", Duration.ofSeconds(1)));
        assertTrue(e.getMessage().startsWith("state store unavailable: kafka at 127.0.0.1:" + port), e.getMessage());
    }

    @Test
    void close_isIdempotent_andWritesAfterwardsThrow() {
        KafkaStateStore store = open(prefix());
        store.put("k", doc("a", "b"));
        store.close();
        store.close();
        assertThrows(StateException.class, () -> store.put("k", doc("a", "c")));
        assertEquals(Optional.of(doc("a", "b")), store.get("k"));
    }

    private static ObjectNode doc(String... fields) {
        ObjectNode node = JSON.createObjectNode();
        for (int i = 0; i < fields.length; i += 2) {
            node.put(fields[i], fields[i + 1]);
        }
        return node;
    }

    /** An activation record as it comes back from JSON (small numbers are ints, not longs). */
    private static ObjectNode activation(String namespace, String name, String id, long start) {
        ObjectNode node = JSON.createObjectNode();
        node.put("namespace", namespace).put("name", name).put("activationId", id).put("start", start)
                .put("end", start + 5);
        node.putObject("response").put("statusCode", 0);
        try {
            return (ObjectNode) JSON.readTree(JSON.writeValueAsBytes(node));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static List<String> ids(List<ObjectNode> activations) {
        return activations.stream().map(a -> a.get("activationId").textValue()).toList();
    }

    private static List<ConsumerRecord<byte[], byte[]>> readAll(String topic) {
        TopicPartition tp = new TopicPartition(topic, 0);
        Map<String, Object> config = Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class,
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class,
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(config)) {
            consumer.assign(List.of(tp));
            consumer.seekToBeginning(List.of(tp));
            long end = consumer.endOffsets(List.of(tp)).get(tp);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (consumer.position(tp) < end && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(200)).forEach(records::add);
            }
        }
        return records;
    }
}
