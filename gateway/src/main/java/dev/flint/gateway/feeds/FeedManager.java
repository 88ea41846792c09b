package dev.flint.gateway.feeds;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.flint.gateway.actions.ActionDocs;
import dev.flint.gateway.actions.ActionLimits;
import dev.flint.gateway.activations.InvokeOutcome;
import dev.flint.gateway.activations.InvokeService;
import dev.flint.gateway.api.ApiException;
import dev.flint.gateway.platform.Platform;
import dev.flint.gateway.triggers.EntityRef;
import dev.flint.gateway.triggers.RuleStatus;
import dev.flint.gateway.triggers.TriggerChange;
import dev.flint.gateway.triggers.TriggerDocs;
import dev.flint.gateway.triggers.TriggerService;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.annotation.Priority;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import org.jboss.logging.Logger;

/**
 * Kafka-fed triggers (issue #9, docs/gateway.md "Kafka-fed triggers"): one {@link FeedConsumer} per
 * trigger whose {@code feed} annotation is {@code kafka} and that has an active rule. Started for
 * every such trigger when the server starts (after {@code QueuedInvocations}), then kept in step
 * with each {@link TriggerChange}: started, restarted when the feed's parameters changed, stopped
 * when its last active rule is disabled or deleted or the trigger is deleted. A stopped consumer
 * has committed what it handled; a new one resumes from there.
 *
 * <p>Observers only enqueue: every start and stop runs on one control thread, the only writer of
 * the consumers' map, in the order of the changes. Stopped with the server, before the platform
 * closes. Thread-safe.
 */
@Singleton
public class FeedManager {
    private static final Logger LOG = Logger.getLogger(FeedManager.class);
    /** What a blocking invoke waits beyond the action's timeout: the invoker's queue and the record's write. */
    private static final Duration WAIT_MARGIN = Duration.ofSeconds(60);
    private static final Duration SHUTDOWN_WAIT = Duration.ofSeconds(8);

    @Inject
    Platform platform;

    @Inject
    TriggerService triggers;

    @Inject
    InvokeService invokes;

    private final ExecutorService control = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "flint-feeds");
        t.setDaemon(true);
        return t;
    });
    private final ConcurrentHashMap<EntityRef, FeedConsumer> running = new ConcurrentHashMap<>();
    private volatile String bootstrap;
    private volatile boolean stopping;
    private String memberId;

    /** After the platform and QueuedInvocations (priority 3000) started. */
    void onStart(@Observes @Priority(3100) StartupEvent event) {
        bootstrap = platform.kafkaBootstrap().orElse(null);
        if (bootstrap == null) {
            return; // state in memory: no Kafka, no feeds
        }
        memberId = memberId();
        enqueue(() -> platform.state().list(TriggerDocs.PREFIX)
                .forEach(doc -> reconcile(new EntityRef(doc.path("namespace").asText(), doc.path("name").asText()))));
    }

    /** Quick: the work happens on the control thread (see TriggerChange). */
    void onChange(@Observes TriggerChange change) {
        if (bootstrap == null || stopping) {
            return;
        }
        EntityRef trigger = new EntityRef(change.namespace(), change.name());
        enqueue(() -> reconcile(trigger));
    }

    private void enqueue(Runnable task) {
        try {
            control.execute(task);
        } catch (RejectedExecutionException e) {
            // stopping
        }
    }

    /** Makes the trigger's consumer match its document: none, the same, or a new one. Control thread only. */
    private void reconcile(EntityRef trigger) {
        try {
            if (stopping) {
                return;
            }
            KafkaFeed wanted = wanted(trigger);
            FeedConsumer current = running.get(trigger);
            if (current != null && current.feed().equals(wanted)) {
                return;
            }
            if (current != null) {
                current.stop();
                running.remove(trigger, current);
            }
            if (wanted != null && !stopping) {
                FeedConsumer next = new FeedConsumer(trigger, wanted, memberId, platform.activations(),
                        () -> activeRules(trigger), this::invoke, () -> partitionsAtOnce(trigger));
                running.put(trigger, next);
                next.start();
            }
        } catch (RuntimeException e) {
            LOG.errorf(e, "flint: the feed of trigger %s could not be started or stopped", trigger);
        }
    }

    /** The feed the trigger should have running now, or null. */
    private KafkaFeed wanted(EntityRef trigger) {
        ObjectNode doc = triggers.find(trigger.namespace(), trigger.name()).orElse(null);
        if (doc == null || !KafkaFeed.declaredBy(doc.get("annotations")) || activeRules(doc).isEmpty()) {
            return null;
        }
        try {
            return KafkaFeed.of(trigger.namespace(), trigger.name(), doc.get("parameters"), bootstrap);
        } catch (ApiException e) {
            LOG.errorf("flint: trigger %s has a kafka feed that cannot run: %s; update its parameters", trigger, e.getMessage());
            return null;
        }
    }

    private List<TriggerDocs.Link> activeRules(EntityRef trigger) {
        return triggers.find(trigger.namespace(), trigger.name()).map(FeedManager::activeRules).orElse(List.of());
    }

    private static List<TriggerDocs.Link> activeRules(JsonNode doc) {
        return TriggerDocs.links(doc).values().stream().filter(l -> l.status() == RuleStatus.ACTIVE).toList();
    }

    /** The smallest {@code limits.concurrency} of the actions of the trigger's active rules (1 when there is none). */
    private int partitionsAtOnce(EntityRef trigger) {
        return PartitionLanes.width(activeRules(trigger).stream()
                .map(l -> platform.state().get(ActionDocs.key(l.action().namespace(), l.action().name())))
                .flatMap(Optional::stream)
                .map(doc -> ActionLimits.of(doc.path("limits")).concurrency())
                .toList());
    }

    /** One blocking invoke of a rule's action: 200 is a success, anything else (a 202 past the wait too) a failure. */
    private RecordDelivery.Attempt invoke(EntityRef action, ObjectNode payload, ObjectNode cause) {
        try {
            Optional<ObjectNode> doc = platform.state().get(ActionDocs.key(action.namespace(), action.name()));
            if (doc.isEmpty()) {
                return RecordDelivery.Attempt.failure(null, "action " + action.withLeadingSlash() + " does not exist");
            }
            Duration wait = Duration.ofMillis(ActionLimits.of(doc.get().path("limits")).timeout()).plus(WAIT_MARGIN);
            InvokeOutcome o = invokes.invoke(action.namespace(), action.name(), payload, true, false, wait, cause);
            JsonNode response = o.body().path("response");
            if (o.status() == 200) {
                return RecordDelivery.Attempt.success(o.activationId(), response.path("result"));
            }
            if (o.status() == 202) {
                return RecordDelivery.Attempt.failure(o.activationId(), "the activation was still running after " + wait.toSeconds() + " s");
            }
            JsonNode error = response.path("result").path("error");
            return RecordDelivery.Attempt.failure(o.activationId(), error.isMissingNode() ? "the activation failed with status "
                    + response.path("status").asText(Integer.toString(o.status())) : error.isTextual() ? error.asText() : error.toString());
        } catch (ApiException e) {
            return RecordDelivery.Attempt.failure(null, e.status() + ": " + e.getMessage());
        } catch (RuntimeException e) {
            LOG.errorf(e, "flint: a feed's invoke of %s failed in the platform", action);
            return RecordDelivery.Attempt.failure(null, "the platform failed to run the action: " + e);
        }
    }

    /** Stable across restarts of this server, distinct between servers: host and data directory. */
    private String memberId() {
        String host;
        try {
            host = java.net.InetAddress.getLocalHost().getHostName();
        } catch (java.net.UnknownHostException e) {
            host = "localhost";
        }
        String where = host + ":" + platform.config().dataDir().toAbsolutePath();
        return "flint-" + Integer.toHexString(where.hashCode()) + "-feed";
    }

    /**
     * Before the platform closes (its default priority is higher) and before QueuedInvocations:
     * every consumer commits what it handled and ends, within a few seconds.
     */
    void onStop(@Observes @Priority(1900) ShutdownEvent event) {
        stopping = true;
        running.values().forEach(FeedConsumer::signalStop);
        control.shutdown();
        long deadline = System.nanoTime() + SHUTDOWN_WAIT.toNanos();
        try {
            control.awaitTermination(SHUTDOWN_WAIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        running.values().forEach(FeedConsumer::signalStop); // one the control thread started meanwhile
        for (FeedConsumer c : running.values()) {
            c.awaitStop(deadline);
        }
    }
}
