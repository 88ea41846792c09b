package dev.flint.gateway.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.flint.gateway.actions.EntityNames;
import dev.flint.gateway.auth.Authenticator;
import dev.flint.gateway.platform.Platform;
import dev.flint.gateway.triggers.TriggerFiring;
import dev.flint.gateway.triggers.TriggerRequest;
import dev.flint.gateway.triggers.TriggerService;
import jakarta.inject.Inject;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.enums.SchemaType;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.RequestBody;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/** Triggers: create/update, get, delete, list and fire (OPENWHISK-API.md §5). */
@Path("/api/v1/namespaces/{ns}/triggers")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "triggers")
public class TriggersResource {
    @Inject
    Authenticator auth;

    @Inject
    TriggerService triggers;

    @Inject
    TriggerFiring firing;

    @Inject
    Platform platform;

    @GET
    @Operation(summary = "List triggers, newest first, without parameters (limit: default 30, 0 = 200, at most 200;"
            + " count=true gives {\"triggers\": N})")
    public JsonNode list(@PathParam("ns") String ns, @QueryParam("limit") String limit, @QueryParam("skip") String skip,
            @QueryParam("count") String count, @HeaderParam(HttpHeaders.AUTHORIZATION) String authorization) {
        String namespace = auth.authorize(authorization, ns);
        return Params.listing("triggers", limit, skip, count, () -> triggers.count(namespace), (s, l) -> triggers.list(namespace, s, l));
    }

    @GET
    @Path("{name}")
    @Operation(summary = "Get a trigger, with its rules: {\"ns/rule\": {action: {path, name}, status}}")
    public ObjectNode get(@PathParam("ns") String ns, @PathParam("name") String name,
            @HeaderParam(HttpHeaders.AUTHORIZATION) String authorization) {
        String namespace = auth.authorize(authorization, ns);
        return triggers.get(namespace, EntityNames.require("name", name));
    }

    @PUT
    @Path("{name}")
    @Operation(summary = "Create a trigger, or update it with overwrite=true (an update keeps what it does not mention, and its rules)")
    public ObjectNode put(@PathParam("ns") String ns, @PathParam("name") String name, @QueryParam("overwrite") String overwrite,
            @HeaderParam(HttpHeaders.AUTHORIZATION) String authorization, @HeaderParam(HttpHeaders.CONTENT_TYPE) String type,
            @RequestBody(description = "parameters, annotations, limits ({}), version, publish", content = @Content(
                    mediaType = MediaType.APPLICATION_JSON, schema = @Schema(type = SchemaType.OBJECT))) byte[] body) {
        String namespace = auth.authorize(authorization, ns);
        EntityNames.require("name", name);
        boolean replace = Params.bool("overwrite", overwrite, false);
        Params.requireJson(type);
        return triggers.put(namespace, name, replace, TriggerRequest.parse(Params.json(body)));
    }

    @DELETE
    @Path("{name}")
    @Operation(summary = "Delete a trigger; answers what it was (its rules stay, inactive)")
    public ObjectNode delete(@PathParam("ns") String ns, @PathParam("name") String name,
            @HeaderParam(HttpHeaders.AUTHORIZATION) String authorization) {
        String namespace = auth.authorize(authorization, ns);
        return triggers.delete(namespace, EntityNames.require("name", name));
    }

    @POST
    @Path("{name}")
    @Operation(summary = "Fire a trigger: each active rule invokes its action non-blocking with the trigger's parameters under"
            + " the payload; 202 {\"activationId\"} of the trigger activation, or 204 when no rule is active")
    public Response fire(@PathParam("ns") String ns, @PathParam("name") String name,
            @HeaderParam(HttpHeaders.AUTHORIZATION) String authorization, @HeaderParam(HttpHeaders.CONTENT_TYPE) String type,
            @Context HttpHeaders headers,
            @RequestBody(description = "the payload (merged over the trigger's parameters)", content = @Content(
                    mediaType = MediaType.APPLICATION_JSON, schema = @Schema(type = SchemaType.OBJECT))) byte[] body) {
        String namespace = auth.authorize(authorization, ns);
        EntityNames.require("name", name);
        Params.requireJson(type);
        long payloadMax = platform.config().limits().payloadMax();
        if (body != null && body.length > payloadMax) {
            throw new ApiException(413, "payload: " + body.length + " bytes is more than the " + payloadMax + " bytes allowed");
        }
        JsonNode payload = Params.json(body);
        if (!payload.isObject()) {
            throw ApiException.badField("payload", "must be a JSON object, got " + payload.getNodeType());
        }
        return firing.fire(namespace, name, (ObjectNode) payload, owHeaders(headers))
                .map(f -> Response.status(202).type(MediaType.APPLICATION_JSON_TYPE)
                        .entity(JsonNodeFactory.instance.objectNode().put("activationId", f.activationId()))
                        .header(ActionsResource.ACTIVATION_ID_HEADER, f.activationId()).build())
                .orElseGet(() -> Response.noContent().build());
    }

    /** The request's headers for {@code __ow_headers}: lower-case names, repeated values joined; never the API key. */
    private static Map<String, String> owHeaders(HttpHeaders headers) {
        Map<String, String> out = new TreeMap<>();
        headers.getRequestHeaders().forEach((k, v) -> {
            String name = k.toLowerCase(Locale.ROOT);
            if (!name.equals("authorization")) {
                out.put(name, String.join(",", v));
            }
        });
        return out;
    }
}
