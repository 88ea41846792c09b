package dev.flint.gateway.feeds;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;

/**
 * The arguments a Kafka record gives its trigger's actions:
 * {@code {topic, partition, offset, key, value, headers, timestamp}}. The key is a string (UTF-8)
 * or null; the value is its JSON when the bytes are one JSON document, else its text when they
 * are UTF-8, else {@code {"base64": "..."}} (null for a tombstone); headers are an object of
 * strings (a later header of the same name wins; a header without value is null). Several records
 * for one activation (a feed's {@code batch} above 1) are {@code {"messages": [<each>, ...]}}, the
 * shape of OpenWhisk's own Kafka feed package ({@code /whisk.system/messaging}).
 */
public final class RecordPayload {
    private static final ObjectMapper JSON = new ObjectMapper().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    private RecordPayload() {
    }

    public static ObjectNode of(ConsumerRecord<byte[], byte[]> r) {
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        o.put("topic", r.topic());
        o.put("partition", r.partition());
        o.put("offset", r.offset());
        o.put("key", r.key() == null ? null : new String(r.key(), StandardCharsets.UTF_8));
        o.set("value", value(r.value()));
        ObjectNode headers = o.putObject("headers");
        for (Header h : r.headers()) {
            headers.put(h.key(), h.value() == null ? null : new String(h.value(), StandardCharsets.UTF_8));
        }
        o.put("timestamp", r.timestamp());
        return o;
    }

    /** The arguments for several records: {@code {"messages": [...]}}, each as {@link #of(ConsumerRecord)}, in the given order. */
    public static ObjectNode messages(List<ObjectNode> each) {
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        o.putArray("messages").addAll(each);
        return o;
    }

    /** A record's value as the action sees it: JSON, else text, else base64. */
    static JsonNode value(byte[] bytes) {
        if (bytes == null) {
            return JsonNodeFactory.instance.nullNode();
        }
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            return JsonNodeFactory.instance.objectNode().put("base64", Base64.getEncoder().encodeToString(bytes));
        }
        if (text.isBlank()) {
            return JsonNodeFactory.instance.textNode(text);
        }
        try {
            JsonNode json = JSON.readTree(text);
            return json == null || json.isMissingNode() ? JsonNodeFactory.instance.textNode(text) : json;
        } catch (JsonProcessingException e) {
            return JsonNodeFactory.instance.textNode(text);
        }
    }
}
