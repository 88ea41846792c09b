package dev.flint.gateway.triggers;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.flint.gateway.actions.ActionRequest;
import dev.flint.gateway.api.ApiException;
import dev.flint.gateway.platform.Platform;
import dev.flint.gateway.state.StateStore;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Event;
import jakarta.inject.Inject;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Creating, updating, reading, listing and deleting triggers (OPENWHISK-API.md §5), and the links
 * from a trigger to its rules. Every write of one trigger document, its rules map included, is
 * serialised by a lock per trigger, so a rule's link and a concurrent trigger update cannot lose
 * each other. Callers holding a rule's lock may take a trigger's lock, never the reverse.
 * Each write fires a {@link TriggerChange}. Thread-safe.
 */
@ApplicationScoped
public class TriggerService {
    private final ConcurrentHashMap<String, Object> locks = new ConcurrentHashMap<>();

    @Inject
    Platform platform;

    @Inject
    Event<TriggerChange> changes;

    /**
     * Creates the trigger, or with {@code overwrite} updates it: an update keeps the parameters,
     * annotations and publish flag it does not mention, keeps the rules, and bumps the patch
     * version. 409 for an existing trigger without overwrite.
     */
    public ObjectNode put(String namespace, String name, boolean overwrite, TriggerRequest req) {
        String key = TriggerDocs.key(namespace, name);
        synchronized (lock(key)) {
            StateStore state = platform.state();
            ObjectNode existing = state.get(key).orElse(null);
            if (existing != null && !overwrite) {
                throw new ApiException(409, "resource already exists");
            }
            ObjectNode doc = JsonNodeFactory.instance.objectNode();
            doc.put("namespace", namespace);
            doc.put("name", name);
            doc.put("version", req.version() != null ? req.version()
                    : existing == null ? "0.0.1" : ActionRequest.bump(existing.path("version").asText("0.0.0")));
            doc.put("publish", req.publish() != null ? req.publish() : existing != null && existing.path("publish").asBoolean());
            doc.set("parameters", keep(req.parameters(), existing, "parameters"));
            doc.putObject("limits");
            doc.set("annotations", keep(req.annotations(), existing, "annotations"));
            if (existing != null && existing.has("rules")) {
                doc.set("rules", existing.get("rules"));
            }
            doc.put("updated", System.currentTimeMillis());
            state.put(key, doc);
            changes.fire(new TriggerChange(namespace, name, false));
            return doc;
        }
    }

    private static ArrayNode keep(ArrayNode given, ObjectNode existing, String field) {
        if (given != null) {
            return given;
        }
        return existing != null && existing.path(field).isArray() ? (ArrayNode) existing.get(field).deepCopy()
                : JsonNodeFactory.instance.arrayNode();
    }

    /** The trigger; 404 when there is none. */
    public ObjectNode get(String namespace, String name) {
        return find(namespace, name).orElseThrow(ApiException::notFound);
    }

    public Optional<ObjectNode> find(String namespace, String name) {
        return platform.state().get(TriggerDocs.key(namespace, name));
    }

    /** Deletes the trigger and answers what it was; its rules stay, inactive, as in OpenWhisk. 404 when there is none. */
    public ObjectNode delete(String namespace, String name) {
        String key = TriggerDocs.key(namespace, name);
        synchronized (lock(key)) {
            ObjectNode doc = get(namespace, name);
            platform.state().delete(key);
            changes.fire(new TriggerChange(namespace, name, true));
            return doc;
        }
    }

    /** Summaries, newest update first. */
    public List<ObjectNode> list(String namespace, int skip, int limit) {
        return all(namespace).stream().skip(skip).limit(limit).map(TriggerDocs::summary).toList();
    }

    public int count(String namespace) {
        return all(namespace).size();
    }

    private List<ObjectNode> all(String namespace) {
        return platform.state().list(TriggerDocs.prefix(namespace)).stream()
                .sorted(Comparator.comparingLong((ObjectNode d) -> d.path("updated").asLong()).reversed())
                .toList();
    }

    /**
     * Sets the trigger's link to {@code rule}: it fires {@code action} while {@code status} is
     * active. Returns false, changing nothing, when the trigger does not exist.
     */
    public boolean link(EntityRef trigger, EntityRef rule, EntityRef action, RuleStatus status) {
        String key = TriggerDocs.key(trigger);
        synchronized (lock(key)) {
            ObjectNode doc = platform.state().get(key).orElse(null);
            if (doc == null) {
                return false;
            }
            ObjectNode rules = doc.path("rules").isObject() ? (ObjectNode) doc.get("rules") : doc.putObject("rules");
            ObjectNode entry = JsonNodeFactory.instance.objectNode();
            entry.set("action", action.toJson());
            entry.put("status", status.text());
            rules.set(rule.asString(), entry);
            platform.state().put(key, doc);
            changes.fire(new TriggerChange(trigger.namespace(), trigger.name(), false));
            return true;
        }
    }

    /** Removes the trigger's link to {@code rule}, if the trigger and the link exist. */
    public void unlink(EntityRef trigger, EntityRef rule) {
        String key = TriggerDocs.key(trigger);
        synchronized (lock(key)) {
            ObjectNode doc = platform.state().get(key).orElse(null);
            if (doc == null || !doc.path("rules").has(rule.asString())) {
                return;
            }
            ((ObjectNode) doc.get("rules")).remove(rule.asString());
            platform.state().put(key, doc);
            changes.fire(new TriggerChange(trigger.namespace(), trigger.name(), false));
        }
    }

    private Object lock(String key) {
        return locks.computeIfAbsent(key, k -> new Object());
    }
}
