package dev.flint.gateway.triggers;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.flint.gateway.actions.ActionDocs;
import dev.flint.gateway.actions.ActionRequest;
import dev.flint.gateway.api.ApiException;
import dev.flint.gateway.platform.Platform;
import dev.flint.gateway.state.StateStore;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Rules (OPENWHISK-API.md §6): documents {@code rules/<ns>/<name>} holding {@code namespace, name,
 * trigger {path, name}, action {path, name}, version, publish, annotations, updated}. A rule's
 * status is not stored with it but on its trigger's link ({@link TriggerService#link}), as in
 * OpenWhisk: a rule whose trigger is gone is inactive. Writes of one rule are serialised by a lock
 * per rule, taken before any trigger's lock. Thread-safe.
 */
@ApplicationScoped
public class RuleService {
    public static final String PREFIX = "rules/";
    private final ConcurrentHashMap<String, Object> locks = new ConcurrentHashMap<>();

    @Inject
    Platform platform;

    @Inject
    TriggerService triggers;

    static String key(String namespace, String name) {
        return PREFIX + namespace + "/" + name;
    }

    /**
     * Creates the rule, active, or with {@code overwrite} updates it (keeping its status, moving its
     * link when the trigger changes). The trigger and the action must exist (400 "trigger /ns/t does
     * not exist") and be in the caller's namespace (403); 409 for an existing rule without overwrite.
     */
    public ObjectNode put(String namespace, String name, boolean overwrite, RuleRequest req) {
        String key = key(namespace, name);
        EntityRef rule = new EntityRef(namespace, name);
        synchronized (lock(key)) {
            StateStore state = platform.state();
            ObjectNode existing = state.get(key).orElse(null);
            if (existing != null && !overwrite) {
                throw new ApiException(409, "resource already exists");
            }
            if (existing == null && (req.trigger() == null || req.action() == null)) {
                throw ApiException.badField(req.trigger() == null ? "trigger" : "action",
                        "a rule needs a trigger and an action, such as {\"trigger\": \"/_/t\", \"action\": \"/_/a\"}");
            }
            EntityRef oldTrigger = existing == null ? null : EntityRef.of(existing.path("trigger"));
            EntityRef trigger = req.trigger() != null ? req.trigger() : oldTrigger;
            EntityRef action = req.action() != null ? req.action() : EntityRef.of(existing.path("action"));
            requireOwn(namespace, trigger);
            requireOwn(namespace, action);
            if (triggers.find(trigger.namespace(), trigger.name()).isEmpty()) {
                throw new ApiException(400, "trigger " + trigger.withLeadingSlash() + " does not exist");
            }
            if (state.get(ActionDocs.key(action.namespace(), action.name())).isEmpty()) {
                throw new ApiException(400, "action " + action.withLeadingSlash() + " does not exist");
            }
            RuleStatus status = existing == null ? RuleStatus.ACTIVE
                    : TriggerDocs.statusOf(triggers.find(oldTrigger.namespace(), oldTrigger.name()).orElse(null), rule);

            ObjectNode doc = JsonNodeFactory.instance.objectNode();
            doc.put("namespace", namespace);
            doc.put("name", name);
            doc.set("trigger", trigger.toJson());
            doc.set("action", action.toJson());
            doc.put("version", req.version() != null ? req.version()
                    : existing == null ? "0.0.1" : ActionRequest.bump(existing.path("version").asText("0.0.0")));
            doc.put("publish", req.publish() != null ? req.publish() : existing != null && existing.path("publish").asBoolean());
            doc.set("annotations", req.annotations() != null ? req.annotations()
                    : existing != null ? existing.path("annotations").deepCopy() : JsonNodeFactory.instance.arrayNode());
            doc.put("updated", System.currentTimeMillis());
            if (!triggers.link(trigger, rule, action, status)) {
                throw new ApiException(400, "trigger " + trigger.withLeadingSlash() + " does not exist");
            }
            if (oldTrigger != null && !oldTrigger.equals(trigger)) {
                triggers.unlink(oldTrigger, rule);
            }
            state.put(key, doc);
            return view(doc, status);
        }
    }

    /** The rule with its status worked out from its trigger's link; 404 when there is none. */
    public ObjectNode get(String namespace, String name) {
        ObjectNode doc = document(namespace, name);
        EntityRef trigger = EntityRef.of(doc.path("trigger"));
        RuleStatus status = TriggerDocs.statusOf(triggers.find(trigger.namespace(), trigger.name()).orElse(null),
                new EntityRef(namespace, name));
        return view(doc, status);
    }

    /** Deletes the rule and its trigger's link to it; answers it with status inactive. 404 when there is none. */
    public ObjectNode delete(String namespace, String name) {
        String key = key(namespace, name);
        synchronized (lock(key)) {
            ObjectNode doc = document(namespace, name);
            triggers.unlink(EntityRef.of(doc.path("trigger")), new EntityRef(namespace, name));
            platform.state().delete(key);
            return view(doc, RuleStatus.INACTIVE);
        }
    }

    /**
     * Enables or disables the rule on its trigger; nothing changes when it already has that status.
     * 404 when the rule, or its trigger, does not exist.
     */
    public void setStatus(String namespace, String name, RuleStatus status) {
        String key = key(namespace, name);
        synchronized (lock(key)) {
            ObjectNode doc = document(namespace, name);
            EntityRef rule = new EntityRef(namespace, name);
            EntityRef trigger = EntityRef.of(doc.path("trigger"));
            ObjectNode triggerDoc = triggers.find(trigger.namespace(), trigger.name())
                    .orElseThrow(() -> new ApiException(404, "Only rules with existing triggers can be activated"));
            if (TriggerDocs.statusOf(triggerDoc, rule) == status) {
                return;
            }
            if (!triggers.link(trigger, rule, EntityRef.of(doc.path("action")), status)) {
                throw new ApiException(404, "Only rules with existing triggers can be activated");
            }
        }
    }

    /** The stored rules, newest update first, without status (as OpenWhisk lists them). */
    public List<ObjectNode> list(String namespace, int skip, int limit) {
        return all(namespace).stream().skip(skip).limit(limit).toList();
    }

    public int count(String namespace) {
        return all(namespace).size();
    }

    private List<ObjectNode> all(String namespace) {
        return platform.state().list(PREFIX + namespace + "/").stream()
                .sorted(Comparator.comparingLong((ObjectNode d) -> d.path("updated").asLong()).reversed())
                .toList();
    }

    private ObjectNode document(String namespace, String name) {
        return platform.state().get(key(namespace, name)).orElseThrow(ApiException::notFound);
    }

    /** A rule may name only entities of its own namespace (there are no shared packages to read from). */
    private static void requireOwn(String namespace, EntityRef ref) {
        if (!ref.namespace().equals(namespace)) {
            throw new ApiException(403, "The supplied authentication is not authorized to access '" + ref.namespace() + "'.");
        }
    }

    private static ObjectNode view(ObjectNode doc, RuleStatus status) {
        ObjectNode v = JsonNodeFactory.instance.objectNode();
        v.put("namespace", doc.path("namespace").asText());
        v.put("name", doc.path("name").asText());
        v.put("status", status.text());
        v.set("trigger", doc.path("trigger").deepCopy());
        v.set("action", doc.path("action").deepCopy());
        v.put("version", doc.path("version").asText());
        v.put("publish", doc.path("publish").asBoolean(false));
        v.set("annotations", doc.path("annotations").deepCopy());
        v.put("updated", doc.path("updated").asLong());
        return v;
    }

    private Object lock(String key) {
        return locks.computeIfAbsent(key, k -> new Object());
    }
}
