package dev.flint.gateway.feeds;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Optional;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
import org.junit.jupiter.api.Test;

class RecordPayloadTest {
    private static ConsumerRecord<byte[], byte[]> record(byte[] key, byte[] value, RecordHeaders headers) {
        return new ConsumerRecord<>("orders", 2, 41L, 1_700_000_000_000L, TimestampType.CREATE_TIME, -1, -1,
                key, value, headers, Optional.empty());
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void payload_hasTopicPartitionOffsetKeyHeadersAndTimestamp() {
        RecordHeaders headers = new RecordHeaders();
        headers.add(new RecordHeader("trace", utf8("abc")));
        headers.add(new RecordHeader("empty", (byte[]) null));
        ObjectNode p = RecordPayload.of(record(utf8("k1"), utf8("{\"n\": 1}"), headers));
        assertEquals("{\"topic\":\"orders\",\"partition\":2,\"offset\":41,\"key\":\"k1\",\"value\":{\"n\":1},"
                + "\"headers\":{\"trace\":\"abc\",\"empty\":null},\"timestamp\":1700000000000}", p.toString());
    }

    @Test
    void payload_withoutKeyOrValue_hasNulls() {
        ObjectNode p = RecordPayload.of(record(null, null, new RecordHeaders()));
        assertEquals("null", p.get("key").toString());
        assertEquals("null", p.get("value").toString());
        assertEquals("{}", p.get("headers").toString());
    }

    @Test
    void messages_isTheOpenWhiskKafkaFeedShape_aMessagesArrayOfEachRecordsPayload() {
        ObjectNode a = RecordPayload.of(record(utf8("k1"), utf8("1"), new RecordHeaders()));
        ObjectNode b = RecordPayload.of(record(null, utf8("two"), new RecordHeaders()));
        assertEquals("{\"messages\":[" + a + "," + b + "]}", RecordPayload.messages(java.util.List.of(a, b)).toString());
    }

    @Test
    void value_isJsonWhenItParses_elseTheText_elseBase64() {
        assertEquals("{\"a\":[1,2]}", RecordPayload.value(utf8("{\"a\": [1, 2]}")).toString());
        assertEquals("42", RecordPayload.value(utf8("42")).toString());
        assertEquals("true", RecordPayload.value(utf8("true")).toString());
        assertEquals("\"quoted\"", RecordPayload.value(utf8("\"quoted\"")).toString());
        assertEquals("\"poison\"", RecordPayload.value(utf8("poison")).toString());
        assertEquals("\"{\\\"a\\\": 1} trailing\"", RecordPayload.value(utf8("{\"a\": 1} trailing")).toString(),
                "one JSON document, or text");
        assertEquals("\"1 2\"", RecordPayload.value(utf8("1 2")).toString());
        assertEquals("\"\"", RecordPayload.value(new byte[0]).toString());
        assertEquals("\"héllo ✓\"", RecordPayload.value(utf8("héllo ✓")).toString());
        byte[] binary = {(byte) 0xff, (byte) 0xfe, 0, 1, (byte) 0xc3};
        assertEquals("{\"base64\":\"" + Base64.getEncoder().encodeToString(binary) + "\"}", RecordPayload.value(binary).toString());
    }
}
