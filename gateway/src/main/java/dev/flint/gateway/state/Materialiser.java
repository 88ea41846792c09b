package dev.flint.gateway.state;

import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.WakeupException;

/**
 * One background thread that reads partitions from the beginning, forever, and hands each record
 * to its topic's handler, so local views follow the topics. It publishes how far it has applied
 * each partition, and {@link #awaitApplied} lets a writer wait until its own record is in the
 * views (read-your-writes).
 *
 * <p>The thread owns the consumer (no group: manual assignment, nothing committed) and closes it
 * when it stops. {@link #start} once, then {@link #awaitApplied} from any thread, {@link #close}
 * from any thread, idempotent.
 */
final class Materialiser implements AutoCloseable {
    /** Applies one record to a view; must not block. */
    @FunctionalInterface
    interface Handler {
        void apply(ConsumerRecord<byte[], byte[]> record);
    }

    private static final Logger LOG = Logger.getLogger(Materialiser.class.getName());
    private static final Duration POLL = Duration.ofSeconds(1);
    private static final Duration JOIN = Duration.ofSeconds(10);

    private final Consumer<byte[], byte[]> consumer;
    private final Map<String, Handler> handlers;
    private final Runnable housekeeping;
    private final Duration housekeepingInterval;
    private final Thread thread;

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition advanced = lock.newCondition();
    /** Next offset to apply, per partition; guarded by {@link #lock}. */
    private final Map<TopicPartition, Long> positions = new HashMap<>();
    /** Why the thread stopped, if it did on its own; guarded by {@link #lock}. */
    private Throwable failure;
    private volatile boolean closing;
    private volatile boolean started;

    /**
     * @param handlers by topic name
     * @param housekeeping run on the thread about every {@code housekeepingInterval}
     */
    Materialiser(Consumer<byte[], byte[]> consumer, Map<String, Handler> handlers,
                 Runnable housekeeping, Duration housekeepingInterval, String threadName) {
        this.consumer = consumer;
        this.handlers = Map.copyOf(handlers);
        this.housekeeping = housekeeping;
        this.housekeepingInterval = housekeepingInterval;
        this.thread = new Thread(this::run, threadName);
        this.thread.setDaemon(true);
    }

    /** Assigns the partitions, reading from their beginning, and starts the thread. */
    synchronized void start(Collection<TopicPartition> partitions) {
        consumer.assign(List.copyOf(partitions));
        consumer.seekToBeginning(partitions);
        lock.lock();
        try {
            partitions.forEach(tp -> positions.put(tp, 0L));
        } finally {
            lock.unlock();
        }
        started = true;
        thread.start();
    }

    /**
     * Waits until every record of {@code partition} before {@code offset} is applied (so
     * {@code offset - 1} is the last one needed), or the deadline passes.
     *
     * @return whether it was applied in time
     * @throws StateException if the thread stopped on a failure, or the materialiser is closed
     */
    boolean awaitApplied(TopicPartition partition, long offset, Deadline deadline) throws InterruptedException {
        lock.lock();
        try {
            while (true) {
                if (closing) {
                    throw new StateException("state store is closed", "");
                }
                if (failure != null) {
                    throw new StateException("state store stopped following kafka: " + failure.getMessage(),
                            "restart the server; the state in kafka is intact", failure);
                }
                Long position = positions.get(partition);
                if (position == null) {
                    throw new IllegalArgumentException("not a materialised partition: " + partition);
                }
                if (position >= offset) {
                    return true;
                }
                long left = deadline.remainingNanos();
                if (left <= 0) {
                    return false;
                }
                advanced.awaitNanos(left);
            }
        } finally {
            lock.unlock();
        }
    }

    /** Stops the thread (which closes the consumer) and waits for it; idempotent. */
    @Override
    public synchronized void close() {
        closing = true;
        signal();
        if (!started) { // the consumer is still this thread's to close
            consumer.close(CloseOptions.timeout(Duration.ZERO));
            return;
        }
        consumer.wakeup();
        if (thread.isAlive() && Thread.currentThread() != thread) {
            try {
                thread.join(JOIN.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private void run() {
        long nextHousekeeping = System.nanoTime();
        try {
            while (!closing) {
                ConsumerRecords<byte[], byte[]> records = consumer.poll(POLL);
                for (ConsumerRecord<byte[], byte[]> record : records) {
                    applyOne(record);
                }
                publishPositions();
                if (System.nanoTime() - nextHousekeeping >= 0) {
                    housekeeping.run();
                    nextHousekeeping = System.nanoTime() + housekeepingInterval.toNanos();
                }
            }
        } catch (WakeupException e) {
            if (!closing) {
                fail(e);
            }
        } catch (Throwable t) { // anything else stops the views: writers must hear of it
            fail(t);
        } finally {
            try {
                consumer.close(CloseOptions.timeout(Duration.ofSeconds(5)));
            } catch (RuntimeException e) {
                LOG.log(Level.FINE, "closing the state consumer failed", e);
            }
            signal();
        }
    }

    /** A record no handler can read is skipped, with a warning: one bad record must not stop the views. */
    private void applyOne(ConsumerRecord<byte[], byte[]> record) {
        try {
            handlers.get(record.topic()).apply(record);
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "skipping unreadable record " + record.topic() + "-" + record.partition()
                    + "@" + record.offset() + ": " + e.getMessage());
        }
    }

    /**
     * Publishes the consumer's position of each partition, which also moves past offsets with no
     * record (compacted away), so waiters for the end of a compacted topic are released.
     */
    private void publishPositions() {
        Map<TopicPartition, Long> now = new HashMap<>();
        for (TopicPartition tp : consumer.assignment()) {
            try {
                now.put(tp, consumer.position(tp, Duration.ZERO));
            } catch (TimeoutException e) {
                // no position yet (the reset to the beginning is still in flight)
            }
        }
        lock.lock();
        try {
            positions.putAll(now);
            advanced.signalAll();
        } finally {
            lock.unlock();
        }
    }

    private void fail(Throwable t) {
        LOG.log(Level.SEVERE, "the state store stopped following kafka", t);
        lock.lock();
        try {
            failure = t;
            advanced.signalAll();
        } finally {
            lock.unlock();
        }
    }

    private void signal() {
        lock.lock();
        try {
            advanced.signalAll();
        } finally {
            lock.unlock();
        }
    }
}
