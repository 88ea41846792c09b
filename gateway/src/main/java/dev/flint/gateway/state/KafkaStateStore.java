package dev.flint.gateway.state;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;

/**
 * The {@link StateStore} on Kafka (DESIGN.md §7): entities in a compacted topic, activations in a
 * retained one (see {@link StateTopics}), both followed from the beginning by a
 * {@link Materialiser} into an {@link EntityView} and an {@link ActivationIndex} that serve every
 * read. Each topic has a {@link Lane} of its own (a producer and a follower): entity writes are few
 * and each is waited for, activation records are many and batch themselves under load. A write is produced with {@code acks=all} and idempotence, and returns once Kafka has
 * acknowledged it and the views have applied it, so the writer reads its own write; writes of
 * other gateways on the same topics show up as the views follow.
 *
 * <p>Every write waits at most the timeout given to {@link #open}, then throws
 * {@link StateException} (the write may still land later). Thread-safe; {@link #close} is
 * idempotent, and afterwards every write throws.
 */
public final class KafkaStateStore implements StateStore {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final String bootstrapServers;
    private final Duration timeout;
    private final StateTopics topics;
    private final Lane entityLane;
    private final Lane activationLane;
    private final EntityView entities;
    private final ActivationIndex activations;
    private volatile boolean closed;

    private KafkaStateStore(String bootstrapServers, Duration timeout, StateTopics topics, Lane entityLane,
                            Lane activationLane, EntityView entities, ActivationIndex activations) {
        this.bootstrapServers = bootstrapServers;
        this.timeout = timeout;
        this.topics = topics;
        this.entityLane = entityLane;
        this.activationLane = activationLane;
        this.entities = entities;
        this.activations = activations;
    }

    /**
     * Opens the store: creates the topics {@code <topicPrefix>.entities} and
     * {@code <topicPrefix>.activations} if missing, reads both to their current end, then returns,
     * so everything acknowledged before is visible.
     *
     * @param timeout how long opening, and later each write, may wait for Kafka
     * @throws StateException if Kafka does not answer within the timeout
     */
    public static KafkaStateStore open(String bootstrapServers, String topicPrefix, Duration timeout) {
        return open(bootstrapServers, topicPrefix, timeout, ActivationRetention.DEFAULT);
    }

    /**
     * As {@link #open(String, String, Duration)}, keeping activations as {@code retention} says (the
     * activations topic's {@code retention.ms} is set to its age, also on an existing topic).
     */
    public static KafkaStateStore open(String bootstrapServers, String topicPrefix, Duration timeout,
                                       ActivationRetention retention) {
        StateTopics topics = new StateTopics(topicPrefix, retention.age());
        Deadline deadline = Deadline.after(timeout);
        // 1. Topics, and where they end now.
        Map<TopicPartition, Long> ends = ensureTopics(bootstrapServers, topics, deadline);
        // 2. The views, each topic followed from the beginning by its lane.
        EntityView entities = new EntityView();
        ActivationIndex activations = new ActivationIndex(retention.count());
        Materialiser.Handler applyEntity = r -> entities.apply(key(r), r.value() == null ? null : parse(r.value()));
        Materialiser.Handler applyActivation = r -> {
            if (r.value() != null) {
                activations.apply(r.value(), r.timestamp() >= 0 ? r.timestamp() : System.currentTimeMillis());
            }
        };
        Runnable expire = () -> activations.expireArrivedBefore(System.currentTimeMillis() - retention.age().toMillis());
        List<AutoCloseable> opened = new ArrayList<>();
        try {
            Lane entityLane = Lane.open(topics.entities, partitionsOf(ends, topics.entities), applyEntity, () -> { },
                    Lane.ENTITY_WRITES, bootstrapServers, timeout, "flint-state-" + topicPrefix);
            opened.add(entityLane);
            Lane activationLane = Lane.open(topics.activations, partitionsOf(ends, topics.activations), applyActivation,
                    expire, Lane.ACTIVATION_WRITES, bootstrapServers, timeout, "flint-activations-" + topicPrefix);
            opened.add(activationLane);
            KafkaStateStore store = new KafkaStateStore(bootstrapServers, timeout, topics, entityLane, activationLane,
                    entities, activations);
            opened.clear();
            opened.add(store);
            // 3. Catch up before serving a single read.
            for (Map.Entry<TopicPartition, Long> end : ends.entrySet()) {
                Lane lane = store.lane(end.getKey().topic());
                if (!lane.follower().awaitApplied(end.getKey(), end.getValue(), deadline)) {
                    throw StateException.unavailable("deliver " + end.getKey() + " up to offset " + end.getValue(),
                            bootstrapServers, timeout.toMillis(), null);
                }
            }
            return store;
        } catch (InterruptedException e) {
            closeAll(opened);
            Thread.currentThread().interrupt();
            throw new StateException("interrupted while opening the state store", "", e);
        } catch (RuntimeException e) {
            closeAll(opened);
            throw e;
        }
    }

    @Override
    public void put(String key, ObjectNode document) {
        requireKey(key);
        if (document == null) {
            throw new IllegalArgumentException("document must not be null; use delete");
        }
        write(entityLane, key, serialise(document));
    }

    /**
     * Deletes by writing a tombstone, if the key is in this store's view; two concurrent deletes
     * of one key may both return true.
     */
    @Override
    public boolean delete(String key) {
        requireKey(key);
        requireOpen();
        if (!entities.contains(key)) {
            return false;
        }
        write(entityLane, key, null);
        return true;
    }

    @Override
    public Optional<ObjectNode> get(String key) {
        return entities.get(key);
    }

    @Override
    public long entityVersion() {
        return entities.version();
    }

    @Override
    public List<ObjectNode> list(String prefix) {
        return entities.list(prefix == null ? "" : prefix);
    }

    @Override
    public void record(ObjectNode activation) {
        if (activation == null) {
            throw new IllegalArgumentException("activation must not be null");
        }
        byte[] json = serialise(activation);
        // the index's own check of what it orders by, before Kafka has a record it would skip
        ActivationKeys keys = ActivationKeys.read(json);
        write(activationLane, keys.id(), json);
    }

    @Override
    public Optional<ObjectNode> activation(String namespace, String activationId) {
        return activations.get(namespace, activationId);
    }

    @Override
    public List<ObjectNode> activations(String namespace, String name, long since, long upto, int skip, int limit) {
        return activations.find(namespace, name, since, upto, skip, limit);
    }

    @Override
    public long countActivations(String namespace, String name, long since, long upto) {
        return activations.count(namespace, name, since, upto);
    }

    @Override
    public StoredActivations storedActivations() {
        return activations.stored();
    }

    /** Stops following the topics and closes the Kafka clients; idempotent. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        entityLane.close();
        activationLane.close();
    }

    private static List<TopicPartition> partitionsOf(Map<TopicPartition, Long> ends, String topic) {
        return ends.keySet().stream().filter(tp -> tp.topic().equals(topic)).toList();
    }

    private Lane lane(String topic) {
        return topic.equals(activationLane.topic()) ? activationLane : entityLane;
    }

    private static void closeAll(List<AutoCloseable> opened) {
        for (AutoCloseable c : opened) {
            try {
                c.close();
            } catch (Exception e) {
                // closing what a failed open started: the open's own failure is what matters
            }
        }
    }

    /** Produces one record and waits until Kafka acknowledged it and the views applied it. */
    private void write(Lane lane, String key, byte[] value) {
        requireOpen();
        String topic = lane.topic();
        Deadline deadline = Deadline.after(timeout);
        ProducerRecord<byte[], byte[]> record = new ProducerRecord<>(topic, key.getBytes(StandardCharsets.UTF_8), value);
        try {
            RecordMetadata acked = lane.producer().send(record).get(deadline.remainingMillis(), TimeUnit.MILLISECONDS);
            TopicPartition partition = new TopicPartition(acked.topic(), acked.partition());
            if (!lane.follower().awaitApplied(partition, acked.offset() + 1, deadline)) {
                throw StateException.unavailable("deliver the write of " + key + " back to this gateway",
                        bootstrapServers, timeout.toMillis(), null);
            }
        } catch (TimeoutException | org.apache.kafka.common.errors.TimeoutException e) {
            throw StateException.unavailable("acknowledge the write of " + key, bootstrapServers, timeout.toMillis(), e);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof org.apache.kafka.common.errors.TimeoutException) {
                throw StateException.unavailable("acknowledge the write of " + key, bootstrapServers,
                        timeout.toMillis(), cause);
            }
            throw new StateException("state store write of " + key + " to " + topic + " failed: " + cause.getMessage(),
                    "check kafka at " + bootstrapServers + " and its logs", cause);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StateException("interrupted while writing " + key + " to the state store", "", e);
        }
    }

    private static Map<TopicPartition, Long> ensureTopics(String bootstrapServers, StateTopics topics, Deadline deadline) {
        int millis = (int) Math.min(Integer.MAX_VALUE, Math.max(1, deadline.budget().toMillis()));
        Map<String, Object> config = Map.of(
                AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, millis,
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, millis);
        Admin admin;
        try {
            admin = Admin.create(config);
        } catch (KafkaException e) { // such as no resolvable bootstrap address
            throw new StateException("state store unavailable: cannot use kafka bootstrap servers " + bootstrapServers
                    + ": " + e.getMessage(), "give host:port pairs that resolve, such as 127.0.0.1:9092", e);
        }
        try {
            return topics.ensureAndFindEnds(admin, deadline);
        } catch (TimeoutException | org.apache.kafka.common.errors.TimeoutException e) {
            throw StateException.unavailable("answer (creating " + topics.names() + ")", bootstrapServers,
                    deadline.budget().toMillis(), e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof org.apache.kafka.common.errors.TimeoutException) {
                throw StateException.unavailable("answer (creating " + topics.names() + ")", bootstrapServers,
                        deadline.budget().toMillis(), e.getCause());
            }
            throw new StateException("cannot create or read the state topics " + topics.names() + ": "
                    + e.getCause().getMessage(), "check kafka at " + bootstrapServers + " and its logs", e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StateException("interrupted while opening the state store", "", e);
        } finally {
            admin.close(Duration.ZERO);
        }
    }

    private void requireOpen() {
        if (closed) {
            throw new StateException("state store is closed", "");
        }
    }

    private static void requireKey(String key) {
        if (key == null || key.isEmpty()) {
            throw new IllegalArgumentException("entity key must not be empty");
        }
    }

    private static String key(ConsumerRecord<byte[], byte[]> record) {
        return new String(record.key(), StandardCharsets.UTF_8);
    }

    private static ObjectNode parse(byte[] value) {
        try {
            JsonNode node = JSON.readTree(value);
            if (!(node instanceof ObjectNode)) {
                throw new IllegalArgumentException("not a JSON object");
            }
            return (ObjectNode) node;
        } catch (IOException e) {
            throw new UncheckedIOException("not JSON: " + e.getMessage(), e);
        }
    }

    private static byte[] serialise(ObjectNode document) {
        try {
            return JSON.writeValueAsBytes(document);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("document cannot be written as JSON: " + e.getMessage(), e);
        }
    }
}
