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
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.RetriableException;

/**
 * The two topics of a {@link KafkaStateStore}: {@code <prefix>.entities}, compacted, one record
 * per entity key (a tombstone deletes); and {@code <prefix>.activations}, kept for
 * {@link ActivationRetention#age()}, keyed by activation id. Each is created with one partition and
 * the cluster's default replication factor (1 on the embedded broker) when missing; an existing
 * topic is used whatever its partition count, and its activations' {@code retention.ms} is set to
 * the configured age, so a changed setting applies on the next start.
 */
final class StateTopics {
    /** The largest record (an entity document or an activation record) the store writes. */
    static final int MAX_RECORD_BYTES = 8 * 1024 * 1024;
    private static final Pattern PREFIX = Pattern.compile("[A-Za-z0-9._-]{1,200}");

    final String entities;
    final String activations;
    private final Duration retention;

    /** @param retention how long Kafka keeps activation records */
    StateTopics(String prefix, Duration retention) {
        if (prefix == null || !PREFIX.matcher(prefix).matches()) {
            throw new IllegalArgumentException("topic prefix must be 1-200 of [A-Za-z0-9._-]: " + prefix);
        }
        this.entities = prefix + ".entities";
        this.activations = prefix + ".activations";
        this.retention = retention;
    }

    List<String> names() {
        return List.of(entities, activations);
    }

    /**
     * Creates whichever topic is missing and sets the activations' retention, then returns the end
     * offset of every partition of both, retrying what Kafka calls retriable (a topic just created
     * is not yet known to every broker).
     */
    Map<TopicPartition, Long> ensureAndFindEnds(Admin admin, Deadline deadline)
            throws ExecutionException, TimeoutException, InterruptedException {
        create(admin, deadline);
        while (true) {
            try {
                applyRetention(admin, deadline);
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
                TopicConfig.RETENTION_MS_CONFIG, String.valueOf(retention.toMillis()),
                // Retention deletes whole segments: a day per segment keeps at most a day extra.
                TopicConfig.SEGMENT_MS_CONFIG, String.valueOf(Duration.ofDays(1).toMillis()),
                TopicConfig.MAX_MESSAGE_BYTES_CONFIG, String.valueOf(MAX_RECORD_BYTES));
        List<NewTopic> topics = List.of(
                new NewTopic(entities, Optional.of(1), Optional.empty()).configs(entityConfig),
                new NewTopic(activations, Optional.of(1), Optional.empty()).configs(activationConfig));
        KafkaTopics.createMissing(admin, topics, deadline.remainingMillis());
    }

    /** Sets the activations topic's {@code retention.ms} (it may have been created with another). */
    private void applyRetention(Admin admin, Deadline deadline)
            throws ExecutionException, TimeoutException, InterruptedException {
        ConfigResource activationTopic = new ConfigResource(ConfigResource.Type.TOPIC, activations);
        AlterConfigOp setRetention = new AlterConfigOp(
                new ConfigEntry(TopicConfig.RETENTION_MS_CONFIG, String.valueOf(retention.toMillis())), AlterConfigOp.OpType.SET);
        admin.incrementalAlterConfigs(Map.of(activationTopic, List.of(setRetention))).all()
                .get(deadline.remainingMillis(), TimeUnit.MILLISECONDS);
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
