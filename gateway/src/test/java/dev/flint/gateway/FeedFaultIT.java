package dev.flint.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

/**
 * Issue #9's fault test: 50,000 numbered records on 6 partitions feed an action in batches of 100;
 * the server is killed with SIGKILL while it consumes and started again on the same data. Then
 * every record has been processed at least once, and in the results topic each partition's records
 * are in offset order once repeats are dropped. The duplicates the crash cost are counted and
 * reported (stdout and {@code target/feed-fault.txt}).
 */
class FeedFaultIT {
    private static final String API = "/api/v1/namespaces/_";
    private static final int TOTAL = 50_000;
    private static final int PARTITIONS = 6;
    private static final int BATCH = 100;
    /** Records whose results are in before the crash: some, far from all. */
    private static final int BEFORE_CRASH = 3_000;
    private static final Duration PATIENCE = Duration.ofSeconds(150);

    @Test
    void aServerKilledMidStream_losesNoRecord_keepsEachPartitionInOrder_andCountsItsDuplicates() throws Exception {
        long started = System.nanoTime();
        try (ServerProcess first = ServerProcess.start("FeedFaultIT", Map.of())) {
            String kafka = bootstrap(first);
            String guest = first.guestKey();
            try (Admin admin = Admin.create(Map.of("bootstrap.servers", kafka))) {
                admin.createTopics(List.of(new NewTopic("fault.in", PARTITIONS, (short) 1))).all().get();
            }
            ObjectNode action = ServerProcess.JSON.createObjectNode();
            action.putObject("exec").put("kind", "python:3").put("code", "def main(args):\n    ms = args['messages']\n"
                    + "    return {'p': ms[0]['partition'], 'o': [m['offset'] for m in ms], 'n': [m['value'] for m in ms]}\n");
            action.putObject("limits").put("concurrency", 3);
            ok(first.send("PUT", API + "/actions/fault-seen", action.toString(), guest));
            ok(first.send("PUT", API + "/triggers/fault-feed", "{\"annotations\":[{\"key\":\"feed\",\"value\":\"kafka\"}],"
                    + "\"parameters\":[{\"key\":\"topic\",\"value\":\"fault.in\"},{\"key\":\"start\",\"value\":\"earliest\"},"
                    + "{\"key\":\"batch\",\"value\":" + BATCH + "},{\"key\":\"results\",\"value\":\"fault.out\"}]}", guest));
            ok(first.send("PUT", API + "/rules/fault-rule", "{\"trigger\":\"fault-feed\",\"action\":\"fault-seen\"}", guest));
            produce(kafka);

            Results before = awaitResults(kafka, BEFORE_CRASH, PATIENCE);
            assertTrue(before.distinct() >= BEFORE_CRASH, "it was consuming before the crash: " + before.summary());
            first.crash();
            assertTrue(before.distinct() < TOTAL, "the crash came mid-stream: " + before.summary());

            try (ServerProcess second = ServerProcess.start("FeedFaultIT", Map.of(), first.data)) {
                Results after = awaitResults(bootstrap(second), TOTAL, PATIENCE);
                if (after.distinct() < TOTAL) {
                    fail("records lost after the crash: " + after.missing() + "; " + after.summary());
                }
                after.assertInOrderPerPartition();
                long seconds = Duration.ofNanos(System.nanoTime() - started).toSeconds();
                String line = String.format("FeedFaultIT: %d records, %d duplicates (%d results; %d records processed before the"
                        + " kill -9; %d s)", TOTAL, after.duplicates(), after.results(), before.distinct(), seconds);
                System.out.println(line);
                Files.writeString(Path.of("target", "feed-fault.txt"), line + "\n");
            }
        }
    }

    private static String bootstrap(ServerProcess server) throws IOException {
        return Files.readString(server.data.resolve("kafka-bootstrap")).trim();
    }

    private static void ok(ServerProcess.Reply r) {
        assertEquals(200, r.status(), r.body());
    }

    /** Records 0..TOTAL-1, key and value the number, spread over the partitions by key, through a plain client. */
    private static void produce(String kafka) {
        Properties p = new Properties();
        p.put("bootstrap.servers", kafka);
        p.put("acks", "all");
        p.put("linger.ms", "5");
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(p, new StringSerializer(), new StringSerializer())) {
            for (int i = 0; i < TOTAL; i++) {
                producer.send(new ProducerRecord<>("fault.in", Integer.toString(i), Integer.toString(i)), (m, e) -> {
                    if (e != null) {
                        throw new AssertionError("kafka did not take a record: " + e, e);
                    }
                });
            }
            producer.flush();
        }
    }

    /** Reads the results topic from the beginning until {@code wanted} distinct records are in or {@code max} passed. */
    private static Results awaitResults(String kafka, int wanted, Duration max) {
        Properties p = new Properties();
        p.put("bootstrap.servers", kafka);
        p.put("allow.auto.create.topics", "false"); // the feed makes the results topic, with as many partitions as its input
        Results results = new Results();
        long deadline = System.nanoTime() + max.toNanos();
        try (KafkaConsumer<String, String> c = new KafkaConsumer<>(p, new StringDeserializer(), new StringDeserializer())) {
            List<TopicPartition> parts = List.of();
            while (parts.isEmpty() && System.nanoTime() < deadline) {
                parts = c.partitionsFor("fault.out", Duration.ofSeconds(5)).stream()
                        .map(i -> new TopicPartition("fault.out", i.partition())).toList();
            }
            c.assign(parts);
            c.seekToBeginning(parts);
            while (results.distinct() < wanted && System.nanoTime() < deadline) {
                c.poll(Duration.ofMillis(500)).forEach(results::add);
            }
        }
        return results;
    }

    /**
     * The results read so far: which numbers were processed, how many times, and per results
     * partition the order in which each input partition's offsets appeared.
     */
    private static final class Results {
        private final BitSet seen = new BitSet(TOTAL);
        private int processed;
        private int results;
        /** Per results partition, per input partition: offsets in the order their results appeared. */
        private final Map<Integer, Map<Integer, List<Long>>> order = new HashMap<>();

        void add(ConsumerRecord<String, String> r) {
            JsonNode v;
            try {
                v = ServerProcess.JSON.readTree(r.value());
            } catch (IOException e) {
                throw new AssertionError("a result is not JSON: " + r.value(), e);
            }
            results++;
            List<Long> offsets = order.computeIfAbsent(r.partition(), k -> new HashMap<>())
                    .computeIfAbsent(v.path("p").asInt(), k -> new ArrayList<>());
            for (int i = 0; i < v.path("n").size(); i++) {
                seen.set(v.path("n").get(i).asInt());
                offsets.add(v.path("o").get(i).asLong());
                processed++;
            }
        }

        int distinct() {
            return seen.cardinality();
        }

        int results() {
            return results;
        }

        int duplicates() {
            return processed - distinct();
        }

        /** Which numbers have no result: how many, and the first few. */
        String missing() {
            List<Integer> first = new ArrayList<>();
            for (int i = seen.nextClearBit(0); i < TOTAL && first.size() < 20; i = seen.nextClearBit(i + 1)) {
                first.add(i);
            }
            return (TOTAL - distinct()) + " of " + TOTAL + " records have no result, the first " + first;
        }

        String summary() {
            return distinct() + " distinct records processed in " + results + " results, " + duplicates() + " duplicates";
        }

        /**
         * In each partition of the results topic, each input partition's offsets, repeats dropped,
         * are increasing: a batch's results follow its partition's earlier batches.
         */
        void assertInOrderPerPartition() {
            order.forEach((resultsPartition, byInput) -> byInput.forEach((input, offsets) -> {
                Set<Long> done = new HashSet<>();
                long last = -1;
                for (long o : offsets) {
                    if (done.add(o)) {
                        assertTrue(o > last, "partition " + input + " out of order in results partition " + resultsPartition
                                + ": offset " + o + " after " + last);
                        last = o;
                    }
                }
            }));
        }
    }
}
