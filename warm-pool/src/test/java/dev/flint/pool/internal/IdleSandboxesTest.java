package dev.flint.pool.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.flint.pool.FunctionKey;
import dev.flint.pool.ImageLayers;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The idle sandboxes' index: by id, by function and their bytes stay in step through puts, removes and clear. */
class IdleSandboxesTest {
    private static final ImageLayers IMAGE = ImageLayers.of(Path.of("/layers/a"));

    private static WarmEntry entry(long id, String function, long bytes) {
        return new WarmEntry(id, FunctionKey.parse(function), IMAGE, Instant.EPOCH.plusSeconds(id), bytes);
    }

    private static Set<Long> ids(List<WarmEntry> entries) {
        return entries.stream().map(WarmEntry::id).collect(Collectors.toSet());
    }

    @Test
    void putsAndRemoves_keepTheFunctionsViewAndTheBytesInStep() {
        IdleSandboxes<String> idle = new IdleSandboxes<>();
        idle.put(entry(1, "ns/f", 100), "s1");
        idle.put(entry(2, "ns/g", 200), "s2");
        idle.put(entry(3, "ns/f", 300), "s3");

        assertEquals(Set.of(1L, 3L), ids(idle.entriesOf(FunctionKey.parse("ns/f"))));
        assertEquals(Set.of(1L, 2L, 3L), ids(idle.entries()));
        assertEquals(600, idle.bytes());

        assertEquals("s1", idle.remove(1));
        assertEquals(Set.of(3L), ids(idle.entriesOf(FunctionKey.parse("ns/f"))));
        assertEquals(500, idle.bytes());
        assertEquals("s3", idle.remove(3));
        assertEquals(List.of(), idle.entriesOf(FunctionKey.parse("ns/f")));
        assertThrows(IllegalStateException.class, () -> idle.remove(3));

        assertEquals(List.of("s2"), List.copyOf(idle.clear()));
        assertEquals(0, idle.bytes());
        assertEquals(0, idle.size());
        assertEquals(List.of(), idle.entriesOf(FunctionKey.parse("ns/g")));
    }
}
