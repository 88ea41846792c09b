package dev.flint.gateway.state;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * The fields of a serialised activation record that {@link ActivationIndex} orders by, read with a
 * streaming parser that skips everything else (logs and results can be large), so applying a record
 * costs one pass and no tree.
 */
record ActivationKeys(String namespace, String name, String id, long start) {
    private static final JsonFactory FACTORY = new JsonFactory();

    /**
     * Reads the top-level {@code namespace}, {@code name}, {@code activationId} and {@code start}.
     *
     * @throws IllegalArgumentException naming the field that is missing or of the wrong type, or
     *     when the bytes are not a JSON object
     */
    static ActivationKeys read(byte[] json) {
        String namespace = null;
        String name = null;
        String id = null;
        Long start = null;
        try (JsonParser p = FACTORY.createParser(json)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new IllegalArgumentException("activation record is not a JSON object");
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                JsonToken value = p.nextToken();
                switch (field) {
                    case "namespace" -> namespace = text(p, value);
                    case "name" -> name = text(p, value);
                    case "activationId" -> id = text(p, value);
                    case "start" -> start = value == JsonToken.VALUE_NUMBER_INT ? p.getLongValue() : null;
                    default -> p.skipChildren();
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("activation record is not JSON: " + e.getMessage(), e);
        }
        require(namespace, "namespace");
        require(name, "name");
        require(id, "activationId");
        if (start == null) {
            throw new IllegalArgumentException("activation record needs an integer start (epoch ms)");
        }
        return new ActivationKeys(namespace, name, id, start);
    }

    private static String text(JsonParser p, JsonToken value) throws IOException {
        if (value == JsonToken.VALUE_STRING) {
            return p.getText();
        }
        p.skipChildren();
        return null;
    }

    private static void require(String value, String field) {
        if (value == null || value.isEmpty()) {
            throw new IllegalArgumentException("activation record needs a non-empty string " + field);
        }
    }
}
