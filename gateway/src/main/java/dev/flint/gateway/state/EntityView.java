package dev.flint.gateway.state;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The entities topic as a map from key to document, ordered by key. One thread (the
 * materialiser) applies records; any thread reads. Documents handed out are copies, so callers
 * may change them.
 */
final class EntityView {
    private final ConcurrentSkipListMap<String, ObjectNode> entities = new ConcurrentSkipListMap<>();
    private final AtomicLong version = new AtomicLong();

    /** Applies one record: a document replaces, {@code null} (a tombstone) removes. */
    void apply(String key, ObjectNode document) {
        if (document == null) {
            entities.remove(key);
        } else {
            entities.put(key, document);
        }
        version.incrementAndGet();
    }

    /** Grows with every record applied. */
    long version() {
        return version.get();
    }

    boolean contains(String key) {
        return entities.containsKey(key);
    }

    Optional<ObjectNode> get(String key) {
        ObjectNode document = entities.get(key);
        return document == null ? Optional.empty() : Optional.of(document.deepCopy());
    }

    /** Every document whose key starts with {@code prefix}, ordered by key. */
    List<ObjectNode> list(String prefix) {
        List<ObjectNode> found = new ArrayList<>();
        for (Map.Entry<String, ObjectNode> e : entities.tailMap(prefix, true).entrySet()) {
            if (!e.getKey().startsWith(prefix)) {
                break;
            }
            found.add(e.getValue().deepCopy());
        }
        return found;
    }

    int size() {
        return entities.size();
    }
}
