package dev.flint.gateway.feeds;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * Consecutive records of one partition, in offset order, that one activation gets (a feed's
 * {@code batch}, docs/gateway.md "Kafka-fed triggers"). With batch 1 it is one record and the
 * activation's arguments are that record's ({@link RecordPayload#of}); with more, they are
 * {@code {"messages": [...]}} even when fewer records were there to take. Says what the
 * activation's cause names and how the result is published: key of the last record, header
 * {@code activationId}; for batches also headers {@code partition}, {@code firstOffset} and
 * {@code lastOffset}, and the results topic's partition of the consumed partition's number (modulo
 * its count), so that one partition's batch results stay in order there whatever their keys. A
 * single record's result is placed by its key, as the record was. Immutable.
 */
final class RecordBatch {
    private final List<ConsumerRecord<byte[], byte[]>> records;
    private final List<ObjectNode> payloads;
    private final boolean asMessages;

    private RecordBatch(List<ConsumerRecord<byte[], byte[]>> records, boolean asMessages) {
        this.records = List.copyOf(records);
        this.payloads = this.records.stream().map(RecordPayload::of).toList();
        this.asMessages = asMessages;
    }

    /**
     * One partition's records, in offset order, cut into batches of at most {@code size} records
     * (1: each record alone, its payload the record's own).
     */
    static List<RecordBatch> split(List<ConsumerRecord<byte[], byte[]>> records, int size) {
        List<RecordBatch> batches = new ArrayList<>();
        for (int i = 0; i < records.size(); i += size) {
            batches.add(new RecordBatch(records.subList(i, Math.min(records.size(), i + size)), size > 1));
        }
        return batches;
    }

    /** The action's arguments: the record's payload, or {@code {"messages": [...]}}; a fresh copy. */
    ObjectNode payload() {
        return asMessages ? RecordPayload.messages(payloads).deepCopy() : payloads.get(0).deepCopy();
    }

    /** Each record's payload with its key, in offset order: what goes to the dead-letter topic when the batch fails. */
    List<Keyed> records() {
        List<Keyed> each = new ArrayList<>();
        for (int i = 0; i < records.size(); i++) {
            each.add(new Keyed(records.get(i).key(), payloads.get(i)));
        }
        return each;
    }

    /** A record's payload and its key (null or bytes). */
    record Keyed(byte[] key, ObjectNode payload) {
    }

    /** Adds where the batch comes from to an activation's cause: topic, partition and offset (or first and last offsets). */
    void describe(ObjectNode cause) {
        cause.put("topic", records.get(0).topic());
        cause.put("partition", records.get(0).partition());
        if (asMessages) {
            cause.put("firstOffset", firstOffset());
            cause.put("lastOffset", lastOffset());
        } else {
            cause.put("offset", firstOffset());
        }
    }

    /** The key a result is published with: the last record's (the record's own for batch 1). */
    byte[] resultKey() {
        return records.get(records.size() - 1).key();
    }

    /** The partition number a result is published on (modulo the results topic's count), or null: by its key. */
    Integer resultPartition() {
        return asMessages ? records.get(0).partition() : null;
    }

    /** The headers a result is published with. */
    Map<String, String> resultHeaders(String activationId) {
        return asMessages ? Map.of("activationId", activationId, "partition", Integer.toString(records.get(0).partition()),
                "firstOffset", Long.toString(firstOffset()), "lastOffset", Long.toString(lastOffset())) : Map.of("activationId", activationId);
    }

    /** Whether the activation got {@code {"messages": [...]}}, not one record. */
    boolean asMessages() {
        return asMessages;
    }

    long firstOffset() {
        return records.get(0).offset();
    }

    long lastOffset() {
        return records.get(records.size() - 1).offset();
    }
}
