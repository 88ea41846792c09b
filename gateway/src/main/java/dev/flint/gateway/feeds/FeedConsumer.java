package dev.flint.gateway.feeds;

import dev.flint.gateway.triggers.EntityRef;
import dev.flint.gateway.triggers.TriggerDocs;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.IntSupplier;
import java.util.function.Supplier;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.jboss.logging.Logger;

/**
 * The consumer of one Kafka-fed trigger, on a thread of its own. Each round: poll records (from as
 * many partitions as may run at once, when they have some); run
 * each partition's records on the activations executor ({@link PartitionRun}, in batches of the
 * feed's {@code batch} size), partitions concurrently but at most as many at once as the actions'
 * concurrency limits allow ({@link PartitionLanes}), records of one partition in order; meanwhile
 * commit how far each got, every {@link #POLL}; when they are done, commit each partition up to
 * what was handled and seek back to where one stopped short.
 * So an offset is committed only after its record's activations were recorded (or its dead letter
 * acknowledged): at-least-once.
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
    /** Longer than a poll's batches each retried up to its limit: not a reason to be thrown out of the group. */
    private static final int MAX_POLL_INTERVAL_MS = 30 * 60 * 1000;
    /** A poll takes at most this many batches' worth of records (and at least {@link #MIN_POLL_RECORDS}). */
    private static final int POLL_BATCHES = 5;
    private static final int MIN_POLL_RECORDS = 100;

    private final EntityRef trigger;
    private final KafkaFeed feed;
    private final String memberId;
    private final Executor executor;
    private final Supplier<List<TriggerDocs.Link>> activeRules;
    private final RecordDelivery.Actions actions;
    private final IntSupplier width;
    private final Thread thread;
    private volatile boolean stopped;
    private volatile long stopAt;

    /**
     * @param width how many partitions may run at once now ({@link PartitionLanes#width}), asked
     *     before each poll's runs
     */
    FeedConsumer(EntityRef trigger, KafkaFeed feed, String memberId, Executor executor,
            Supplier<List<TriggerDocs.Link>> activeRules, RecordDelivery.Actions actions, IntSupplier width) {
        this.trigger = trigger;
        this.feed = feed;
        this.memberId = memberId;
        this.executor = executor;
        this.activeRules = activeRules;
        this.actions = actions;
        this.width = width;
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
        FeedOutput.ensureTopics(feed);
        FeedOutput output = new FeedOutput(feed);
        try {
            KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(consumerProps(), new ByteArrayDeserializer(),
                    new ByteArrayDeserializer());
            try {
                RecordDelivery delivery = new RecordDelivery(trigger, feed, activeRules, actions, output, () -> stopped);
                consumer.subscribe(List.of(feed.topic()), new PinStart(consumer));
                while (!stopped) {
                    int lanes = width.getAsInt();
                    Map<TopicPartition, List<ConsumerRecord<byte[], byte[]>>> records = poll(consumer, lanes);
                    if (!records.isEmpty()) {
                        runPoll(consumer, records, lanes, delivery);
                    }
                }
            } finally {
                consumer.close(CLOSE_WAIT);
            }
        } finally {
            output.close(CLOSE_WAIT);
        }
    }

    /**
     * One poll, topped up with what other partitions already fetched until {@code lanes} partitions
     * have records (or none has more): a poll drains Kafka's fetched data one partition after
     * another, so with a backlog it alone would rarely hold two. The partitions already taken are
     * paused meanwhile, so their next records stay for the next round.
     */
    private static Map<TopicPartition, List<ConsumerRecord<byte[], byte[]>>> poll(KafkaConsumer<byte[], byte[]> consumer, int lanes) {
        Map<TopicPartition, List<ConsumerRecord<byte[], byte[]>>> byPartition = new LinkedHashMap<>();
        ConsumerRecords<byte[], byte[]> records = consumer.poll(POLL);
        try {
            while (!records.isEmpty()) {
                for (TopicPartition tp : records.partitions()) {
                    byPartition.computeIfAbsent(tp, k -> new ArrayList<>()).addAll(records.records(tp));
                }
                if (byPartition.size() >= lanes) {
                    break;
                }
                consumer.pause(byPartition.keySet());
                records = consumer.poll(Duration.ZERO);
            }
        } finally {
            consumer.resume(consumer.paused());
        }
        return byPartition;
    }

    /**
     * Runs the partitions' records concurrently, at most {@code lanes} at once, committing what they
     * handled as they go (every {@link #POLL}); then commits and rewinds each to what was handled.
     */
    private void runPoll(KafkaConsumer<byte[], byte[]> consumer, Map<TopicPartition, List<ConsumerRecord<byte[], byte[]>>> records,
            int lanes, RecordDelivery delivery) {
        List<PartitionRun> runs = new ArrayList<>();
        records.forEach((tp, partitionRecords) -> runs.add(new PartitionRun(tp, partitionRecords, feed.batch(), delivery)));
        Map<TopicPartition, Long> committed = new HashMap<>();
        await(PartitionLanes.run(runs, lanes, executor, () -> stopped), () -> commitProgress(consumer, runs, committed));
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
            consumer.commitSync(commit); // again, at the end, whatever the progress commits did
        }
        if (failure != null) {
            throw failure; // e.g. a dead letter Kafka did not take: start again from the committed offsets
        }
        if (runs.stream().anyMatch(r -> !r.complete())) {
            sleepUnlessStopped(POLL); // no active rule (the manager stops this consumer soon): do not spin on the same records
        }
    }

    /**
     * Commits how far each run got since the last such commit, so that a crash in the middle of a
     * long round replays little. A failed commit is left to the round's own commit at its end.
     */
    private void commitProgress(KafkaConsumer<byte[], byte[]> consumer, List<PartitionRun> runs, Map<TopicPartition, Long> committed) {
        Map<TopicPartition, OffsetAndMetadata> progress = new HashMap<>();
        for (PartitionRun run : runs) {
            long next = run.next();
            if (run.advanced() && next > committed.getOrDefault(run.partition(), -1L)) {
                progress.put(run.partition(), new OffsetAndMetadata(next));
            }
        }
        if (progress.isEmpty()) {
            return;
        }
        try {
            consumer.commitSync(progress);
            progress.forEach((tp, o) -> committed.put(tp, o.offset()));
        } catch (RuntimeException e) {
            LOG.debugf(e, "flint: the consumer of trigger %s could not commit its progress yet", trigger);
        }
    }

    /**
     * Waits for the poll's runs, calling {@code meanwhile} every {@link #POLL}; once stopped, only
     * {@link #STOP_GRACE} more (what is still running is replayed later).
     */
    private void await(CompletableFuture<Void> runs, Runnable meanwhile) {
        while (true) {
            try {
                runs.get(POLL.toMillis(), TimeUnit.MILLISECONDS);
                return;
            } catch (TimeoutException e) {
                if (stopped && System.nanoTime() - stopAt > STOP_GRACE.toNanos()) {
                    return;
                }
                meanwhile.run();
            } catch (ExecutionException e) {
                return; // each run keeps its own failure
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
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
        c.put("max.poll.records", Integer.toString(Math.max(MIN_POLL_RECORDS, POLL_BATCHES * feed.batch())));
        c.put("max.poll.interval.ms", Integer.toString(MAX_POLL_INTERVAL_MS));
        return c;
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
            // offsets are committed after each poll
        }
    }
}
