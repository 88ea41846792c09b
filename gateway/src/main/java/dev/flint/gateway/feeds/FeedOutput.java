package dev.flint.gateway.feeds;

import dev.flint.gateway.state.KafkaTopics;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Where a feed's consumer writes: its dead-letter and results topics, made when missing
 * ({@link #ensureTopics}), and one idempotent producer that publishes there and waits for every
 * replica's acknowledgement ({@code acks=all}). Thread-safe (partitions publish concurrently);
 * the owner closes it.
 */
final class FeedOutput implements RecordDelivery.Publisher {
    private static final Duration SEND_WAIT = Duration.ofSeconds(10);

    private final KafkaProducer<byte[], byte[]> producer;

    FeedOutput(KafkaFeed feed) {
        Properties p = new Properties();
        p.put("bootstrap.servers", feed.bootstrap());
        p.put("acks", "all");
        p.put("enable.idempotence", "true");
        p.put("linger.ms", "1");
        p.put("max.block.ms", Long.toString(SEND_WAIT.toMillis()));
        this.producer = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
    }

    @Override
    public void publish(String topic, Integer partition, byte[] key, byte[] value, Map<String, String> headers) {
        ProducerRecord<byte[], byte[]> r = new ProducerRecord<>(topic,
                partition == null ? null : partition % producer.partitionsFor(topic).size(), key, value);
        headers.forEach((k, v) -> r.headers().add(new RecordHeader(k, v.getBytes(StandardCharsets.UTF_8))));
        try {
            producer.send(r).get(SEND_WAIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RecordDelivery.Stopped();
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("kafka did not take a record for " + topic + ": " + e, e);
        }
    }

    void close(Duration wait) {
        producer.close(wait);
    }

    /** The feed's dead-letter and results topics, made when missing (as many partitions as the consumed topic, when it exists). */
    static void ensureTopics(KafkaFeed feed) {
        List<String> wanted = new ArrayList<>(List.of(feed.dlq()));
        if (feed.results() != null) {
            wanted.add(feed.results());
        }
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", feed.bootstrap()))) {
            Set<String> existing = new HashSet<>(admin.listTopics().names().get(SEND_WAIT.toMillis(), TimeUnit.MILLISECONDS));
            wanted.removeIf(existing::contains);
            if (wanted.isEmpty()) {
                return;
            }
            Optional<Integer> partitions = Optional.empty();
            if (existing.contains(feed.topic())) {
                TopicDescription d = admin.describeTopics(List.of(feed.topic())).allTopicNames()
                        .get(SEND_WAIT.toMillis(), TimeUnit.MILLISECONDS).get(feed.topic());
                partitions = Optional.of(d.partitions().size());
            }
            List<NewTopic> topics = new ArrayList<>();
            for (String t : wanted) {
                topics.add(new NewTopic(t, partitions, Optional.empty()));
            }
            KafkaTopics.createMissing(admin, topics, SEND_WAIT.toMillis());
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("cannot create topics " + wanted + " on " + feed.bootstrap() + ": "
                    + (e.getCause() != null ? e.getCause() : e), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RecordDelivery.Stopped();
        }
    }
}
