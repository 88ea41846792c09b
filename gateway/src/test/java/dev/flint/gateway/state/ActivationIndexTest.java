package dev.flint.gateway.state;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ActivationIndexTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void expire_dropsWhatArrivedBeforeTheCutoff_whateverItsStart() {
        ActivationIndex index = new ActivationIndex();
        index.apply(activation("guest", "f", "old", 5_000), 1_000);
        index.apply(activation("guest", "f", "new", 1), 2_000);

        assertEquals(1, index.expireArrivedBefore(1_500));

        assertEquals(List.of("new"), ids(index.find("guest", null, 0, Long.MAX_VALUE, 0, 10)));
        assertEquals(Optional.empty(), index.get("guest", "old"));
        assertEquals(1, index.count("guest", "f", 0, Long.MAX_VALUE));
    }

    @Test
    void expire_keepsARecordReplacedAfterTheCutoff() {
        ActivationIndex index = new ActivationIndex();
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
        ActivationIndex index = new ActivationIndex();
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
    void apply_rejectsARecordWithoutTheIndexedFields() {
        ActivationIndex index = new ActivationIndex();
        ObjectNode noStart = JSON.createObjectNode().put("namespace", "n").put("name", "f").put("activationId", "a");
        assertThrows(IllegalArgumentException.class, () -> index.apply(noStart, 0));
        assertThrows(IllegalArgumentException.class, () -> index.find("n", null, 0, 1, -1, 1));
    }

    private static ObjectNode activation(String namespace, String name, String id, long start) {
        return JSON.createObjectNode().put("namespace", namespace).put("name", name).put("activationId", id)
                .put("start", start);
    }

    private static List<String> ids(List<ObjectNode> records) {
        return records.stream().map(r -> r.get("activationId").textValue()).toList();
    }
}
