package dev.flint.gateway.actions;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.BooleanNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.flint.gateway.api.ApiException;
import dev.flint.gateway.platform.Platform;
import dev.flint.gateway.state.StateStore;
import dev.flint.images.ImageRef;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

/**
 * Creating, updating, reading, listing and deleting actions (OPENWHISK-API.md §2). Writes of one
 * action are serialised (a lock per name), so two concurrent updates cannot lose each other's
 * changes. Thread-safe.
 */
@ApplicationScoped
public class ActionService {
    private final ConcurrentHashMap<String, Object> locks = new ConcurrentHashMap<>();

    @Inject
    Platform platform;

    @Inject
    FunctionSpecs specs;

    /**
     * Creates the action, or with {@code overwrite} updates it: an update keeps what the request does
     * not mention, merges annotations and bumps the patch version. 409 for an existing action without
     * overwrite, 400 "exec undefined" for a create without exec.
     */
    public ObjectNode put(String namespace, String name, boolean overwrite, JsonNode body) {
        ActionRequest req = ActionRequest.parse(body, platform.config().limits());
        String key = ActionDocs.key(namespace, name);
        synchronized (locks.computeIfAbsent(key, k -> new Object())) {
            StateStore state = platform.state();
            ObjectNode existing = state.get(key).orElse(null);
            if (existing != null && !overwrite) {
                throw new ApiException(409, "resource already exists");
            }
            if (existing == null && req.exec() == null) {
                throw ApiException.badField("exec", "exec undefined");
            }
            ActionLimits limits = (existing == null ? ActionLimits.defaults() : ActionLimits.of(existing.path("limits")))
                    .merge(req.limits(), platform.config().limits());
            String version = req.version() != null ? req.version()
                    : existing == null ? "0.0.1" : ActionRequest.bump(existing.path("version").asText("0.0.0"));
            ExecSpec exec = req.exec() != null ? req.exec() : ExecSpec.of(existing.get("exec"));
            Deployment previous = existing == null ? null : ActionDocs.deployment(existing);
            Deployment deployment = req.exec() != null
                    ? CodeDeployer.deploy(platform.images(), namespace, name, version, exec)
                    : previous;
            ArrayNode parameters = req.parameters() != null ? req.parameters()
                    : existing != null ? (ArrayNode) existing.get("parameters").deepCopy() : JsonNodeFactory.instance.arrayNode();
            ArrayNode annotations = KeyValues.merge(existing == null ? null : existing.get("annotations"), req.delAnnotations(),
                    req.annotations());
            if (existing == null && !KeyValues.has(annotations, "provide-api-key")) {
                annotations = KeyValues.with(annotations, "provide-api-key", BooleanNode.FALSE);
            }
            annotations = KeyValues.with(annotations, "exec", TextNode.valueOf(exec.kindName()));

            ObjectNode doc = JsonNodeFactory.instance.objectNode();
            doc.put("namespace", namespace);
            doc.put("name", name);
            doc.put("version", version);
            doc.put("publish", req.publish() != null ? req.publish() : existing != null && existing.path("publish").asBoolean());
            doc.set("exec", exec.toJson(true));
            doc.set("parameters", parameters);
            doc.set("limits", limits.toJson());
            doc.set("annotations", annotations);
            doc.put("updated", System.currentTimeMillis());
            doc.set(Deployment.FIELD, deployment.toJson());
            state.put(key, doc);
            if (previous != null && !previous.image().equals(deployment.image())) {
                untag(previous);
            }
            specs.forget(namespace, name);
            return ActionDocs.view(doc, true);
        }
    }

    /** The stored document; 404 when there is none. */
    public ObjectNode document(String namespace, String name) {
        return platform.state().get(ActionDocs.key(namespace, name)).orElseThrow(ApiException::notFound);
    }

    public ObjectNode get(String namespace, String name, boolean withCode) {
        return ActionDocs.view(document(namespace, name), withCode);
    }

    /** Deletes the action and untags its function image; returns what it was. 404 when there is none. */
    public ObjectNode delete(String namespace, String name) {
        String key = ActionDocs.key(namespace, name);
        synchronized (locks.computeIfAbsent(key, k -> new Object())) {
            ObjectNode doc = document(namespace, name);
            platform.state().delete(key);
            untag(ActionDocs.deployment(doc));
            specs.forget(namespace, name);
            return ActionDocs.view(doc, true);
        }
    }

    /** Summaries, newest update first. */
    public List<ObjectNode> list(String namespace, int skip, int limit) {
        return all(namespace).stream().skip(skip).limit(limit).map(ActionDocs::summary).toList();
    }

    public int count(String namespace) {
        return all(namespace).size();
    }

    private List<ObjectNode> all(String namespace) {
        return platform.state().list(ActionDocs.prefix(namespace)).stream()
                .sorted(Comparator.comparingLong((ObjectNode d) -> d.path("updated").asLong()).reversed())
                .toList();
    }

    private void untag(Deployment deployment) {
        if (deployment.image().startsWith("flint-fn/")) {
            platform.images().remove(ImageRef.parse(deployment.image()));
        }
    }
}
