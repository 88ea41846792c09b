package dev.flint.gateway.activations;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.flint.gateway.actions.ActionService;
import dev.flint.gateway.actions.FunctionSpecs;
import dev.flint.gateway.actions.KeyValues;
import dev.flint.gateway.api.ApiException;
import dev.flint.gateway.platform.Platform;
import dev.flint.invoker.ActivationRecord;
import dev.flint.invoker.FunctionSpec;
import dev.flint.invoker.Invocation;
import dev.flint.invoker.InvokerException;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jboss.logging.Logger;

/**
 * Invoking an action (OPENWHISK-API.md §2, "Invoke"): the action's parameters under the payload
 * (the payload wins), one activation on the background executor, recorded in the state when it
 * ends. Non-blocking answers 202 at once; blocking waits up to the configured wait (or the
 * request's shorter {@code timeout}) and answers the record (200, 502 for application and
 * developer errors, 500 for platform errors), or 202 when it is still running; the record appears
 * when it ends. An invocation the invoker refuses (its function's queue is full) is a 429 for a
 * caller still waiting, else a recorded activation with status 3. Thread-safe.
 */
@ApplicationScoped
public class InvokeService {
    private static final Logger LOG = Logger.getLogger(InvokeService.class);
    /** Ends blocking waits with a 202; a wait whose activation ends first is cancelled and removed. */
    private static final ScheduledThreadPoolExecutor TIMERS = timers();

    @Inject
    Platform platform;

    @Inject
    ActionService actions;

    @Inject
    FunctionSpecs specs;

    @Inject
    QueuedInvocations queued;

    @Inject
    ActivationRecorder recorder;

    public InvokeOutcome invoke(String namespace, String name, ObjectNode payload, boolean blocking, boolean resultOnly,
            Duration wait) {
        return invoke(namespace, name, payload, blocking, resultOnly, wait, null);
    }

    /**
     * As {@link #invoke(String, String, ObjectNode, boolean, boolean, Duration)}, the activation
     * record's annotations naming what caused it ({@code {"key": "cause", "value": cause}}, such as
     * a Kafka record's topic, partition and offset) when {@code cause} is not null; such an invoke
     * answers only once its record is durable (a feed commits the record's offset after it). Not
     * for non-blocking invokes through Kafka, whose requests carry no cause. Blocks the caller.
     */
    public InvokeOutcome invoke(String namespace, String name, ObjectNode payload, boolean blocking, boolean resultOnly,
            Duration wait, JsonNode cause) {
        try {
            return invokeAsync(namespace, name, payload, blocking, resultOnly, wait, cause).get();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            throw new IllegalStateException(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ApiException(503, "The server is stopping: retry elsewhere.");
        }
    }

    /**
     * The invoke without blocking its caller (the HTTP endpoint's, on Vert.x's event loop): looks
     * the action up at once (an unknown one throws its 404 here), then the answer completes when
     * the activation ends, when the wait passes (202), or at once for a non-blocking invoke (after
     * Kafka's acknowledgement when it is queued). A failed answer holds the {@link RuntimeException}
     * to map, such as a 429.
     */
    public CompletableFuture<InvokeOutcome> invokeAsync(String namespace, String name, ObjectNode payload, boolean blocking,
            boolean resultOnly, Duration wait, JsonNode cause) {
        ObjectNode action = actions.document(namespace, name);
        ObjectNode args = KeyValues.toObject(action.get("parameters"));
        args.setAll(payload);
        FunctionSpec spec = specs.of(action);
        String id = ActivationJson.newId();
        if (!blocking && cause == null && queued.enabled()) {
            // through Kafka: the 202 means the request is durable; a crash after it loses nothing
            return CompletableFuture.supplyAsync(() -> {
                try {
                    queued.submit(queuedRequest(namespace, name, id, args));
                } catch (dev.flint.gateway.state.StateException e) {
                    throw new ApiException(503, "The invocation could not be queued: " + e.getMessage());
                }
                return accepted(id);
            }, activationThreads());
        }
        Invocation invocation = new Invocation(spec, args, id, null);
        AtomicBoolean abandoned = new AtomicBoolean(!blocking); // true once no caller waits for this activation
        CompletableFuture<ObjectNode> done = new CompletableFuture<>();
        activationThreads().execute(() -> {
            Ran ran;
            try {
                ran = run(invocation, action, abandoned, cause);
            } catch (Throwable t) {
                done.completeExceptionally(t);
                return;
            }
            done.complete(ran.record()); // the answer leaves now; the record is stored after it
            if (ran.toStore() != null) {
                try {
                    ran.toStore().store();
                } catch (RuntimeException e) {
                    // logged by the recorder; the caller already has its answer
                }
            }
        });
        if (!blocking) {
            return CompletableFuture.completedFuture(accepted(id));
        }
        CompletableFuture<InvokeOutcome> answer = new CompletableFuture<>();
        ScheduledFuture<?> timer = TIMERS.schedule(() -> {
            if (abandoned.compareAndSet(false, true)) { // else the activation was refused: its error follows at once
                answer.complete(accepted(id));
            }
        }, wait.toMillis(), TimeUnit.MILLISECONDS);
        done.whenComplete((record, error) -> {
            timer.cancel(false);
            if (error != null) {
                answer.completeExceptionally(error); // done is completed by hand: its error is the run's own
                return;
            }
            int code = record.path("response").path("statusCode").asInt();
            int status = code == 0 ? 200 : code == 3 ? 500 : 502;
            answer.complete(new InvokeOutcome(status, resultOnly ? record.path("response").path("result") : record, id));
        });
        return answer;
    }

    /** The platform's activation threads; a task refused because the server is stopping is a 503. */
    private Executor activationThreads() {
        return task -> {
            try {
                platform.activations().execute(task);
            } catch (RejectedExecutionException e) {
                throw new ApiException(503, "The server is stopping: retry elsewhere.");
            }
        };
    }

    private static ObjectNode queuedRequest(String namespace, String name, String id, ObjectNode args) {
        ObjectNode r = JsonNodeFactory.instance.objectNode();
        r.put("activationId", id).put("namespace", namespace).put("name", name).put("submitted", System.currentTimeMillis());
        r.set("args", args);
        return r;
    }

    /**
     * Runs a non-blocking invocation that came through Kafka ({@link QueuedInvocations}) and records
     * it, unless its activation is recorded already (it ran before a crash that kept its offset from
     * being committed). An action deleted meanwhile gets a failed record.
     */
    public void runQueued(ObjectNode request) {
        String namespace = request.path("namespace").asText();
        String name = request.path("name").asText();
        String id = request.path("activationId").asText();
        if (platform.state().activation(namespace, id).isPresent()) {
            return;
        }
        ObjectNode args = request.get("args") instanceof ObjectNode o ? o : JsonNodeFactory.instance.objectNode();
        ObjectNode action;
        try {
            action = actions.document(namespace, name);
        } catch (ApiException e) {
            ObjectNode gone = JsonNodeFactory.instance.objectNode().put("namespace", namespace).put("name", name)
                    .put("version", "0.0.0");
            platform.state().record(ActivationJson.failed(gone, id, request.path("submitted").asLong(System.currentTimeMillis()),
                    "the action was deleted before its queued invocation ran: " + e.getMessage()));
            return;
        }
        run(new Invocation(specs.of(action), args, id, null), action, new AtomicBoolean(true), null);
    }

    /** An activation's record, and its held write when it is to be stored after the answer (else null: stored). */
    private record Ran(ObjectNode record, ActivationRecorder.Held toStore) {}

    private Ran run(Invocation invocation, ObjectNode action, AtomicBoolean abandoned, JsonNode cause) {
        long start = System.currentTimeMillis();
        ObjectNode record;
        try {
            ActivationRecord r = platform.invoker().invoke(invocation);
            record = ActivationJson.of(r, action);
        } catch (InvokerException.TooManyRequests | InvokerException.QueueTimeout e) {
            if (abandoned.compareAndSet(false, true)) {
                throw e; // the caller still waits: it answers 429, and nothing ran
            }
            record = ActivationJson.failed(action, invocation.activationId(), start, "too many requests: " + e.getMessage());
        } catch (RuntimeException e) {
            LOG.errorf(e, "activation %s of %s failed in the platform", invocation.activationId(), invocation.function().key());
            record = ActivationJson.failed(action, invocation.activationId(), start,
                    "the platform failed to run the action: " + e.getMessage());
        }
        if (cause != null && record.path("annotations").isArray()) {
            ((com.fasterxml.jackson.databind.node.ArrayNode) record.get("annotations")).addObject().put("key", "cause")
                    .set("value", cause.deepCopy());
        }
        record = ActivationJson.fit(record, platform.config().limits().recordMax());
        ActivationRecorder.Held held = recorder.hold(record);
        if (abandoned.get() || cause != null) {
            // nobody waits for the answer: a queued invocation is done only once its record is durable;
            // a caused one (a feed's) too: its caller commits the cause's offset after the answer
            held.store();
            return new Ran(record, null);
        }
        return new Ran(record, held);
    }

    private static ScheduledThreadPoolExecutor timers() {
        ScheduledThreadPoolExecutor t = new ScheduledThreadPoolExecutor(1, r -> {
            Thread thread = new Thread(r, "flint-invoke-wait");
            thread.setDaemon(true);
            return thread;
        });
        t.setRemoveOnCancelPolicy(true);
        return t;
    }

    private static InvokeOutcome accepted(String id) {
        ObjectNode body = JsonNodeFactory.instance.objectNode().put("activationId", id);
        return new InvokeOutcome(202, body, id);
    }
}
