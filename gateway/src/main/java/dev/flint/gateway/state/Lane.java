package dev.flint.gateway.state;

import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * One state topic's producer and {@link Materialiser}, tuned for how it is written.
 *
 * <p>{@link #ENTITY_WRITES}: few writes, each waited for by a user, so sent at once.
 * {@link #ACTIVATION_WRITES}: a record per activation from many threads, so at most one produce
 * request is in flight and the records that arrive meanwhile go in the next one: under load a
 * request carries many records (and the follower's fetch brings them back together), while a lone
 * record still leaves at once. Ordering between activation records does not matter (each has its
 * own key), and idempotence keeps a retried batch from being written twice.
 *
 * @param topic the topic, each of its partitions read from the beginning
 */
record Lane(String topic, Producer<byte[], byte[]> producer, Materialiser follower) implements AutoCloseable {
    /** How a lane's producer batches. */
    record Writes(int lingerMs, int maxInFlight, int batchBytes) {}

    static final Writes ENTITY_WRITES = new Writes(0, 5, 16 * 1024);
    static final Writes ACTIVATION_WRITES = new Writes(1, 1, 1024 * 1024);
    private static final Duration HOUSEKEEPING = Duration.ofMinutes(1);

    /** A lane following its topic from the beginning, {@code housekeeping} run about once a minute on its thread. */
    static Lane open(String topic, Collection<TopicPartition> partitions, Materialiser.Handler handler, Runnable housekeeping,
                     Writes writes, String bootstrapServers, Duration timeout, String threadName) {
        Producer<byte[], byte[]> producer = new KafkaProducer<>(producerConfig(bootstrapServers, timeout, writes));
        Materialiser follower;
        try {
            follower = new Materialiser(new KafkaConsumer<>(consumerConfig(bootstrapServers)), Map.of(topic, handler),
                    housekeeping, HOUSEKEEPING, threadName);
        } catch (RuntimeException e) {
            producer.close(Duration.ZERO);
            throw e;
        }
        follower.start(partitions);
        return new Lane(topic, producer, follower);
    }

    /** Stops following, and closes the producer within 5 s: with Kafka gone, pending sends are abandoned. */
    @Override
    public void close() {
        follower.close();
        producer.close(Duration.ofSeconds(5));
    }

    private static Map<String, Object> producerConfig(String bootstrapServers, Duration timeout, Writes writes) {
        int millis = (int) Math.min(Integer.MAX_VALUE, Math.max(1, timeout.toMillis()));
        Map<String, Object> c = new HashMap<>();
        c.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        c.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        c.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        c.put(ProducerConfig.ACKS_CONFIG, "all");
        c.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        c.put(ProducerConfig.LINGER_MS_CONFIG, writes.lingerMs());
        c.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, writes.maxInFlight());
        c.put(ProducerConfig.BATCH_SIZE_CONFIG, writes.batchBytes());
        c.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, StateTopics.MAX_RECORD_BYTES);
        // send() must not block longer than a write may take (it waits for metadata)
        c.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, millis);
        c.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, millis);
        c.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, millis + writes.lingerMs());
        return c;
    }

    private static Map<String, Object> consumerConfig(String bootstrapServers) {
        Map<String, Object> c = new HashMap<>();
        c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        c.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        c.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        c.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        c.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, StateTopics.MAX_RECORD_BYTES);
        return c;
    }
}
