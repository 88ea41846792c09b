package dev.flint.gateway.feeds;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

class RecordBatchTest {
    private static List<ConsumerRecord<byte[], byte[]>> records(int n) {
        List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
        for (long o = 0; o < n; o++) {
            records.add(new ConsumerRecord<>("in", 4, 100 + o, ("k" + o).getBytes(StandardCharsets.UTF_8),
                    Long.toString(o).getBytes(StandardCharsets.UTF_8)));
        }
        return records;
    }

    @Test
    void split_cutsAPartitionsRecordsIntoBatchesOfAtMostTheSize_inOffsetOrder() {
        List<RecordBatch> batches = RecordBatch.split(records(7), 3);
        assertEquals(List.of(100L, 103L, 106L), batches.stream().map(RecordBatch::firstOffset).toList());
        assertEquals(List.of(102L, 105L, 106L), batches.stream().map(RecordBatch::lastOffset).toList());
        assertEquals(1, batches.get(2).payload().get("messages").size(), "a short last batch is still a messages array");
        assertEquals(7, RecordBatch.split(records(7), 1).size());
    }

    @Test
    void batchOfOne_isTheRecordItself_asBefore() {
        RecordBatch one = RecordBatch.split(records(1), 1).get(0);
        assertEquals(RecordPayload.of(records(1).get(0)), one.payload());
        ObjectNode cause = JsonNodeFactory.instance.objectNode();
        one.describe(cause);
        assertEquals("{\"topic\":\"in\",\"partition\":4,\"offset\":100}", cause.toString());
        assertEquals(Map.of("activationId", "a1"), one.resultHeaders("a1"));
        assertFalse(one.asMessages());
        assertNull(one.resultPartition(), "placed by its key");
    }

    @Test
    void batch_isAMessagesArrayOfTheSamePayloads_namingItsOffsetRange() {
        RecordBatch batch = RecordBatch.split(records(3), 10).get(0);
        ObjectNode payload = batch.payload();
        assertEquals(List.of("messages"), List.copyOf(iterable(payload.fieldNames())));
        for (int i = 0; i < 3; i++) {
            assertEquals(RecordPayload.of(records(3).get(i)), payload.get("messages").get(i));
        }
        ObjectNode cause = JsonNodeFactory.instance.objectNode();
        batch.describe(cause);
        assertEquals("{\"topic\":\"in\",\"partition\":4,\"firstOffset\":100,\"lastOffset\":102}", cause.toString());
        assertEquals("k2", new String(batch.resultKey(), StandardCharsets.UTF_8), "the last record's key");
        assertEquals(Map.of("activationId", "a1", "partition", "4", "firstOffset", "100", "lastOffset", "102"), batch.resultHeaders("a1"));
        assertEquals(List.of("k0", "k1", "k2"), batch.records().stream().map(r -> new String(r.key(), StandardCharsets.UTF_8)).toList());
        assertTrue(batch.asMessages());
        assertEquals(4, batch.resultPartition());
    }

    @Test
    void payload_isAFreshCopyEachTime_soAnAttemptCannotChangeTheNext() {
        RecordBatch batch = RecordBatch.split(records(2), 2).get(0);
        batch.payload().putNull("messages");
        assertEquals(2, batch.payload().get("messages").size());
        RecordBatch unkeyed = RecordBatch.split(List.of(new ConsumerRecord<>("in", 0, 0L, (byte[]) null, new byte[0])), 5).get(0);
        assertNull(unkeyed.resultKey());
    }

    private static <T> List<T> iterable(java.util.Iterator<T> it) {
        List<T> out = new ArrayList<>();
        it.forEachRemaining(out::add);
        return out;
    }
}
