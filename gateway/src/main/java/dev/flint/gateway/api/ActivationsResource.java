package dev.flint.gateway.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.flint.gateway.actions.EntityNames;
import dev.flint.gateway.activations.ActivationJson;
import dev.flint.gateway.activations.ActivationRecorder;
import dev.flint.gateway.auth.Authenticator;
import dev.flint.gateway.platform.Platform;
import dev.flint.gateway.state.StateStore;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/** Activations: list, get, logs, result (OPENWHISK-API.md §4). A record exists once its activation has ended. */
@Path("/api/v1/namespaces/{ns}/activations")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "activations")
public class ActivationsResource {
    @Inject
    Authenticator auth;

    @Inject
    Platform platform;

    @Inject
    ActivationRecorder recorder;

    @GET
    @Operation(summary = "List activations, newest first: name, since and upto (epoch ms), skip, limit, docs=true for full"
            + " records, count=true for {\"activations\": N}")
    public JsonNode list(@PathParam("ns") String ns, @QueryParam("name") String name, @QueryParam("since") String since,
            @QueryParam("upto") String upto, @QueryParam("skip") String skip, @QueryParam("limit") String limit,
            @QueryParam("docs") String docs, @QueryParam("count") String count,
            @HeaderParam(HttpHeaders.AUTHORIZATION) String authorization) {
        String namespace = auth.authorize(authorization, ns);
        String action = name == null || name.isEmpty() ? null : actionName(name);
        long from = Params.number("since", since, 0, 0, Long.MAX_VALUE);
        long to = Params.number("upto", upto, Long.MAX_VALUE, 0, Long.MAX_VALUE);
        int s = Params.skip(skip);
        int l = Params.limit(limit);
        boolean full = Params.bool("docs", docs, false);
        boolean counting = Params.bool("count", count, false);
        if (full && counting) {
            throw ApiException.badField("count", "count=true and docs=true cannot be combined");
        }
        recorder.awaitPending(namespace, java.time.Duration.ofSeconds(2)); // what callers were answered about is listed
        StateStore state = platform.state();
        if (counting) {
            return JsonNodeFactory.instance.objectNode().put("activations", state.countActivations(namespace, action, from, to));
        }
        ArrayNode out = JsonNodeFactory.instance.arrayNode();
        for (ObjectNode a : state.activations(namespace, action, from, to, s, l)) {
            out.add(full ? a : ActivationJson.summary(a));
        }
        return out;
    }

    @GET
    @Path("{id}")
    @Operation(summary = "One activation; 404 until it has ended")
    public ObjectNode get(@PathParam("ns") String ns, @PathParam("id") String id,
            @HeaderParam(HttpHeaders.AUTHORIZATION) String authorization) {
        return find(auth.authorize(authorization, ns), id);
    }

    @GET
    @Path("{id}/logs")
    @Operation(summary = "An activation's log lines: {\"logs\": [...]}")
    public ObjectNode logs(@PathParam("ns") String ns, @PathParam("id") String id,
            @HeaderParam(HttpHeaders.AUTHORIZATION) String authorization) {
        ObjectNode a = find(auth.authorize(authorization, ns), id);
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        o.set("logs", a.path("logs").deepCopy());
        return o;
    }

    @GET
    @Path("{id}/result")
    @Operation(summary = "An activation's response: {result, success, status, size}")
    public ObjectNode result(@PathParam("ns") String ns, @PathParam("id") String id,
            @HeaderParam(HttpHeaders.AUTHORIZATION) String authorization) {
        return ActivationJson.result(find(auth.authorize(authorization, ns), id));
    }

    private ObjectNode find(String namespace, String id) {
        if (!ActivationJson.validId(id)) {
            throw ApiException.badField("activationId", "'" + id + "' is not an activation id (32 lower-case hex digits)");
        }
        // the record on its way first: it leaves pending only once the state has it, so looking
        // in the state first could miss it in both places when its write lands in between
        return recorder.pending(namespace, id).or(() -> platform.state().activation(namespace, id))
                .orElseThrow(ApiException::notFound);
    }

    /** An action name, or {@code pkg/name} (packages are not supported yet, so that finds nothing). */
    private static String actionName(String name) {
        for (String part : name.split("/", -1)) {
            EntityNames.require("name", part);
        }
        return name;
    }
}
