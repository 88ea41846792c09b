package dev.flint.gateway.state;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NavigableSet;
import java.util.Optional;
import java.util.TreeSet;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * The activations topic as an index: by id, and per namespace (and per namespace and name) in
 * order of {@code start}, newest first. A query walks only the range it asks for plus what it
 * skips; a count whose bounds hold the whole set is a size lookup, other counts walk the range.
 * Records leave the index as they leave the topic: by the time Kafka stamped them, in arrival
 * order ({@link #expireArrivedBefore}), and the oldest arrivals leave when more than
 * {@code maxCount} are held.
 *
 * <p>Each record is kept as the JSON bytes Kafka delivered (a third to a tenth of a Jackson tree's
 * heap) and parsed when a query hands it out; applying one reads only the fields it is ordered by
 * ({@link ActivationKeys}).
 *
 * <p>One thread (the materialiser) applies records and expires old ones; any thread queries.
 * Records handed out are fresh objects.
 */
final class ActivationIndex {
    /** One activation; {@code id} breaks ties of {@code start}; {@code arrived} is Kafka's timestamp. */
    private record Entry(String namespace, String name, String id, long start, long arrived, byte[] json) {}

    private static final ObjectMapper JSON = new ObjectMapper();

    private static final Comparator<Entry> NEWEST_FIRST =
            Comparator.comparingLong(Entry::start).reversed().thenComparing(Entry::id);

    private final ReadWriteLock lock = new ReentrantReadWriteLock();
    private final Map<String, Entry> byId = new HashMap<>();
    private final Map<String, NavigableSet<Entry>> byNamespace = new HashMap<>();
    private final Map<String, Map<String, NavigableSet<Entry>>> byNamespaceAndName = new HashMap<>();
    /** Entries in arrival order, for expiry; a replaced entry stays until it expires. */
    private final Deque<Entry> arrivals = new ArrayDeque<>();
    private final long maxCount;
    /** The JSON bytes of the records held; guarded by {@link #lock}. */
    private long bytes;

    /** @param maxCount how many records the index holds at most (the oldest arrivals leave first) */
    ActivationIndex(long maxCount) {
        if (maxCount < 1) {
            throw new IllegalArgumentException("maxCount must be at least 1: " + maxCount);
        }
        this.maxCount = maxCount;
    }

    /**
     * Adds a serialised record, replacing one with the same activation id, then drops the oldest
     * arrivals beyond the count bound.
     *
     * @param arrivedMillis when Kafka stamped the record, for expiry
     * @throws IllegalArgumentException if the record lacks a field it is indexed by
     */
    void apply(byte[] json, long arrivedMillis) {
        ActivationKeys keys = ActivationKeys.read(json);
        Entry entry = new Entry(keys.namespace(), keys.name(), keys.id(), keys.start(), arrivedMillis, json);
        lock.writeLock().lock();
        try {
            Entry old = byId.put(entry.id(), entry);
            if (old != null) {
                unlink(old);
            }
            byNamespace.computeIfAbsent(entry.namespace(), k -> new TreeSet<>(NEWEST_FIRST)).add(entry);
            byNamespaceAndName.computeIfAbsent(entry.namespace(), k -> new HashMap<>())
                    .computeIfAbsent(entry.name(), k -> new TreeSet<>(NEWEST_FIRST)).add(entry);
            arrivals.addLast(entry);
            bytes += json.length;
            while (byId.size() > maxCount) {
                dropOldest();
            }
        } finally {
            lock.writeLock().unlock();
        }
    }

    /** How many records the index holds, and their JSON bytes. */
    StateStore.StoredActivations stored() {
        lock.readLock().lock();
        try {
            return new StateStore.StoredActivations(byId.size(), bytes);
        } finally {
            lock.readLock().unlock();
        }
    }

    /**
     * Drops the activations that arrived before {@code cutoffMillis}, walking from the first
     * arrival until one arrived later (Kafka stamps records in about arrival order); returns how
     * many it dropped.
     */
    int expireArrivedBefore(long cutoffMillis) {
        int dropped = 0;
        lock.writeLock().lock();
        try {
            while (!arrivals.isEmpty() && arrivals.peekFirst().arrived() < cutoffMillis) {
                if (dropOldest()) {
                    dropped++;
                }
            }
        } finally {
            lock.writeLock().unlock();
        }
        return dropped;
    }

    Optional<ObjectNode> get(String namespace, String activationId) {
        lock.readLock().lock();
        try {
            Entry entry = byId.get(activationId);
            return entry == null || !entry.namespace().equals(namespace)
                    ? Optional.empty() : Optional.of(parse(entry.json()));
        } finally {
            lock.readLock().unlock();
        }
    }

    /** See {@link StateStore#activations}. */
    List<ObjectNode> find(String namespace, String name, long since, long upto, int skip, int limit) {
        if (skip < 0 || limit < 0) {
            throw new IllegalArgumentException("skip and limit must not be negative: " + skip + ", " + limit);
        }
        List<ObjectNode> found = new ArrayList<>();
        lock.readLock().lock();
        try {
            Iterator<Entry> it = range(namespace, name, since, upto).iterator();
            for (int i = 0; i < skip && it.hasNext(); i++) {
                it.next();
            }
            while (found.size() < limit && it.hasNext()) {
                found.add(parse(it.next().json()));
            }
        } finally {
            lock.readLock().unlock();
        }
        return found;
    }

    /** See {@link StateStore#countActivations}. */
    long count(String namespace, String name, long since, long upto) {
        lock.readLock().lock();
        try {
            NavigableSet<Entry> set = set(namespace, name);
            if (set.isEmpty() || upto < since) {
                return 0;
            }
            if (since <= set.last().start() && upto >= set.first().start()) {
                return set.size(); // the bounds hold everything: no walk
            }
            return range(namespace, name, since, upto).size();
        } finally {
            lock.readLock().unlock();
        }
    }

    private NavigableSet<Entry> range(String namespace, String name, long since, long upto) {
        NavigableSet<Entry> set = set(namespace, name);
        if (set.isEmpty() || upto < since) {
            return new TreeSet<>(NEWEST_FIRST);
        }
        Entry newest = probe(upto); // the first entry with start == upto sorts at or after it
        if (since == Long.MIN_VALUE) {
            return set.tailSet(newest, true);
        }
        return set.subSet(newest, true, probe(since - 1), false);
    }

    private NavigableSet<Entry> set(String namespace, String name) {
        NavigableSet<Entry> set;
        if (name == null) {
            set = byNamespace.get(namespace);
        } else {
            set = byNamespaceAndName.getOrDefault(namespace, Map.of()).get(name);
        }
        return set == null ? new TreeSet<>(NEWEST_FIRST) : set;
    }

    private static Entry probe(long start) {
        return new Entry("", "", "", start, 0, null);
    }

    /** Removes the first arrival; returns whether it was still current (not replaced since). */
    private boolean dropOldest() {
        Entry oldest = arrivals.removeFirst();
        if (byId.get(oldest.id()) != oldest) { // replaced, and unlinked then
            return false;
        }
        byId.remove(oldest.id());
        unlink(oldest);
        return true;
    }

    private static ObjectNode parse(byte[] json) {
        try {
            return (ObjectNode) JSON.readTree(json);
        } catch (IOException e) { // it was read once when applied
            throw new UncheckedIOException(e);
        }
    }

    private void unlink(Entry entry) {
        bytes -= entry.json().length;
        NavigableSet<Entry> inNamespace = byNamespace.get(entry.namespace());
        inNamespace.remove(entry);
        if (inNamespace.isEmpty()) {
            byNamespace.remove(entry.namespace());
        }
        Map<String, NavigableSet<Entry>> names = byNamespaceAndName.get(entry.namespace());
        NavigableSet<Entry> withName = names.get(entry.name());
        withName.remove(entry);
        if (withName.isEmpty()) {
            names.remove(entry.name());
            if (names.isEmpty()) {
                byNamespaceAndName.remove(entry.namespace());
            }
        }
    }
}
