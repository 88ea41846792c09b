package dev.flint.gateway.feeds;

import dev.flint.gateway.state.KafkaTopics;
import dev.flint.gateway.triggers.EntityRef;
import dev.flint.gateway.triggers.TriggerDocs;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.jboss.logging.Logger;

/**
 * The consumer of one Kafka-fed trigger, on a thread of its own. Each round: poll a batch; run
 * each partition's records on the activations executor ({@link PartitionRun}), partitions
 * concurrently, records of one partition in order; when they are done, commit each partition up
 * to what was handled and seek back to where one stopped short. So an offset is committed only
 * after its record's activations were recorded (or its dead letter acknowledged): at-least-once.
 *
 * <p>A consumer that fails logs it and starts again, from the committed offsets, after
 * {@link #RESTART_DELAY}. {@link #stop()} ends it within a few seconds, committing what was
 * handled. Start and stop are for one owner thread at a time ({@link FeedManager}); stop may also
 * come from the shutdown.
 */
final class FeedConsumer {
    private static final Logger LOG = Logger.getLogger(FeedConsumer.class);
    static final Duration RESTART_DELAY = Duration.ofSeconds(2);
    private static final Duration POLL = Duration.ofMillis(200);
    /** How long a stopping consumer waits for its running partitions before it commits what they did. */
    private static final Duration STOP_GRACE = Duration.ofSeconds(3);
    private static final Duration CLOSE_WAIT = Duration.ofSeconds(2);
    private static final Duration SEND_WAIT = Duration.ofSeconds(10);
    /** Longer than a batch of records each retried up to its limit: not a reason to be thrown out of the group. */
    private static final int MAX_POLL_INTERVAL_MS = 30 * 60 * 1000;
    private static final int MAX_POLL_RECORDS = 100;

    private final EntityRef trigger;
    private final KafkaFeed feed;
    private final String memberId;
    private final Executor executor;
    private final Supplier<List<TriggerDocs.Link>> activeRules;
    private final RecordDelivery.Actions actions;
    private final Thread thread;
    private volatile boolean stopped;
    private volatile long stopAt;

    FeedConsumer(EntityRef trigger, KafkaFeed feed, String memberId, Executor executor,
            Supplier<List<TriggerDocs.Link>> activeRules, RecordDelivery.Actions actions) {
        this.trigger = trigger;
        this.feed = feed;
        this.memberId = memberId;
        this.executor = executor;
        this.activeRules = activeRules;
        this.actions = actions;
        this.thread = new Thread(this::run, "flint-feed-" + trigger.asString());
        this.thread.setDaemon(true);
    }

    KafkaFeed feed() {
        return feed;
    }

    void start() {
        thread.start();
        LOG.infof("flint: trigger %s consumes %s (group %s)", trigger, feed.topic(), feed.group());
    }

    /** Asks the consumer to stop; returns at once. */
    void signalStop() {
        if (!stopped) {
            stopAt = System.nanoTime();
            stopped = true;
        }
    }

    /** Waits until the consumer's thread ended, or until {@code deadlineNanos}; whether it ended. */
    boolean awaitStop(long deadlineNanos) {
        try {
            thread.join(Math.max(1, (deadlineNanos - System.nanoTime()) / 1_000_000));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return !thread.isAlive();
    }

    /** Stops the consumer and waits for it (a few seconds at most). */
    void stop() {
        signalStop();
        if (!awaitStop(System.nanoTime() + STOP_GRACE.plus(CLOSE_WAIT).plusSeconds(2).toNanos())) {
            LOG.warnf("flint: the consumer of trigger %s did not stop in time; it ends on its own", trigger);
        }
    }

    private void run() {
        while (!stopped) {
            try {
                consume();
            } catch (RuntimeException e) {
                if (stopped) {
                    break;
                }
                LOG.errorf(e, "flint: the consumer of trigger %s (topic %s) failed; it starts again in %d s from the committed offsets",
                        trigger, feed.topic(), RESTART_DELAY.toSeconds());
                sleepUnlessStopped(RESTART_DELAY);
            }
        }
        LOG.infof("flint: trigger %s stopped consuming %s", trigger, feed.topic());
    }

    private void consume() {
        ensureTopics();
        KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(producerProps(), new ByteArraySerializer(), new ByteArraySerializer());
        try {
            KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(consumerProps(), new ByteArrayDeserializer(),
                    new ByteArrayDeserializer());
            try {
                RecordDelivery delivery = new RecordDelivery(trigger, feed, activeRules, actions,
                        (topic, key, value, headers) -> publish(producer, topic, key, value, headers), () -> stopped);
                consumer.subscribe(List.of(feed.topic()), new PinStart(consumer));
                while (!stopped) {
                    ConsumerRecords<byte[], byte[]> records = consumer.poll(POLL);
                    if (!records.isEmpty()) {
                        runBatch(consumer, records, delivery);
                    }
                }
            } finally {
                consumer.close(CLOSE_WAIT);
            }
        } finally {
            producer.close(CLOSE_WAIT);
        }
    }

    /** Runs the partitions of a batch concurrently, then commits and rewinds each to what was handled. */
    private void runBatch(KafkaConsumer<byte[], byte[]> consumer, ConsumerRecords<byte[], byte[]> records, RecordDelivery delivery) {
        List<PartitionRun> runs = new ArrayList<>();
        List<CompletableFuture<Void>> running = new ArrayList<>();
        for (TopicPartition tp : records.partitions()) {
            PartitionRun run = new PartitionRun(tp, records.records(tp), delivery);
            runs.add(run);
            running.add(CompletableFuture.runAsync(run, executor));
        }
        await(CompletableFuture.allOf(running.toArray(CompletableFuture[]::new)));
        Map<TopicPartition, OffsetAndMetadata> commit = new HashMap<>();
        RuntimeException failure = null;
        for (PartitionRun run : runs) {
            if (run.advanced()) {
                commit.put(run.partition(), new OffsetAndMetadata(run.next()));
            }
            if (!run.complete()) {
                consumer.seek(run.partition(), run.next()); // the rest is polled again
            }
            if (run.failure() != null && failure == null) {
                failure = run.failure();
            }
        }
        if (!commit.isEmpty()) {
            consumer.commitSync(commit);
        }
        if (failure != null) {
            throw failure; // e.g. a dead letter Kafka did not take: start again from the committed offsets
        }
        if (runs.stream().anyMatch(r -> !r.complete())) {
            sleepUnlessStopped(POLL); // no active rule (the manager stops this consumer soon): do not spin on the same records
        }
    }

    /** Waits for the batch; once stopped, only {@link #STOP_GRACE} more (what is still running is replayed later). */
    private void await(CompletableFuture<Void> batch) {
        while (true) {
            try {
                batch.get(POLL.toMillis(), TimeUnit.MILLISECONDS);
                return;
            } catch (TimeoutException e) {
                if (stopped && System.nanoTime() - stopAt > STOP_GRACE.toNanos()) {
                    return;
                }
            } catch (ExecutionException e) {
                return; // each run keeps its own failure
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private static void publish(KafkaProducer<byte[], byte[]> producer, String topic, byte[] key, byte[] value,
            Map<String, String> headers) {
        ProducerRecord<byte[], byte[]> r = new ProducerRecord<>(topic, key, value);
        headers.forEach((k, v) -> r.headers().add(new RecordHeader(k, v.getBytes(java.nio.charset.StandardCharsets.UTF_8))));
        try {
            producer.send(r).get(SEND_WAIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RecordDelivery.Stopped();
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("kafka did not take a record for " + topic + ": " + e, e);
        }
    }

    /** The dead-letter and results topics, made when missing (as many partitions as the consumed topic, when it exists). */
    private void ensureTopics() {
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
            java.util.Optional<Integer> partitions = java.util.Optional.empty();
            if (existing.contains(feed.topic())) {
                TopicDescription d = admin.describeTopics(List.of(feed.topic())).allTopicNames()
                        .get(SEND_WAIT.toMillis(), TimeUnit.MILLISECONDS).get(feed.topic());
                partitions = java.util.Optional.of(d.partitions().size());
            }
            List<NewTopic> topics = new ArrayList<>();
            for (String t : wanted) {
                topics.add(new NewTopic(t, partitions, java.util.Optional.empty()));
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

    private Properties consumerProps() {
        Properties c = new Properties();
        c.put("bootstrap.servers", feed.bootstrap());
        c.put("group.id", feed.group());
        c.put("client.id", "flint-feed-" + trigger.namespace() + "-" + trigger.name());
        // Static membership: a restarted consumer (or server) takes its partitions back at once,
        // instead of waiting for its old self's session to time out. Per trigger too, since two
        // triggers may share a group: the same id would fence one with the other.
        c.put("group.instance.id", memberId + "-" + Integer.toHexString(trigger.asString().hashCode()));
        c.put("session.timeout.ms", "10000");
        c.put("enable.auto.commit", "false");
        c.put("auto.offset.reset", feed.start());
        c.put("max.poll.records", Integer.toString(MAX_POLL_RECORDS));
        c.put("max.poll.interval.ms", Integer.toString(MAX_POLL_INTERVAL_MS));
        return c;
    }

    private Properties producerProps() {
        Properties p = new Properties();
        p.put("bootstrap.servers", feed.bootstrap());
        p.put("acks", "all");
        p.put("enable.idempotence", "true");
        p.put("linger.ms", "1");
        p.put("max.block.ms", Long.toString(SEND_WAIT.toMillis()));
        return p;
    }

    private void sleepUnlessStopped(Duration d) {
        long end = System.nanoTime() + d.toNanos();
        while (!stopped && System.nanoTime() < end) {
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /**
     * Commits the start position of a partition the group has no offset for, as soon as it is
     * assigned: with {@code start latest}, records produced while the rule is disabled are then
     * still consumed when it is enabled again.
     */
    private static final class PinStart implements ConsumerRebalanceListener {
        private final KafkaConsumer<byte[], byte[]> consumer;

        PinStart(KafkaConsumer<byte[], byte[]> consumer) {
            this.consumer = consumer;
        }

        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
            if (partitions.isEmpty()) {
                return;
            }
            Map<TopicPartition, OffsetAndMetadata> committed = consumer.committed(new HashSet<>(partitions));
            Map<TopicPartition, OffsetAndMetadata> pin = new HashMap<>();
            for (TopicPartition tp : partitions) {
                if (committed.get(tp) == null) {
                    pin.put(tp, new OffsetAndMetadata(consumer.position(tp)));
                }
            }
            if (!pin.isEmpty()) {
                consumer.commitSync(pin);
            }
        }

        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
            // offsets are committed after each batch
        }
    }
}
