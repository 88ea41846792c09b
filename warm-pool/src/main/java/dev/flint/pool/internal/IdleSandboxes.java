package dev.flint.pool.internal;

import dev.flint.pool.FunctionKey;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The pool's idle warm sandboxes, by id and by function, with their memory in total: an acquire
 * looks at its function's few and at one sum, not at every idle sandbox (with a thousand idle, a
 * scan of all under the pool's lock was the largest part of taking a stem cell). Not thread-safe:
 * {@link PoolCore} holds its lock.
 *
 * @param <S> the sandbox type
 */
final class IdleSandboxes<S> {
    /** One idle sandbox and what the policy knows of it. */
    record Idle<S>(WarmEntry entry, S sandbox) {
    }

    private final Map<Long, Idle<S>> byId = new HashMap<>();
    private final Map<FunctionKey, Map<Long, WarmEntry>> byFunction = new HashMap<>();
    private long bytes;

    void put(WarmEntry entry, S sandbox) {
        byId.put(entry.id(), new Idle<>(entry, sandbox));
        byFunction.computeIfAbsent(entry.function(), f -> new LinkedHashMap<>()).put(entry.id(), entry);
        bytes += entry.memoryBytes();
    }

    /** Removes and returns the sandbox with this id. */
    S remove(long id) {
        Idle<S> i = byId.remove(id);
        if (i == null) {
            throw new IllegalStateException("no idle sandbox " + id);
        }
        Map<Long, WarmEntry> of = byFunction.get(i.entry().function());
        of.remove(id);
        if (of.isEmpty()) {
            byFunction.remove(i.entry().function());
        }
        bytes -= i.entry().memoryBytes();
        return i.sandbox();
    }

    /** Every idle sandbox's entry (a tick, or an eviction, looks at all). */
    List<WarmEntry> entries() {
        List<WarmEntry> all = new ArrayList<>(byId.size());
        byId.values().forEach(i -> all.add(i.entry()));
        return all;
    }

    /** The entries of one function's idle sandboxes. */
    List<WarmEntry> entriesOf(FunctionKey function) {
        Map<Long, WarmEntry> of = byFunction.get(function);
        return of == null ? List.of() : new ArrayList<>(of.values());
    }

    /** The memory limits of all idle sandboxes together. */
    long bytes() {
        return bytes;
    }

    int size() {
        return byId.size();
    }

    /** Empties it; returns the sandboxes it held. */
    Collection<S> clear() {
        List<S> all = new ArrayList<>(byId.size());
        byId.values().forEach(i -> all.add(i.sandbox()));
        byId.clear();
        byFunction.clear();
        bytes = 0;
        return all;
    }
}
