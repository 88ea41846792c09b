package dev.flint.gateway.activations;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.flint.gateway.platform.Platform;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import org.jboss.logging.Logger;

/**
 * Stores finished activations without holding up their callers: a blocking invoke answers as soon
 * as the activation ends, and the activation's thread then stores the record (a Kafka round trip
 * of a few milliseconds), as OpenWhisk stores records after answering. From {@link #hold} until the
 * state has it, {@link #pending} serves it, so a read on this server right after the answer finds
 * it, and lists wait for it. A caller that must know it is durable (the Kafka consumer of queued
 * invocations and feeds, before they commit) stores it before answering. Thread-safe.
 */
@ApplicationScoped
public class ActivationRecorder {
    private static final Logger LOG = Logger.getLogger(ActivationRecorder.class);

    @Inject
    Platform platform;

    private final ConcurrentHashMap<String, ObjectNode> pending = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, CompletableFuture<Void>> writes = new ConcurrentHashMap<>();

    /**
     * A record on its way to the state: visible to this server's reads from now on (and waited for
     * by its lists) until {@link Held#store} has stored it.
     */
    public Held hold(ObjectNode activation) {
        String key = key(activation.path("namespace").asText(), activation.path("activationId").asText());
        pending.put(key, activation);
        CompletableFuture<Void> write = new CompletableFuture<>();
        writes.put(key, write);
        return new Held(key, activation, write);
    }

    /** A held record; {@link #store} once. */
    public final class Held {
        private final String key;
        private final ObjectNode activation;
        private final CompletableFuture<Void> write;

        private Held(String key, ObjectNode activation, CompletableFuture<Void> write) {
            this.key = key;
            this.activation = activation;
            this.write = write;
        }

        /**
         * Stores the record on the caller's thread (a Kafka round trip); then this server's reads
         * find it in the state.
         *
         * @throws RuntimeException when the state did not take it (also logged)
         */
        public void store() {
            try {
                platform.state().record(activation);
                write.complete(null);
            } catch (RuntimeException e) {
                LOG.errorf("flint: the record of activation %s could not be stored: %s", activation.path("activationId").asText(),
                        e.getMessage());
                write.completeExceptionally(e);
                throw e;
            } finally {
                pending.remove(key);
                writes.remove(key);
            }
        }
    }

    /** A record on its way to the state, if this server has one. */
    public Optional<ObjectNode> pending(String namespace, String activationId) {
        return Optional.ofNullable(pending.get(key(namespace, activationId)));
    }

    /**
     * Waits (at most {@code limit}) until this server's records of the namespace on their way are
     * stored: a list or count then includes the activations its callers were already answered about.
     */
    public void awaitPending(String namespace, java.time.Duration limit) {
        long deadline = System.nanoTime() + limit.toNanos();
        String prefix = namespace + "/";
        for (var e : writes.entrySet()) {
            if (!e.getKey().startsWith(prefix)) {
                continue;
            }
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return;
            }
            try {
                e.getValue().get(left, java.util.concurrent.TimeUnit.NANOSECONDS);
            } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException ignored) {
                // failed writes are logged where they fail; a slow one is left for a later list
            } catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private static String key(String namespace, String id) {
        return namespace + "/" + id;
    }
}
