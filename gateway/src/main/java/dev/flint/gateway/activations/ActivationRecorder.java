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
 * as the activation ends, while its record goes to the state (a Kafka round trip of several
 * milliseconds) in the background, as OpenWhisk stores records after answering. Until the state
 * has it, {@link #pending} serves it, so a read on this server right after the answer finds it.
 * A caller that must know it is durable (the Kafka consumer of queued invocations, before it
 * commits) waits for the returned future. Thread-safe.
 */
@ApplicationScoped
public class ActivationRecorder {
    private static final Logger LOG = Logger.getLogger(ActivationRecorder.class);

    @Inject
    Platform platform;

    private final ConcurrentHashMap<String, ObjectNode> pending = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, CompletableFuture<Void>> writes = new ConcurrentHashMap<>();

    /** Starts storing the record; the future completes when it is durable (or failed: logged). */
    public CompletableFuture<Void> record(ObjectNode activation) {
        String key = key(activation.path("namespace").asText(), activation.path("activationId").asText());
        pending.put(key, activation);
        CompletableFuture<Void> write = CompletableFuture.runAsync(() -> {
            try {
                platform.state().record(activation);
            } finally {
                pending.remove(key);
                writes.remove(key);
            }
        }, platform.activations());
        writes.put(key, write);
        if (write.isDone()) {
            writes.remove(key);
        }
        return write.whenComplete((ok, e) -> {
            if (e != null) {
                LOG.errorf("flint: the record of activation %s could not be stored: %s", activation.path("activationId").asText(),
                        e.getMessage());
            }
        });
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
