package dev.flint.gateway.state;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ActivationIndexTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void expire_dropsWhatArrivedBeforeTheCutoff_whateverItsStart() {
        ActivationIndex index = new ActivationIndex(1_000);
        index.apply(activation("guest", "f", "old", 5_000), 1_000);
        index.apply(activation("guest", "f", "new", 1), 2_000);

        assertEquals(1, index.expireArrivedBefore(1_500));

        assertEquals(List.of("new"), ids(index.find("guest", null, 0, Long.MAX_VALUE, 0, 10)));
        assertEquals(Optional.empty(), index.get("guest", "old"));
        assertEquals(1, index.count("guest", "f", 0, Long.MAX_VALUE));
    }

    @Test
    void expire_keepsARecordReplacedAfterTheCutoff() {
        ActivationIndex index = new ActivationIndex(1_000);
        index.apply(activation("guest", "f", "a", 10), 1_000);
        index.apply(activation("guest", "g", "a", 20), 3_000); // the same id again, later

        assertEquals(0, index.expireArrivedBefore(2_000));

        assertEquals(List.of("a"), ids(index.find("guest", "g", 0, Long.MAX_VALUE, 0, 10)));
        assertEquals(List.of(), ids(index.find("guest", "f", 0, Long.MAX_VALUE, 0, 10)));
        assertEquals(1, index.count("guest", null, 0, Long.MAX_VALUE));
        assertEquals(1, index.expireArrivedBefore(4_000));
        assertEquals(0, index.count("guest", null, 0, Long.MAX_VALUE));
    }

    @Test
    void count_withBoundsInsideTheSet_walksOnlyTheRange() {
        ActivationIndex index = new ActivationIndex(1_000);
        for (int i = 0; i < 10; i++) {
            index.apply(activation("guest", i % 2 == 0 ? "even" : "odd", "a" + i, i * 10L), 0);
        }
        assertEquals(10, index.count("guest", null, 0, Long.MAX_VALUE));
        assertEquals(10, index.count("guest", null, 0, 90));
        assertEquals(3, index.count("guest", null, 10, 30));
        assertEquals(2, index.count("guest", "odd", 10, 30));
        assertEquals(List.of("a3", "a1"), ids(index.find("guest", "odd", 10, 30, 0, 10)));
        assertEquals(0, index.count("guest", null, 91, Long.MAX_VALUE));
    }

    @Test
    void apply_beyondTheCount_dropsTheOldestArrivals() {
        ActivationIndex index = new ActivationIndex(3);
        index.apply(activation("guest", "f", "a", 40), 1);
        index.apply(activation("guest", "f", "b", 30), 2);
        index.apply(activation("guest", "f", "a", 50), 3); // replaces a: still two records
        index.apply(activation("other", "g", "c", 20), 4);
        assertEquals(3, index.stored().count());

        index.apply(activation("guest", "f", "d", 10), 5); // b is the oldest arrival still held

        assertEquals(List.of("a", "d"), ids(index.find("guest", null, 0, Long.MAX_VALUE, 0, 10)));
        assertEquals(Optional.empty(), index.get("guest", "b"));
        assertEquals(3, index.stored().count());
        long expectedBytes = activation("guest", "f", "a", 50).length + activation("other", "g", "c", 20).length
                + activation("guest", "f", "d", 10).length;
        assertEquals(expectedBytes, index.stored().jsonBytes());
    }

    @Test
    void get_handsOutTheWholeRecord_asAFreshObject() {
        ActivationIndex index = new ActivationIndex(10);
        ObjectNode full = JSON.createObjectNode().put("logs", "skipped when indexed").put("namespace", "guest")
                .put("name", "f").put("activationId", "a").put("start", 7);
        full.putObject("response").put("status", "success").putObject("result").put("n", 1);
        index.apply(bytes(full), 0);

        ObjectNode got = index.get("guest", "a").orElseThrow();
        assertEquals(full, got);
        got.put("name", "changed");
        assertEquals("f", index.get("guest", "a").orElseThrow().get("name").textValue());
        assertEquals(Optional.empty(), index.get("other", "a"));
    }

    @Test
    void apply_rejectsARecordWithoutTheIndexedFields() {
        ActivationIndex index = new ActivationIndex(1_000);
        ObjectNode noStart = JSON.createObjectNode().put("namespace", "n").put("name", "f").put("activationId", "a");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> index.apply(bytes(noStart), 0));
        assertEquals("activation record needs an integer start (epoch ms)", e.getMessage());
        ObjectNode numericName = noStart.deepCopy().put("start", 1).put("name", 5);
        e = assertThrows(IllegalArgumentException.class, () -> index.apply(bytes(numericName), 0));
        assertEquals("activation record needs a non-empty string name", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> index.apply("[1]".getBytes(), 0));
        assertThrows(UncheckedIOException.class, () -> index.apply("{\"namespace\":".getBytes(), 0));
        assertThrows(IllegalArgumentException.class, () -> index.find("n", null, 0, 1, -1, 1));
        assertThrows(IllegalArgumentException.class, () -> new ActivationIndex(0));
    }

    private static byte[] activation(String namespace, String name, String id, long start) {
        return bytes(JSON.createObjectNode().put("namespace", namespace).put("name", name).put("activationId", id)
                .put("start", start));
    }

    private static byte[] bytes(ObjectNode record) {
        try {
            return JSON.writeValueAsBytes(record);
        } catch (JsonProcessingException e) {
            throw new AssertionError(e);
        }
    }

    private static List<String> ids(List<ObjectNode> records) {
        return records.stream().map(r -> r.get("activationId").textValue()).toList();
    }
}
