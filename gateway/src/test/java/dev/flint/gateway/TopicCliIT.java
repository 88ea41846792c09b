package dev.flint.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flint.cli.Flint;
import dev.flint.gateway.state.EmbeddedKafka;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code flint topic ...} against a real broker (the server's embedded one, started on its own):
 * what a user of the standalone server does without Kafka's own tools.
 */
class TopicCliIT {
    @TempDir
    static Path tmp;

    private static EmbeddedKafka kafka;

    record Result(int status, String out, String err) {}

    @BeforeAll
    static void start() {
        kafka = EmbeddedKafka.start(tmp.resolve("kafka"), 0);
    }

    @AfterAll
    static void stop() {
        if (kafka != null) {
            kafka.close();
        }
    }

    private static Result flint(String stdin, String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(2, List.of("--bootstrap", kafka.bootstrapServers()));
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        InputStream old = System.in;
        try {
            System.setIn(new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)));
            int status = Flint.run(new PrintWriter(out, true), new PrintWriter(err, true), all.toArray(String[]::new));
            return new Result(status, out.toString(), err.toString());
        } finally {
            System.setIn(old);
        }
    }

    @Test
    void createProduceConsumeDescribeDelete() {
        Result created = flint("", "topic", "create", "ev", "--partitions", "3");
        assertEquals(0, created.status(), created.err());
        assertTrue(flint("", "topic", "list").out().lines().anyMatch("ev"::equals));

        Result produced = flint("one\ntwo\nthree\n", "topic", "produce", "ev", "--key", "k");
        assertEquals(0, produced.status(), produced.err());
        assertTrue(produced.err().contains("sent 3 records"), produced.err());

        Result consumed = flint("", "topic", "consume", "ev", "--from-beginning", "--max", "3");
        assertEquals(0, consumed.status(), consumed.err());
        assertEquals(List.of("one", "two", "three"), consumed.out().lines().toList(), "one key: one partition, in order");

        Result json = flint("", "topic", "consume", "ev", "--from-beginning", "--max", "1", "--json");
        assertTrue(json.out().contains("\"key\":\"k\"") && json.out().contains("\"value\":\"one\""), json.out());

        commitOffset("ev", "group-a", 1);
        Result described = flint("", "topic", "describe", "ev");
        assertEquals(0, described.status(), described.err());
        assertTrue(described.out().contains("3 partitions") && described.out().contains("records written: 3"), described.out());
        assertTrue(described.out().contains("group group-a: lag 2"), described.out());

        assertEquals(0, flint("", "topic", "delete", "ev").status());
        Result gone = flint("", "topic", "describe", "ev");
        assertEquals(1, gone.status(), gone.err());
        assertTrue(gone.err().contains("no such topic"), gone.err());
    }

    @Test
    void mistakes_getClearErrors() {
        assertEquals(0, flint("", "topic", "create", "dup").status());
        Result again = flint("", "topic", "create", "dup");
        assertEquals(1, again.status());
        assertTrue(again.err().contains("exists"), again.err());
        Result bad = flint("", "topic", "create", "x", "--partitions", "0");
        assertEquals(1, bad.status());
        assertTrue(bad.err().contains("--partitions"), bad.err());
        Result missing = flint("", "topic", "consume", "nope", "--max", "1", "--idle", "1s");
        assertEquals(1, missing.status(), missing.out());
    }

    /** A consumer group that read {@code offset} records of the topic's partition holding them. */
    private static void commitOffset(String topic, String group, long offset) {
        Properties p = new Properties();
        p.put("bootstrap.servers", kafka.bootstrapServers());
        p.put("group.id", group);
        try (KafkaConsumer<String, String> c = new KafkaConsumer<>(p, new StringDeserializer(), new StringDeserializer())) {
            for (var info : c.partitionsFor(topic)) {
                TopicPartition tp = new TopicPartition(topic, info.partition());
                long end = c.endOffsets(List.of(tp)).get(tp);
                if (end > 0) {
                    c.commitSync(java.util.Map.of(tp, new OffsetAndMetadata(offset)));
                }
            }
        }
    }
}
