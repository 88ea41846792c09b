package dev.flint.gateway.activations;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.flint.gateway.platform.Platform;
import dev.flint.gateway.state.KafkaTopics;
import dev.flint.gateway.state.StateException;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.annotation.Priority;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.jboss.logging.Logger;

/**
 * Non-blocking invocations through Kafka (DESIGN.md §7-8, issue #9): the 202 is answered only once
 * the request is in the topic {@code <prefix>.invocations}, acknowledged by every replica; a
 * consumer group of invokers ({@code <prefix>.invokers}) runs them and commits a batch's offsets
 * after each of its activations is recorded. So a server that dies after its 202 loses nothing:
 * the next one to start runs what was not committed. Running twice is avoided by the activation
 * id: a request whose activation is already recorded is skipped (at-least-once, deduplicated).
 *
 * <p>With the state in memory (tests of the REST layer) there is no Kafka: {@link #enabled()} is
 * false and the caller runs the activation in-process. Thread-safe.
 */
@Singleton
public class QueuedInvocations {
    private static final Logger LOG = Logger.getLogger(QueuedInvocations.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int PARTITIONS = 4;
    private static final Duration SEND_WAIT = Duration.ofSeconds(10);
    private static final Duration POLL = Duration.ofMillis(200);
    /** Longer than a batch of the longest activations (5 min each, run in parallel). */
    private static final int MAX_POLL_INTERVAL_MS = 15 * 60 * 1000;
    private static final int MAX_POLL_RECORDS = 32;

    @Inject
    Platform platform;

    @Inject
    InvokeService invokes;

    private volatile KafkaProducer<String, byte[]> producer;
    private volatile Thread consumerThread;
    private volatile KafkaConsumer<String, byte[]> consumer;
    private volatile boolean stopping;
    private volatile String topic;
    private final java.util.concurrent.CountDownLatch topicMade = new java.util.concurrent.CountDownLatch(1);
    private volatile StateException topicFailure;

    /** After the platform's own start (its default priority is lower). */
    void onStart(@Observes @Priority(3000) StartupEvent event) {
        String bootstrap = platform.kafkaBootstrap().orElse(null);
        if (bootstrap == null) {
            return;
        }
        String prefix = platform.config().kafka().topicPrefix();
        topic = prefix + ".invocations";
        Properties p = new Properties();
        p.put("bootstrap.servers", bootstrap);
        p.put("acks", "all");
        p.put("enable.idempotence", "true");
        p.put("linger.ms", "1");
        p.put("max.block.ms", Long.toString(SEND_WAIT.toMillis()));
        p.put("max.request.size", Integer.toString(8 << 20));
        producer = new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer());
        Properties c = new Properties();
        c.put("bootstrap.servers", bootstrap);
        c.put("group.id", prefix + ".invokers");
        // Static membership: a server that restarts (after a crash too) takes its partitions back at
        // once, instead of waiting for its old self's session to time out.
        c.put("group.instance.id", memberId());
        c.put("session.timeout.ms", "10000");
        c.put("enable.auto.commit", "false");
        c.put("auto.offset.reset", "earliest");
        c.put("max.poll.records", Integer.toString(MAX_POLL_RECORDS));
        c.put("max.poll.interval.ms", Integer.toString(MAX_POLL_INTERVAL_MS));
        c.put("fetch.max.bytes", Integer.toString(16 << 20));
        c.put("max.partition.fetch.bytes", Integer.toString(8 << 20));
        consumer = new KafkaConsumer<>(c, new StringDeserializer(), new ByteArrayDeserializer());
        // The topic is made on the consumer's thread, off the server's start (an admin round trip);
        // a submit waits for it.
        consumerThread = new Thread(() -> {
            try {
                createTopic(bootstrap);
                topic(null);
            } catch (StateException e) {
                topic(e);
                LOG.errorf("flint: %s; non-blocking invocations answer 503 until a restart", e.getMessage());
                consumer.close(Duration.ZERO);
                return;
            }
            consumer.subscribe(List.of(topic));
            consume();
        }, "flint-queued-invocations");
        consumerThread.setDaemon(true);
        consumerThread.start();
        LOG.infof("flint: non-blocking invocations go through %s", topic);
    }

    /** Stable across restarts of this server, distinct between servers: host and data directory. */
    private String memberId() {
        String host;
        try {
            host = java.net.InetAddress.getLocalHost().getHostName();
        } catch (java.net.UnknownHostException e) {
            host = "localhost";
        }
        String where = host + ":" + platform.config().dataDir().toAbsolutePath();
        return "flint-" + Integer.toHexString(where.hashCode());
    }

    private void createTopic(String bootstrap) {
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
            NewTopic t = new NewTopic(topic, PARTITIONS, (short) 1)
                    .configs(Map.of("retention.ms", Long.toString(Duration.ofDays(7).toMillis()),
                            "max.message.bytes", Integer.toString(8 << 20)));
            KafkaTopics.createMissing(admin, List.of(t), SEND_WAIT.toMillis());
        } catch (ExecutionException e) {
            throw unavailable("create topic " + topic + ": " + e.getCause().getMessage(), e.getCause());
        } catch (InterruptedException | TimeoutException e) {
            throw unavailable("create topic " + topic + ": " + e, e);
        }
    }

    /** Whether requests go through Kafka (else the caller runs them in-process). */
    public boolean enabled() {
        return producer != null && !stopping;
    }

    /**
     * Puts one request ({@code activationId}, {@code namespace}, {@code name}, {@code args}) in the
     * topic and returns once Kafka acknowledged it.
     *
     * @throws StateException when Kafka did not acknowledge it in time (the caller answers 503)
     */
    public void submit(ObjectNode request) {
        awaitTopic();
        try {
            producer.send(new ProducerRecord<>(topic, request.get("activationId").asText(), JSON.writeValueAsBytes(request)))
                    .get(SEND_WAIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (IOException e) {
            throw new IllegalStateException("a JSON tree always serialises", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw unavailable("queue the invocation: interrupted", e);
        } catch (ExecutionException | TimeoutException e) {
            throw unavailable("queue the invocation in " + topic + ": " + e, e);
        }
    }

    /** Records that the topic exists ({@code failure} null) or could not be made. */
    private void topic(StateException failure) {
        topicFailure = failure;
        topicMade.countDown();
    }

    /** Waits (at most {@link #SEND_WAIT}) until the topic is there; throws its failure otherwise. */
    private void awaitTopic() {
        try {
            if (!topicMade.await(SEND_WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
                throw unavailable("queue the invocation: topic " + topic + " is not there yet", null);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw unavailable("queue the invocation: interrupted", e);
        }
        if (topicFailure != null) {
            throw topicFailure;
        }
    }

    private static StateException unavailable(String what, Throwable cause) {
        return new StateException("kafka is unavailable: cannot " + what, "check the server's Kafka; retry the invocation", cause);
    }

    /** Polls, runs each batch's requests in parallel, commits after they are all recorded. */
    private void consume() {
        try {
            while (!stopping) {
                ConsumerRecords<String, byte[]> records = consumer.poll(POLL);
                if (records.isEmpty()) {
                    continue;
                }
                List<CompletableFuture<Void>> running = new ArrayList<>();
                Map<TopicPartition, OffsetAndMetadata> done = new HashMap<>();
                for (ConsumerRecord<String, byte[]> r : records) {
                    running.add(CompletableFuture.runAsync(() -> runOne(r.value()), platform.activations()));
                    done.put(new TopicPartition(r.topic(), r.partition()), new OffsetAndMetadata(r.offset() + 1));
                }
                CompletableFuture.allOf(running.toArray(CompletableFuture[]::new)).join();
                consumer.commitSync(done);
            }
        } catch (WakeupException e) {
            // stopping
        } catch (RuntimeException e) {
            if (!stopping) {
                LOG.errorf(e, "flint: the consumer of %s stopped; non-blocking invocations wait for a restart", topic);
            }
        } finally {
            consumer.close(Duration.ofSeconds(5));
        }
    }

    private void runOne(byte[] value) {
        try {
            ObjectNode request = (ObjectNode) JSON.readTree(value);
            invokes.runQueued(request);
        } catch (IOException | ClassCastException e) {
            LOG.errorf("flint: a malformed request in %s was skipped: %s", topic, e);
        } catch (RuntimeException e) {
            // recorded as a failed activation where possible; never stop the partition for one request
            LOG.errorf(e, "flint: a queued invocation failed");
        }
    }

    /** Before the platform closes (its default priority is higher): in-flight batches are replayed on the next start. */
    void onStop(@Observes @Priority(2000) ShutdownEvent event) {
        stopping = true;
        if (consumer != null) {
            try {
                consumer.wakeup();
            } catch (IllegalStateException e) {
                // closed already: its topic could not be made
            }
        }
        Thread t = consumerThread;
        if (t != null) {
            try {
                t.join(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (producer != null) {
            producer.close(Duration.ofSeconds(5));
        }
    }
}
