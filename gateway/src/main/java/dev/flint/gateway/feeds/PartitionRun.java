package dev.flint.gateway.feeds;

import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;

/**
 * One partition's share of a poll: its records cut into {@link RecordBatch}es of the feed's
 * {@code batch} size, delivered one after another, in offset order, on a thread of its own.
 * {@link #next()} is the offset to commit (or to resume from): the one after the last batch
 * handled, so it only moves past records that were delivered or dead-lettered. Written by the
 * running thread, read by the consumer's; thread-safe.
 */
final class PartitionRun implements Runnable {
    private final TopicPartition partition;
    private final List<ConsumerRecord<byte[], byte[]>> records;
    private final int batchSize;
    private final RecordDelivery delivery;
    private volatile long next;
    private volatile boolean complete;
    private volatile RuntimeException failure;

    PartitionRun(TopicPartition partition, List<ConsumerRecord<byte[], byte[]>> records, int batchSize, RecordDelivery delivery) {
        this.partition = partition;
        this.records = records;
        this.batchSize = batchSize;
        this.delivery = delivery;
        this.next = records.get(0).offset();
    }

    @Override
    public void run() {
        try {
            for (RecordBatch batch : RecordBatch.split(records, batchSize)) {
                if (!delivery.deliver(batch)) {
                    return; // no active rule any more: the rest waits for one
                }
                next = batch.lastOffset() + 1;
            }
            complete = true;
        } catch (RecordDelivery.Stopped e) {
            // unhandled: replayed from next
        } catch (RuntimeException e) {
            failure = e;
        }
    }

    TopicPartition partition() {
        return partition;
    }

    /** The offset after the last record handled (the first record's when none was). */
    long next() {
        return next;
    }

    /** Whether the first record was handled at all. */
    boolean advanced() {
        return next > records.get(0).offset();
    }

    /** Whether every record was handled. */
    boolean complete() {
        return complete;
    }

    /** What stopped the run, or null. */
    RuntimeException failure() {
        return failure;
    }
}
