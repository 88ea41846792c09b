package dev.flint.gateway.state;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A {@link StateStore} in memory: nothing survives the process. For tests of the REST layer
 * ({@code flint.state=memory}); the server uses {@code KafkaStateStore}. Thread-safe; documents are
 * copied in and out.
 */
public final class MemoryStateStore implements StateStore {
    private final ConcurrentSkipListMap<String, ObjectNode> entities = new ConcurrentSkipListMap<>();
    private final Map<String, ObjectNode> activations = new ConcurrentHashMap<>();
    private final AtomicLong version = new AtomicLong();

    @Override
    public void put(String key, ObjectNode document) {
        entities.put(key, document.deepCopy());
        version.incrementAndGet();
    }

    @Override
    public boolean delete(String key) {
        boolean existed = entities.remove(key) != null;
        version.incrementAndGet();
        return existed;
    }

    @Override
    public long entityVersion() {
        return version.get();
    }

    @Override
    public Optional<ObjectNode> get(String key) {
        return Optional.ofNullable(entities.get(key)).map(ObjectNode::deepCopy);
    }

    @Override
    public List<ObjectNode> list(String prefix) {
        List<ObjectNode> out = new ArrayList<>();
        for (Map.Entry<String, ObjectNode> e : entities.tailMap(prefix, true).entrySet()) {
            if (!e.getKey().startsWith(prefix)) {
                break;
            }
            out.add(e.getValue().deepCopy());
        }
        return out;
    }

    @Override
    public void record(ObjectNode activation) {
        String ns = activation.path("namespace").asText();
        activations.put(ns + "/" + activation.path("activationId").asText(), activation.deepCopy());
    }

    @Override
    public Optional<ObjectNode> activation(String namespace, String activationId) {
        return Optional.ofNullable(activations.get(namespace + "/" + activationId)).map(ObjectNode::deepCopy);
    }

    @Override
    public List<ObjectNode> activations(String namespace, String name, long since, long upto, int skip, int limit) {
        return matching(namespace, name, since, upto).stream().skip(skip).limit(limit).map(ObjectNode::deepCopy).toList();
    }

    @Override
    public long countActivations(String namespace, String name, long since, long upto) {
        return matching(namespace, name, since, upto).size();
    }

    private List<ObjectNode> matching(String namespace, String name, long since, long upto) {
        return activations.values().stream()
                .filter(a -> a.path("namespace").asText().equals(namespace))
                .filter(a -> name == null || a.path("name").asText().equals(name))
                .filter(a -> a.path("start").asLong() >= since && a.path("start").asLong() <= upto)
                .sorted(Comparator.comparingLong((ObjectNode a) -> a.path("start").asLong()).reversed())
                .toList();
    }

    /** The count, and the JSON bytes each record would take serialised (counted on demand: tests only). */
    @Override
    public StoredActivations storedActivations() {
        long bytes = activations.values().stream().mapToLong(a -> a.toString().length()).sum();
        return new StoredActivations(activations.size(), bytes);
    }

    @Override
    public void close() {
        entities.clear();
        activations.clear();
    }
}
