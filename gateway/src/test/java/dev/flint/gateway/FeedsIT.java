package dev.flint.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.flint.cli.Flint;
import dev.flint.gateway.ServerProcess.Reply;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeSet;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Kafka-fed triggers (issue #9) on the packaged server, with a plain Kafka client on the server's
 * embedded broker: every record is processed, in order per partition, results published; with
 * {@code batch} an activation gets consecutive records of one partition as {@code messages}; a poison
 * record goes to the dead-letter topic without blocking its partition; a disabled rule stops
 * consumption and enabling it resumes from the committed offset; a deleted trigger consumes nothing;
 * a server killed mid-stream loses no record.
 */
class FeedsIT {
    private static final String API = "/api/v1/namespaces/_";
    private static final Duration PATIENCE = Duration.ofSeconds(60);
    private static ServerProcess server;
    private static String key;
    private static String bootstrap;
    private static KafkaProducer<String, String> producer;

    @BeforeAll
    static void start() throws Exception {
        server = ServerProcess.start("FeedsIT", Map.of());
        key = server.guestKey();
        bootstrap = Files.readString(server.data.resolve("kafka-bootstrap")).trim();
        Properties p = new Properties();
        p.put("bootstrap.servers", bootstrap);
        p.put("acks", "all");
        producer = new KafkaProducer<>(p, new StringSerializer(), new StringSerializer());
    }

    @AfterAll
    static void stop() throws Exception {
        if (producer != null) {
            producer.close(Duration.ofSeconds(5));
        }
        if (server != null) {
            server.close();
        }
    }

    private static JsonNode ok(Reply r) {
        assertEquals(200, r.status(), r.body());
        return r.json();
    }

    private static void pythonAction(String name, String code) {
        ObjectNode body = ServerProcess.JSON.createObjectNode();
        body.putObject("exec").put("kind", "python:3").put("code", code);
        ok(server.send("PUT", API + "/actions/" + name, body.toString(), key));
    }

    /** A trigger with a kafka feed and these parameters, through the REST API. */
    private static void kafkaTrigger(String name, Map<String, Object> params) {
        ObjectNode body = ServerProcess.JSON.createObjectNode();
        body.putArray("annotations").addObject().put("key", "feed").put("value", "kafka");
        ArrayNode ps = body.putArray("parameters");
        params.forEach((k, v) -> ps.addObject().put("key", k).set("value", ServerProcess.JSON.valueToTree(v)));
        ok(server.send("PUT", API + "/triggers/" + name, body.toString(), key));
    }

    private static void rule(String name, String trigger, String action) {
        ok(server.send("PUT", API + "/rules/" + name, "{\"trigger\":\"" + trigger + "\",\"action\":\"" + action + "\"}", key));
    }

    private static void setStatus(String rule, String status) {
        Reply r = server.send("POST", API + "/rules/" + rule, "{\"status\":\"" + status + "\"}", key);
        assertEquals(200, r.status(), r.body());
    }

    private static void createTopic(String name, int partitions) throws Exception {
        createTopic(bootstrap, name, partitions);
    }

    private static void createTopic(String kafka, String name, int partitions) throws Exception {
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", kafka))) {
            admin.createTopics(List.of(new NewTopic(name, partitions, (short) 1))).all().get();
        }
    }

    private static void produce(String topic, String k, String value) throws Exception {
        producer.send(new ProducerRecord<>(topic, k, value)).get();
    }

    /** The topic's records from the beginning, once there are at least {@code n} of them or {@code max} passed. */
    private static List<ConsumerRecord<String, String>> read(String topic, int n, Duration max) {
        return read(bootstrap, topic, n, max);
    }

    private static List<ConsumerRecord<String, String>> read(String kafka, String topic, int n, Duration max) {
        Properties p = new Properties();
        p.put("bootstrap.servers", kafka);
        List<ConsumerRecord<String, String>> out = new ArrayList<>();
        try (KafkaConsumer<String, String> c = new KafkaConsumer<>(p, new StringDeserializer(), new StringDeserializer())) {
            long deadline = System.nanoTime() + max.toNanos();
            List<TopicPartition> parts = List.of();
            while (parts.isEmpty() && System.nanoTime() < deadline) {
                parts = c.partitionsFor(topic, Duration.ofSeconds(5)).stream()
                        .map(i -> new TopicPartition(topic, i.partition())).toList();
            }
            c.assign(parts);
            c.seekToBeginning(parts);
            while (out.size() < n && System.nanoTime() < deadline) {
                c.poll(Duration.ofMillis(200)).forEach(out::add);
            }
        }
        return out;
    }

    private static List<String> values(List<ConsumerRecord<String, String>> records) {
        return records.stream().map(ConsumerRecord::value).toList();
    }

    private static JsonNode json(String text) {
        try {
            return ServerProcess.JSON.readTree(text);
        } catch (java.io.IOException e) {
            throw new AssertionError(text, e);
        }
    }

    @Test
    void everyRecord_isProcessed_inOrderPerPartition_andItsResultPublished() throws Exception {
        createTopic("feeds.in", 3);
        pythonAction("where", "def main(args):\n    return {'v': args['value'], 'p': args['partition'], 'o': args['offset']}\n");
        kafkaTrigger("numbers", Map.of("topic", "feeds.in", "start", "earliest", "results", "feeds.out"));
        rule("numbers-where", "numbers", "where");
        for (int i = 0; i < 60; i++) {
            produce("feeds.in", "k" + (i % 6), "{\"n\": " + i + "}");
        }
        List<ConsumerRecord<String, String>> results = read("feeds.out", 60, PATIENCE);
        assertEquals(60, results.size(), "every record has its result: " + values(results));
        TreeSet<Integer> seen = new TreeSet<>();
        Map<String, List<Long>> offsetsByKey = new HashMap<>();
        Map<String, Integer> partitionOfKey = new HashMap<>();
        for (ConsumerRecord<String, String> r : results) {
            JsonNode v = json(r.value());
            int n = v.path("v").path("n").asInt();
            seen.add(n);
            assertEquals("k" + (n % 6), r.key(), "a result keeps its record's key");
            assertTrue(r.headers().lastHeader("activationId") != null, "a result names its activation");
            offsetsByKey.computeIfAbsent(r.key(), k -> new ArrayList<>()).add(v.path("o").asLong());
            Integer p = partitionOfKey.putIfAbsent(r.key(), v.path("p").asInt());
            assertTrue(p == null || p == v.path("p").asInt(), "one key, one partition");
        }
        assertEquals(60, seen.size(), "each of the 60 records once: " + seen);
        offsetsByKey.forEach((k, offsets) -> {
            for (int i = 1; i < offsets.size(); i++) {
                assertTrue(offsets.get(i) > offsets.get(i - 1), "key " + k + " in offset order: " + offsets);
            }
        });
        JsonNode count = ok(server.get(API + "/activations?name=where&count=true", key));
        assertTrue(count.path("activations").asInt() >= 60, "each record is an activation of the action: " + count);
    }

    @Test
    void aBatchedFeed_givesEachActivationUpToTenRecordsOfOnePartition_asMessages_namingTheRangeInItsCause() throws Exception {
        createTopic("feeds.batch", 2);
        pythonAction("batched", "def main(args):\n    ms = args['messages']\n"
                + "    return {'p': ms[0]['partition'], 'o': [m['offset'] for m in ms], 'n': [m['value']['n'] for m in ms],"
                + " 'k': [m['key'] for m in ms]}\n");
        for (int i = 0; i < 45; i++) {
            produce("feeds.batch", "k" + (i % 3), "{\"n\": " + i + "}");
        }
        kafkaTrigger("batched-feed", Map.of("topic", "feeds.batch", "start", "earliest", "batch", 10, "results", "feeds.batch.out"));
        rule("batched-rule", "batched-feed", "batched");

        TreeSet<Integer> seen = new TreeSet<>();
        List<ConsumerRecord<String, String>> results = List.of();
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        while (seen.size() < 45 && System.nanoTime() < deadline) {
            results = read("feeds.batch.out", Integer.MAX_VALUE, Duration.ofSeconds(2));
            seen.clear();
            results.forEach(r -> json(r.value()).path("n").forEach(n -> seen.add(n.asInt())));
        }
        assertEquals(45, seen.size(), "every record reached the action in a batch: " + seen);
        Map<Integer, Long> nextOffset = new HashMap<>();
        boolean full = false;
        for (ConsumerRecord<String, String> r : sortedByOffset(results)) {
            JsonNode v = json(r.value());
            int size = v.path("o").size();
            assertTrue(size >= 1 && size <= 10, "at most 10 records an activation: " + v);
            full |= size == 10;
            int partition = v.path("p").asInt();
            long first = v.path("o").get(0).asLong();
            assertEquals(nextOffset.getOrDefault(partition, 0L), first, "batches follow each other without gap or overlap: " + v);
            for (int i = 1; i < size; i++) {
                assertEquals(first + i, v.path("o").get(i).asLong(), "consecutive records of one partition, in offset order: " + v);
            }
            long last = first + size - 1;
            nextOffset.put(partition, last + 1);
            assertEquals(v.path("k").get(size - 1).asText(), r.key(), "a batch's result has its last record's key");
            assertEquals(Integer.toString(partition), header(r, "partition"), r.toString());
            assertEquals(Long.toString(first), header(r, "firstOffset"), r.toString());
            assertEquals(Long.toString(last), header(r, "lastOffset"), r.toString());
            Reply activation = server.get(API + "/activations/" + header(r, "activationId"), key);
            assertEquals(200, activation.status(), activation.body());
            assertTrue(activation.json().path("annotations").toString().contains("{\"key\":\"cause\",\"value\":{\"trigger\":"
                    + "\"guest/batched-feed\",\"rule\":\"guest/batched-rule\",\"topic\":\"feeds.batch\",\"partition\":" + partition
                    + ",\"firstOffset\":" + first + ",\"lastOffset\":" + last + "}}"), "the activation names the range: " + activation.body());
        }
        assertTrue(full, "records waiting in the topic make full batches of 10: " + values(results));
    }

    /** A batched feed's results by input partition and first offset (they may be spread over the results topic's partitions). */
    private static List<ConsumerRecord<String, String>> sortedByOffset(List<ConsumerRecord<String, String>> results) {
        return results.stream().sorted(java.util.Comparator.<ConsumerRecord<String, String>>comparingInt(r -> json(r.value()).path("p").asInt())
                .thenComparingLong(r -> json(r.value()).path("o").get(0).asLong())).toList();
    }

    private static String header(ConsumerRecord<String, String> r, String name) {
        org.apache.kafka.common.header.Header h = r.headers().lastHeader(name);
        return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }

    @Test
    void aPoisonRecord_goesToTheDeadLetterTopic_andTheRecordsAfterItAreStillProcessed() throws Exception {
        createTopic("feeds.poison", 1);
        pythonAction("picky", "def main(args):\n    if args['value'] == 'poison':\n        raise Exception('cannot digest poison')\n"
                + "    return {'v': args['value']}\n");
        kafkaTrigger("picky-feed", Map.of("topic", "feeds.poison", "start", "earliest", "retries", 1, "results", "feeds.poison.out"));
        rule("picky-rule", "picky-feed", "picky");
        produce("feeds.poison", "same", "before");
        produce("feeds.poison", "same", "poison");
        produce("feeds.poison", "same", "after");

        List<ConsumerRecord<String, String>> results = read("feeds.poison.out", 2, PATIENCE);
        assertEquals(List.of("{\"v\":\"before\"}", "{\"v\":\"after\"}"), values(results), "the poison does not block its partition");
        List<ConsumerRecord<String, String>> dead = read("feeds.poison.dlq", 1, PATIENCE);
        assertEquals(1, dead.size(), "the poison record is dead-lettered: " + values(dead));
        assertEquals("same", dead.get(0).key());
        JsonNode letter = json(dead.get(0).value());
        assertEquals("poison", letter.path("record").path("value").asText(), letter.toString());
        assertEquals(1, letter.path("record").path("offset").asLong(), letter.toString());
        assertTrue(letter.path("error").asText().contains("cannot digest poison"), "the letter carries the error: " + letter);
        assertEquals(2, letter.path("attempts").asInt(), "one attempt and one retry: " + letter);
        assertTrue(letter.path("activationId").isTextual(), "and the failed activation: " + letter);
        assertEquals("guest/picky-rule", letter.path("rule").asText(), letter.toString());
        assertEquals("guest/picky-feed", letter.path("trigger").asText(), letter.toString());
        Reply failed = server.get(API + "/activations/" + letter.path("activationId").asText(), key);
        assertEquals(200, failed.status(), "the failed activation is recorded: " + failed.body());
        assertFalse(failed.json().path("response").path("success").asBoolean(true), failed.body());
        assertTrue(failed.json().path("annotations").toString().contains("{\"key\":\"cause\",\"value\":{\"trigger\":"
                + "\"guest/picky-feed\",\"rule\":\"guest/picky-rule\",\"topic\":\"feeds.poison\",\"partition\":0,\"offset\":1}}"),
                "the activation names its cause: " + failed.body());
    }

    @Test
    void aDisabledRule_stopsConsumption_andEnablingItResumesFromTheCommittedOffset() throws Exception {
        createTopic("feeds.toggle", 1);
        pythonAction("echo-value", "def main(args):\n    return {'v': args['value']}\n");
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int status = Flint.run(new PrintWriter(out, true), new PrintWriter(err, true), "trigger", "create",
                "--apihost", server.base(), "--auth", key, "toggled", "--feed", "kafka",
                "-p", "topic", "feeds.toggle", "-p", "start", "earliest", "-p", "results", "feeds.toggle.out");
        assertEquals(0, status, "flint trigger create --feed kafka: " + err);
        JsonNode trigger = ok(server.get(API + "/triggers/toggled", key));
        assertTrue(trigger.path("annotations").toString().contains("{\"key\":\"feed\",\"value\":\"kafka\"}"), trigger.toString());
        rule("toggle-rule", "toggled", "echo-value");

        produce("feeds.toggle", "k", "first");
        assertEquals(List.of("{\"v\":\"first\"}"), values(read("feeds.toggle.out", 1, PATIENCE)));

        setStatus("toggle-rule", "inactive");
        Thread.sleep(3000); // the consumer stops
        produce("feeds.toggle", "k", "second");
        produce("feeds.toggle", "k", "third");
        Thread.sleep(3000);
        assertEquals(List.of("{\"v\":\"first\"}"), values(read("feeds.toggle.out", 2, Duration.ofSeconds(3))),
                "nothing is consumed while the rule is disabled");

        setStatus("toggle-rule", "active");
        assertEquals(List.of("{\"v\":\"first\"}", "{\"v\":\"second\"}", "{\"v\":\"third\"}"),
                values(read("feeds.toggle.out", 3, PATIENCE)), "enabled again, it resumes where it stopped");

        assertEquals(200, server.send("DELETE", API + "/triggers/toggled", null, key).status());
        Thread.sleep(3000); // the consumer stops
        produce("feeds.toggle", "k", "fourth");
        Thread.sleep(3000);
        assertEquals(3, read("feeds.toggle.out", 4, Duration.ofSeconds(3)).size(), "a deleted trigger consumes nothing");
    }

    @Test
    void aKafkaFeedWithoutTopic_orWithABadParameter_is400NamingIt() {
        Reply r = server.send("PUT", API + "/triggers/no-topic", "{\"annotations\":[{\"key\":\"feed\",\"value\":\"kafka\"}]}", key);
        assertEquals(400, r.status(), r.body());
        assertTrue(r.error().startsWith("parameters.topic:"), r.body());
        r = server.send("PUT", API + "/triggers/bad-start", "{\"annotations\":[{\"key\":\"feed\",\"value\":\"kafka\"}],"
                + "\"parameters\":[{\"key\":\"topic\",\"value\":\"t\"},{\"key\":\"start\",\"value\":\"soon\"}]}", key);
        assertEquals(400, r.status(), r.body());
        assertTrue(r.error().startsWith("parameters.start:"), r.body());
    }

    @Test
    void recordsOfAPlainKafkaClient_reachTheAction_withKeyHeadersAndTextJsonOrBinaryValues() throws Exception {
        createTopic("feeds.kinds", 1);
        pythonAction("payload", "def main(args):\n    return {k: args[k] for k in ['key', 'value', 'headers', 'topic', 'partition', 'offset']}\n");
        kafkaTrigger("kinds", Map.of("topic", "feeds.kinds", "start", "earliest", "results", "feeds.kinds.out"));
        rule("kinds-rule", "kinds", "payload");
        Properties p = new Properties();
        p.put("bootstrap.servers", bootstrap);
        p.put("acks", "all");
        byte[] binary = {(byte) 0xff, 0, (byte) 0xfe, 7};
        try (KafkaProducer<byte[], byte[]> raw = new KafkaProducer<>(p, new org.apache.kafka.common.serialization.ByteArraySerializer(),
                new org.apache.kafka.common.serialization.ByteArraySerializer())) {
            ProducerRecord<byte[], byte[]> withHeaders = new ProducerRecord<>("feeds.kinds", "k1".getBytes(StandardCharsets.UTF_8),
                    "{\"a\": [1, 2]}".getBytes(StandardCharsets.UTF_8));
            withHeaders.headers().add("trace", "t-1".getBytes(StandardCharsets.UTF_8));
            raw.send(withHeaders).get();
            raw.send(new ProducerRecord<>("feeds.kinds", null, "plain text, not JSON".getBytes(StandardCharsets.UTF_8))).get();
            raw.send(new ProducerRecord<>("feeds.kinds", "k3".getBytes(StandardCharsets.UTF_8), binary)).get();
        }
        List<ConsumerRecord<String, String>> results = read("feeds.kinds.out", 3, PATIENCE);
        assertEquals(3, results.size(), values(results).toString());
        assertEquals("{\"key\":\"k1\",\"value\":{\"a\":[1,2]},\"headers\":{\"trace\":\"t-1\"},\"topic\":\"feeds.kinds\","
                + "\"partition\":0,\"offset\":0}", json(results.get(0).value()).toString());
        assertEquals("{\"key\":null,\"value\":\"plain text, not JSON\",\"headers\":{},\"topic\":\"feeds.kinds\","
                + "\"partition\":0,\"offset\":1}", json(results.get(1).value()).toString());
        assertEquals("{\"key\":\"k3\",\"value\":{\"base64\":\"" + java.util.Base64.getEncoder().encodeToString(binary)
                + "\"},\"headers\":{},\"topic\":\"feeds.kinds\",\"partition\":0,\"offset\":2}", json(results.get(2).value()).toString());
    }

    /**
     * A smaller cut of issue #9's fault test: the server is killed with SIGKILL while it consumes;
     * after a restart on the same data every record has been processed at least once and, per key,
     * the offsets seen (after de-duplication) are in order.
     */
    @Test
    void aServerKilledMidStream_losesNoRecord_afterItsRestart() throws Exception {
        int total = 300;
        try (ServerProcess first = ServerProcess.start("FeedsIT-crash", Map.of())) {
            String kafka = Files.readString(first.data.resolve("kafka-bootstrap")).trim();
            String guest = first.guestKey();
            createTopic(kafka, "crash.in", 3);
            ObjectNode action = ServerProcess.JSON.createObjectNode();
            action.putObject("exec").put("kind", "python:3").put("code",
                    "import time\ndef main(args):\n    time.sleep(0.01)\n    return {'n': args['value'], 'o': args['offset']}\n");
            ok(first.send("PUT", API + "/actions/seen", action.toString(), guest));
            ok(first.send("PUT", API + "/triggers/crashing", "{\"annotations\":[{\"key\":\"feed\",\"value\":\"kafka\"}],"
                    + "\"parameters\":[{\"key\":\"topic\",\"value\":\"crash.in\"},{\"key\":\"start\",\"value\":\"earliest\"},"
                    + "{\"key\":\"results\",\"value\":\"crash.out\"}]}", guest));
            ok(first.send("PUT", API + "/rules/crash-rule", "{\"trigger\":\"crashing\",\"action\":\"seen\"}", guest));
            Properties p = new Properties();
            p.put("bootstrap.servers", kafka);
            p.put("acks", "all");
            try (KafkaProducer<String, String> kp = new KafkaProducer<>(p, new StringSerializer(), new StringSerializer())) {
                for (int i = 0; i < total; i++) {
                    kp.send(new ProducerRecord<>("crash.in", "k" + (i % 12), Integer.toString(i)));
                }
                kp.flush();
            }
            List<ConsumerRecord<String, String>> before = read(kafka, "crash.out", 30, PATIENCE);
            assertTrue(before.size() >= 30, "it was consuming before the crash: " + before.size());
            first.crash();
            try (ServerProcess second = ServerProcess.start("FeedsIT-crash", Map.of(), first.data)) {
                String kafka2 = Files.readString(second.data.resolve("kafka-bootstrap")).trim();
                long deadline = System.nanoTime() + PATIENCE.multipliedBy(2).toNanos();
                TreeSet<Integer> seen = new TreeSet<>();
                List<ConsumerRecord<String, String>> results = List.of();
                while (seen.size() < total && System.nanoTime() < deadline) {
                    results = read(kafka2, "crash.out", Integer.MAX_VALUE, Duration.ofSeconds(3));
                    seen.clear();
                    results.forEach(r -> seen.add(json(r.value()).path("n").asInt()));
                }
                assertEquals(total, seen.size(), "every record was processed at least once, none lost");
                Map<String, List<Long>> offsetsByKey = new HashMap<>();
                for (ConsumerRecord<String, String> r : results) {
                    List<Long> offsets = offsetsByKey.computeIfAbsent(r.key(), k -> new ArrayList<>());
                    long o = json(r.value()).path("o").asLong();
                    if (!offsets.contains(o)) {
                        offsets.add(o);
                    }
                }
                offsetsByKey.forEach((k, offsets) -> {
                    for (int i = 1; i < offsets.size(); i++) {
                        assertTrue(offsets.get(i) > offsets.get(i - 1), "key " + k + " in offset order: " + offsets);
                    }
                });
                System.out.printf("FeedsIT: %d results for %d records after a crash at %d: %d duplicates%n",
                        results.size(), total, before.size(), results.size() - total);
            }
        }
    }
}
