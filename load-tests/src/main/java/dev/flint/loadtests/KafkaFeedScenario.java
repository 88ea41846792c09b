package dev.flint.loadtests;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;

/**
 * Kafka-fed triggers (issue #9), on the packaged server and its embedded broker, with a plain
 * Kafka client producing and reading:
 *
 * <ul>
 * <li>throughput: N records already on a 6-partition topic, then a trigger ({@code batch} 100,
 * {@code start earliest}, a results topic) and a rule to a warm-able Python action that answers the
 * offsets it saw; records per second from the rule's creation until every record's offset came
 * back on the results topic, beside a plain consumer that reads the same N records and does
 * nothing (same run);</li>
 * <li>latency: records produced at 1,000/s to another 6-partition topic with a running trigger
 * ({@code batch} 10); per record, the result's timestamp minus the record's (both stamped by their
 * producers, ms), p50 and p99.</li>
 * </ul>
 */
final class KafkaFeedScenario implements Scenario {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int PARTITIONS = 6;
    private static final String SEEN = "def main(args):\n"
            + "    messages = args.get('messages') or [args]\n"
            + "    return {'seen': [[m['partition'], m['offset']] for m in messages]}\n";

    @Override
    public String name() {
        return "kafka-feed";
    }

    @Override
    public List<Metric> run(BenchContext ctx) throws Exception {
        if (!PackagedServer.built(name())) {
            return List.of();
        }
        int records = ctx.quick() ? 5_000 : 50_000;
        int latencySeconds = ctx.quick() ? 3 : 10;
        try (PackagedServer server = PackagedServer.start(ctx, name());
             Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, server.kafkaBootstrap()));
             KafkaProducer<byte[], byte[]> producer = server.producer(5)) {
            admin.createTopics(List.of(new NewTopic("bench.in", PARTITIONS, (short) 1),
                    new NewTopic("bench.lat", PARTITIONS, (short) 1))).all().get(30, TimeUnit.SECONDS);
            server.send("PUT", "/api/v1/namespaces/_/actions/seen?overwrite=true", "{\"exec\":{\"kind\":\"python:3\",\"code\":"
                    + JSON.writeValueAsString(SEEN) + "},\"limits\":{\"concurrency\":" + PARTITIONS + "}}", 200);

            // 1. Throughput: a plain consumer, then the trigger, over the same records.
            for (int i = 0; i < records; i++) {
                producer.send(new ProducerRecord<>("bench.in", ("k" + i).getBytes(StandardCharsets.UTF_8),
                        ("{\"n\":" + i + "}").getBytes(StandardCharsets.UTF_8)));
            }
            producer.flush();
            double plainSeconds = plainConsumerSeconds(server, "bench.in", records);
            long t0 = System.nanoTime();
            trigger(server, "bench-in", "bench.in", 100, "bench.out");
            awaitResults(server, "bench.out", records, ctx);
            double feedSeconds = (System.nanoTime() - t0) / 1e9;
            double rate = records / feedSeconds;
            double plainRate = records / plainSeconds;
            ctx.progress(name(), 1, 2);

            // 2. Latency at 1,000 records/s.
            trigger(server, "bench-lat", "bench.lat", 10, "bench.lat.out");
            awaitConsuming(server, producer);
            Map<String, Long> produced = new HashMap<>();
            List<Future<RecordMetadata>> sends = new ArrayList<>();
            int total = latencySeconds * 1000;
            long start = System.nanoTime();
            for (int i = 0; i < total; i++) {
                long due = start + i * 1_000_000L;
                while (System.nanoTime() < due) {
                    Thread.onSpinWait();
                }
                sends.add(producer.send(new ProducerRecord<>("bench.lat", ("k" + i).getBytes(StandardCharsets.UTF_8),
                        "{}".getBytes(StandardCharsets.UTF_8))));
            }
            producer.flush();
            for (Future<RecordMetadata> f : sends) {
                RecordMetadata m = f.get();
                produced.put(m.partition() + "@" + m.offset(), m.timestamp());
            }
            Samples latency = new Samples("record produced -> its result published (ms resolution)");
            for (ConsumerRecord<byte[], byte[]> r : awaitResults(server, "bench.lat.out", total + 1, ctx)) {
                for (JsonNode seen : JSON.readTree(r.value()).path("seen")) {
                    Long at = produced.get(seen.get(0).asInt() + "@" + seen.get(1).asLong());
                    if (at != null) {
                        latency.add((r.timestamp() - at) * 1_000_000L);
                    }
                }
            }
            ctx.keepSamples(name(), List.of(latency));
            ctx.progress(name(), 2, 2);
            return List.of(
                    new Metric(name(), records + " records on " + PARTITIONS + " partitions -> warm Python action (batch 100) -> "
                            + "results topic, end to end", rate, "records/s", "a plain Kafka consumer reading them (no work)",
                            plainRate, rate / plainRate, ">= 5,000 records/s", rate >= 5000),
                    new Metric(name(), "event -> result latency at 1,000 records/s (batch 10; p99 "
                            + String.format("%.0f", latency.percentile(99) / 1e6) + " ms; " + latency.size() + " records)",
                            latency.percentile(50) / 1e6, "ms", "", Double.NaN, Double.NaN, "reported (p50, p99)", true));
        }
    }

    private static void trigger(PackagedServer server, String name, String topic, int batch, String results) throws Exception {
        ObjectNode body = JSON.createObjectNode();
        body.putArray("annotations").addObject().put("key", "feed").put("value", "kafka");
        ArrayNode ps = body.putArray("parameters");
        ps.addObject().put("key", "topic").put("value", topic);
        ps.addObject().put("key", "batch").put("value", batch);
        ps.addObject().put("key", "start").put("value", "earliest");
        ps.addObject().put("key", "results").put("value", results);
        server.send("PUT", "/api/v1/namespaces/_/triggers/" + name, body.toString(), 200);
        server.send("PUT", "/api/v1/namespaces/_/rules/" + name, "{\"trigger\":\"" + name + "\",\"action\":\"seen\"}", 200);
    }

    /** Sends one record to the latency topic and waits for its result: the trigger's consumer is running. */
    private static void awaitConsuming(PackagedServer server, KafkaProducer<byte[], byte[]> producer) throws Exception {
        producer.send(new ProducerRecord<>("bench.lat", "warm".getBytes(StandardCharsets.UTF_8), "{}".getBytes(StandardCharsets.UTF_8)))
                .get(30, TimeUnit.SECONDS);
        try (KafkaConsumer<byte[], byte[]> c = server.consumer()) {
            c.subscribe(List.of("bench.lat.out"));
            long deadline = System.nanoTime() + Duration.ofMinutes(1).toNanos();
            while (System.nanoTime() < deadline) {
                if (!c.poll(Duration.ofMillis(200)).isEmpty()) {
                    return;
                }
            }
        }
        throw new IllegalStateException("the latency trigger answered no record within a minute");
    }

    /** Reads results until they name {@code expected} distinct offsets; every record read is returned. */
    private List<ConsumerRecord<byte[], byte[]>> awaitResults(PackagedServer server, String topic, int expected, BenchContext ctx)
            throws Exception {
        List<ConsumerRecord<byte[], byte[]>> all = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        try (KafkaConsumer<byte[], byte[]> c = server.consumer()) {
            c.subscribe(List.of(topic));
            long deadline = System.nanoTime() + Duration.ofMinutes(10).toNanos();
            while (seen.size() < expected && System.nanoTime() < deadline) {
                for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(200))) {
                    all.add(r);
                    for (JsonNode s : JSON.readTree(r.value()).path("seen")) {
                        seen.add(s.get(0).asInt() + "@" + s.get(1).asLong());
                    }
                }
                ctx.progress(name() + " " + topic, seen.size(), expected);
            }
        }
        if (seen.size() < expected) {
            throw new IllegalStateException(topic + ": " + seen.size() + " of " + expected + " records came back within 10 minutes");
        }
        return all;
    }

    private static double plainConsumerSeconds(PackagedServer server, String topic, int records) {
        try (KafkaConsumer<byte[], byte[]> c = server.consumer()) {
            long t0 = System.nanoTime();
            c.subscribe(List.of(topic));
            int read = 0;
            while (read < records) {
                read += c.poll(Duration.ofMillis(200)).count();
            }
            return (System.nanoTime() - t0) / 1e9;
        }
    }
}
