package dev.flint.loadtests;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.function.IntFunction;
import java.util.function.IntToLongFunction;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;

/**
 * The activation view (issue #8): {@code GET .../activations?name=A&limit=30} of one action among
 * 100,000 stored activations, beside the same query when only that action's 1,000 are stored (same
 * server, same run), and the heap each stored activation costs (after a full GC, before and after
 * the other 99,000 arrive). The records are copies of a real one the server wrote for a Python
 * no-op, given new ids, names and start times, and produced straight to its activations topic, as
 * another gateway's would be.
 */
final class ActivationListScenario implements Scenario {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String TOPIC = "flint.activations";
    private static final String NOOP = "def main(args):\n    print('hello')\n    return {'ok': True}\n";
    private static final int ACTIONS = 100;

    @Override
    public String name() {
        return "activation-list";
    }

    @Override
    public List<Metric> run(BenchContext ctx) throws Exception {
        if (!PackagedServer.built(name())) {
            return List.of();
        }
        int total = ctx.quick() ? 20_000 : 100_000;
        int ofTarget = total / ACTIONS;
        int iterations = ctx.quick() ? 50 : 300;
        try (PackagedServer server = PackagedServer.start(ctx, name());
             KafkaProducer<byte[], byte[]> producer = server.producer(20)) {
            server.send("PUT", "/api/v1/namespaces/_/actions/a0?overwrite=true", "{\"exec\":{\"kind\":\"python:3\",\"code\":"
                    + JSON.writeValueAsString(NOOP) + "}}", 200);
            server.send("POST", "/api/v1/namespaces/_/actions/a0?blocking=true", "{}", 200);
            ObjectNode template = firstRecord(server);
            awaitCount(server, 1);
            long heapBefore = server.heapAfterGc();

            // 1. Only the listed action's activations: the baseline.
            long start = System.currentTimeMillis() - Duration.ofHours(1).toMillis();
            produce(producer, template, ofTarget, i -> "a0", i -> start + i * 10L);
            awaitCount(server, 1 + ofTarget);
            String list = "/api/v1/namespaces/_/activations?name=a0&limit=30";
            Samples few = time(ctx, server, list, iterations);

            // 2. The other actions' activations, interleaved in time with it.
            produce(producer, template, total - ofTarget, i -> "a" + (1 + i % (ACTIONS - 1)), i -> start + 5 + (i % ofTarget) * 10L);
            awaitCount(server, 1 + total);
            Samples many = time(ctx, server, list, iterations);
            long heapAfter = server.heapAfterGc();
            ctx.keepSamples(name(), List.of(few, many));

            double perActivation = (double) (heapAfter - heapBefore) / total;
            double recordBytes = JSON.writeValueAsBytes(template).length;
            double p50 = many.percentile(50) / 1e6;
            return List.of(
                    new Metric(name(), "list 30 activations of one action among " + total + " stored (p99 "
                            + String.format("%.2f", many.percentile(99) / 1e6) + " ms)", p50, "ms",
                            "same list among " + ofTarget + " stored", few.percentile(50) / 1e6,
                            (double) many.percentile(50) / few.percentile(50), "p50 <= 20 ms", p50 <= 20),
                    new Metric(name(), "heap per stored activation (" + total + " records of " + (int) recordBytes
                            + " JSON bytes, after a full GC)", perActivation, "B", "its JSON bytes", recordBytes,
                            perActivation / recordBytes, "reported", true));
        }
    }

    /** The record the server wrote for its one real activation. */
    private static ObjectNode firstRecord(PackagedServer server) throws Exception {
        try (KafkaConsumer<byte[], byte[]> consumer = server.consumer()) {
            TopicPartition partition = new TopicPartition(TOPIC, 0);
            consumer.assign(List.of(partition));
            consumer.seekToBeginning(List.of(partition));
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (System.nanoTime() < deadline) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    return (ObjectNode) JSON.readTree(r.value());
                }
            }
        }
        throw new IllegalStateException("no activation record in " + TOPIC + " within 30 s");
    }

    private static void produce(KafkaProducer<byte[], byte[]> producer, ObjectNode template, int count,
                                IntFunction<String> name, IntToLongFunction start) throws Exception {
        for (int i = 0; i < count; i++) {
            String id = UUID.randomUUID().toString().replace("-", "");
            ObjectNode record = template.deepCopy();
            long begin = start.applyAsLong(i);
            record.put("activationId", id).put("name", name.apply(i)).put("start", begin)
                    .put("end", begin + template.path("duration").asLong(1));
            producer.send(new ProducerRecord<>(TOPIC, id.getBytes(), JSON.writeValueAsBytes(record)));
        }
        producer.flush();
    }

    private static void awaitCount(PackagedServer server, long expected) throws Exception {
        long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
        long seen = -1;
        while (System.nanoTime() < deadline) {
            JsonNode count = JSON.readTree(server.send("GET", "/api/v1/namespaces/_/activations?count=true", null, 200));
            seen = count.path("activations").asLong();
            if (seen >= expected) {
                return;
            }
            Thread.sleep(100);
        }
        throw new IllegalStateException("the server holds " + seen + " activations, expected " + expected + " within 2 minutes");
    }

    private Samples time(BenchContext ctx, PackagedServer server, String path, int iterations) throws Exception {
        Samples samples = new Samples("GET " + path);
        int warmup = iterations / 2;
        for (int i = -warmup; i < iterations; i++) {
            long t = System.nanoTime();
            JsonNode listed = JSON.readTree(server.send("GET", path, null, 200));
            long ns = System.nanoTime() - t;
            if (listed.size() != 30) {
                throw new IllegalStateException("the list answered " + listed.size() + " activations, not 30");
            }
            if (i >= 0) {
                samples.add(ns);
            }
            ctx.progress(name(), i + warmup + 1, iterations + warmup);
        }
        return samples;
    }
}
