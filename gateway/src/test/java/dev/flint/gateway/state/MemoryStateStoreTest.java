package dev.flint.gateway.state;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import org.junit.jupiter.api.Test;

class MemoryStateStoreTest {
    private static ObjectNode activation(String ns, String name, String id, long start) {
        return JsonNodeFactory.instance.objectNode().put("namespace", ns).put("name", name).put("activationId", id).put("start", start);
    }

    @Test
    void entities_listByPrefixInKeyOrder_andAreCopies() {
        try (MemoryStateStore s = new MemoryStateStore()) {
            ObjectNode doc = JsonNodeFactory.instance.objectNode().put("v", 1);
            s.put("actions/guest/b", doc);
            s.put("actions/guest/a", doc);
            s.put("actions/guestx/c", doc);
            doc.put("v", 2);
            assertEquals(1, s.get("actions/guest/a").orElseThrow().path("v").asInt(), "stored a copy");
            assertEquals(2, s.list("actions/guest/").size());
            assertTrue(s.delete("actions/guest/a"));
            assertFalse(s.delete("actions/guest/a"));
            assertEquals(List.of(), s.list("triggers/"));
        }
    }

    @Test
    void activations_newestFirst_filteredByNamespaceNameAndTime() {
        try (MemoryStateStore s = new MemoryStateStore()) {
            s.record(activation("guest", "a", "1", 100));
            s.record(activation("guest", "b", "2", 200));
            s.record(activation("guest", "a", "3", 300));
            s.record(activation("other", "a", "4", 400));
            assertEquals(List.of("3", "2", "1"), s.activations("guest", null, 0, Long.MAX_VALUE, 0, 10).stream()
                    .map(a -> a.path("activationId").asText()).toList());
            assertEquals(2, s.countActivations("guest", "a", 0, Long.MAX_VALUE));
            assertEquals(1, s.activations("guest", "a", 0, Long.MAX_VALUE, 1, 10).size());
            assertEquals(1, s.countActivations("guest", null, 150, 250));
            assertTrue(s.activation("guest", "4").isEmpty(), "another namespace's activation");
        }
    }
}
