package dev.flint.gateway.state;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Pattern;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.RetriableException;

/**
 * The two topics of a {@link KafkaStateStore}: {@code <prefix>.entities}, compacted, one record
 * per entity key (a tombstone deletes); and {@code <prefix>.activations}, kept for
 * {@link #ACTIVATION_RETENTION}, keyed by activation id. Each is created with one partition and
 * the cluster's default replication factor (1 on the embedded broker) when missing; an existing
 * topic is used as it is, whatever its partition count.
 */
final class StateTopics {
    /** How long Kafka keeps activation records (and the store's view keeps them in memory). */
    static final Duration ACTIVATION_RETENTION = Duration.ofDays(7);
    /** The largest record (an entity document or an activation record) the store writes. */
    static final int MAX_RECORD_BYTES = 8 * 1024 * 1024;
    private static final Pattern PREFIX = Pattern.compile("[A-Za-z0-9._-]{1,200}");

    final String entities;
    final String activations;

    StateTopics(String prefix) {
        if (prefix == null || !PREFIX.matcher(prefix).matches()) {
            throw new IllegalArgumentException("topic prefix must be 1-200 of [A-Za-z0-9._-]: " + prefix);
        }
        this.entities = prefix + ".entities";
        this.activations = prefix + ".activations";
    }

    List<String> names() {
        return List.of(entities, activations);
    }

    /**
     * Creates whichever topic is missing, then returns the end offset of every partition of both,
     * retrying what Kafka calls retriable (a topic just created is not yet known to every broker).
     */
    Map<TopicPartition, Long> ensureAndFindEnds(Admin admin, Deadline deadline)
            throws ExecutionException, TimeoutException, InterruptedException {
        create(admin, deadline);
        while (true) {
            try {
                return endOffsets(admin, deadline);
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof RetriableException) || deadline.expired()) {
                    throw e;
                }
                Thread.sleep(Math.min(50, deadline.remainingMillis()));
            }
        }
    }

    private void create(Admin admin, Deadline deadline)
            throws ExecutionException, TimeoutException, InterruptedException {
        Map<String, String> entityConfig = Map.of(
                TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT,
                // Compaction never touches the active segment: keep segments small enough to roll.
                TopicConfig.SEGMENT_BYTES_CONFIG, String.valueOf(16 * 1024 * 1024),
                TopicConfig.SEGMENT_MS_CONFIG, String.valueOf(Duration.ofDays(1).toMillis()),
                TopicConfig.MAX_MESSAGE_BYTES_CONFIG, String.valueOf(MAX_RECORD_BYTES),
                // Entities change rarely and matter most: on disk before the write is acknowledged,
                // so even a single broker's machine crash keeps them.
                TopicConfig.FLUSH_MESSAGES_INTERVAL_CONFIG, "1");
        Map<String, String> activationConfig = Map.of(
                TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_DELETE,
                TopicConfig.RETENTION_MS_CONFIG, String.valueOf(ACTIVATION_RETENTION.toMillis()),
                // Retention deletes whole segments: a day per segment keeps at most a day extra.
                TopicConfig.SEGMENT_MS_CONFIG, String.valueOf(Duration.ofDays(1).toMillis()),
                TopicConfig.MAX_MESSAGE_BYTES_CONFIG, String.valueOf(MAX_RECORD_BYTES));
        List<NewTopic> topics = List.of(
                new NewTopic(entities, Optional.of(1), Optional.empty()).configs(entityConfig),
                new NewTopic(activations, Optional.of(1), Optional.empty()).configs(activationConfig));
        KafkaTopics.createMissing(admin, topics, deadline.remainingMillis());
    }

    private Map<TopicPartition, Long> endOffsets(Admin admin, Deadline deadline)
            throws ExecutionException, TimeoutException, InterruptedException {
        Map<String, TopicDescription> descriptions =
                admin.describeTopics(names()).allTopicNames().get(deadline.remainingMillis(), TimeUnit.MILLISECONDS);
        Map<TopicPartition, OffsetSpec> request = new HashMap<>();
        for (TopicDescription description : descriptions.values()) {
            description.partitions().forEach(p ->
                    request.put(new TopicPartition(description.name(), p.partition()), OffsetSpec.latest()));
        }
        Map<TopicPartition, Long> ends = new HashMap<>();
        admin.listOffsets(request).all().get(deadline.remainingMillis(), TimeUnit.MILLISECONDS)
                .forEach((tp, info) -> ends.put(tp, info.offset()));
        return ends;
    }
}
