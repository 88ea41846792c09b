package dev.flint.gateway.state;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Optional;

/**
 * The gateway's durable state (DESIGN.md §7): entities (namespaces and their keys, actions,
 * triggers, rules) as JSON documents by key, and activation records. A write returns only once it
 * is durable (in standalone and cluster mode: acknowledged by Kafka) and visible to this store's
 * reads (read-your-writes); reads come from a local materialised view, rebuilt on start, so a
 * restart loses nothing that was acknowledged.
 *
 * <p>Entity keys are {@code <collection>/<namespace>/<name>}, such as {@code actions/guest/hello}
 * or {@code namespaces/guest}; {@link #list} takes such a prefix. Documents are the gateway's own
 * JSON; the store does not look inside them, except activations (below).
 *
 * <p>Thread-safe. Implementations: {@code KafkaStateStore} (compacted topic for entities, retained
 * topic for activations), and an in-memory one for unit tests of the REST layer.
 */
public interface StateStore extends AutoCloseable {

    /** Writes (creates or replaces) an entity; durable and visible when it returns. */
    void put(String key, ObjectNode document);

    /** Deletes an entity; durable when it returns. Returns whether it existed. */
    boolean delete(String key);

    Optional<ObjectNode> get(String key);

    /** Every entity whose key starts with {@code prefix}, ordered by key. */
    List<ObjectNode> list(String prefix);

    /**
     * A number that changes whenever an entity this store's reads see changes (a put or delete,
     * also another gateway's), so what was derived from entities can be cached until it moves.
     */
    long entityVersion();

    /**
     * Records a finished activation (OpenWhisk's record shape: it must have string fields
     * {@code namespace}, {@code name}, {@code activationId} and a number {@code start}, epoch ms);
     * durable and visible when it returns. Recording the same id again replaces it.
     */
    void record(ObjectNode activation);

    /** One activation of a namespace by id. */
    Optional<ObjectNode> activation(String namespace, String activationId);

    /**
     * A namespace's activations, newest {@code start} first, optionally of one name (null for all),
     * with {@code since <= start <= upto} (epoch ms; use 0 and Long.MAX_VALUE for no bound),
     * skipping {@code skip} and returning at most {@code limit}.
     */
    List<ObjectNode> activations(String namespace, String name, long since, long upto, int skip, int limit);

    /** How many activations {@link #activations} would find without skip and limit. */
    long countActivations(String namespace, String name, long since, long upto);

    /** How many activation records the local view holds, and their serialised size. */
    StoredActivations storedActivations();

    /** The size of a store's activation view: records and their JSON bytes. */
    record StoredActivations(long count, long jsonBytes) {}

    @Override
    void close();
}
