package dev.flint.gateway.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.flint.gateway.actions.ActionService;
import dev.flint.gateway.actions.EntityNames;
import dev.flint.gateway.activations.InvokeService;
import dev.flint.gateway.auth.Authenticator;
import dev.flint.gateway.platform.Platform;
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
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.time.Duration;
import java.util.concurrent.CompletionStage;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.enums.SchemaType;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.RequestBody;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/** Actions: create/update, get, delete, list and invoke (OPENWHISK-API.md §2). */
@Path("/api/v1/namespaces/{ns}/actions")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "actions")
public class ActionsResource {
    static final String ACTIVATION_ID_HEADER = "x-openwhisk-activation-id";

    @Inject
    Authenticator auth;

    @Inject
    ActionService actions;

    @Inject
    InvokeService invokes;

    @Inject
    Platform platform;

    @GET
    @Operation(summary = "List actions, newest first (limit: default 30, 0 = 200, at most 200; count=true gives {\"actions\": N})")
    public JsonNode list(@PathParam("ns") String ns, @QueryParam("limit") String limit, @QueryParam("skip") String skip,
            @QueryParam("count") String count, @HeaderParam(HttpHeaders.AUTHORIZATION) String authorization) {
        String namespace = auth.authorize(authorization, ns);
        return Params.listing("actions", limit, skip, count, () -> actions.count(namespace), (s, l) -> actions.list(namespace, s, l));
    }

    @GET
    @Path("{name}")
    @Operation(summary = "Get an action (code=false leaves out its code)")
    public ObjectNode get(@PathParam("ns") String ns, @PathParam("name") String name, @QueryParam("code") String code,
            @HeaderParam(HttpHeaders.AUTHORIZATION) String authorization) {
        String namespace = auth.authorize(authorization, ns);
        boolean withCode = Params.bool("code", code, true);
        return actions.get(namespace, EntityNames.require("name", name), withCode);
    }

    @PUT
    @Path("{name}")
    @Operation(summary = "Create an action, or update it with overwrite=true (an update keeps what it does not mention)")
    public ObjectNode put(@PathParam("ns") String ns, @PathParam("name") String name, @QueryParam("overwrite") String overwrite,
            @HeaderParam(HttpHeaders.AUTHORIZATION) String authorization, @HeaderParam(HttpHeaders.CONTENT_TYPE) String type,
            @RequestBody(description = "exec {kind, code, binary, main, image}, parameters, limits, annotations, delAnnotations,"
                    + " version, publish", content = @Content(mediaType = MediaType.APPLICATION_JSON,
                    schema = @Schema(type = SchemaType.OBJECT))) byte[] body) {
        String namespace = auth.authorize(authorization, ns);
        EntityNames.require("name", name);
        boolean replace = Params.bool("overwrite", overwrite, false);
        Params.requireJson(type);
        return actions.put(namespace, name, replace, Params.json(body));
    }

    @DELETE
    @Path("{name}")
    @Operation(summary = "Delete an action; answers what it was")
    public ObjectNode delete(@PathParam("ns") String ns, @PathParam("name") String name,
            @HeaderParam(HttpHeaders.AUTHORIZATION) String authorization) {
        String namespace = auth.authorize(authorization, ns);
        return actions.delete(namespace, EntityNames.require("name", name));
    }

    @POST
    @Path("{name}")
    @Operation(summary = "Invoke an action: blocking=true waits (up to 60 s, or timeout ms) for the activation; result=true answers only its result")
    public CompletionStage<Response> invoke(@PathParam("ns") String ns, @PathParam("name") String name, @QueryParam("blocking") String blocking,
            @QueryParam("result") String result, @QueryParam("timeout") String timeout,
            @HeaderParam(HttpHeaders.AUTHORIZATION) String authorization, @HeaderParam(HttpHeaders.CONTENT_TYPE) String type,
            @RequestBody(description = "the action's arguments (merged over its parameters)", content = @Content(
                    mediaType = MediaType.APPLICATION_JSON, schema = @Schema(type = SchemaType.OBJECT))) byte[] body) {
        String namespace = auth.authorize(authorization, ns);
        EntityNames.require("name", name);
        boolean block = Params.bool("blocking", blocking, false);
        boolean resultOnly = Params.bool("result", result, false);
        long maxWait = platform.config().invoke().blockingWait().toMillis();
        long wait = Math.min(maxWait, Params.number("timeout", timeout, maxWait, 1, Long.MAX_VALUE));
        Params.requireJson(type);
        long payloadMax = platform.config().limits().payloadMax();
        if (body != null && body.length > payloadMax) {
            throw new ApiException(413, "payload: " + body.length + " bytes is more than the " + payloadMax + " bytes allowed");
        }
        JsonNode payload = Params.json(body);
        if (!payload.isObject()) {
            throw ApiException.badField("payload", "must be a JSON object of the action's arguments, got " + payload.getNodeType());
        }
        // Non-blocking for Vert.x: everything above is in memory; the activation runs on its own thread.
        return invokes.invokeAsync(namespace, name, (ObjectNode) payload, block, resultOnly, Duration.ofMillis(wait), null)
                .thenApply(outcome -> Response.status(outcome.status()).type(MediaType.APPLICATION_JSON_TYPE)
                        .entity(outcome.body()).header(ACTIVATION_ID_HEADER, outcome.activationId()).build());
    }

    @Path("{pkg}/{name}")
    @GET
    @Operation(summary = "Packaged actions are not supported yet: 404")
    public Response packagedGet(@PathParam("ns") String ns, @HeaderParam(HttpHeaders.AUTHORIZATION) String authorization) {
        auth.authorize(authorization, ns);
        throw ApiException.notFound();
    }

    @Path("{pkg}/{name}")
    @PUT
    @Operation(summary = "Packaged actions are not supported yet: 404 (no such package)")
    public Response packagedPut(@PathParam("ns") String ns, @HeaderParam(HttpHeaders.AUTHORIZATION) String authorization) {
        return packagedGet(ns, authorization);
    }

    @Path("{pkg}/{name}")
    @POST
    @Operation(summary = "Packaged actions are not supported yet: 404")
    public Response packagedPost(@PathParam("ns") String ns, @HeaderParam(HttpHeaders.AUTHORIZATION) String authorization) {
        return packagedGet(ns, authorization);
    }

    @Path("{pkg}/{name}")
    @DELETE
    @Operation(summary = "Packaged actions are not supported yet: 404")
    public Response packagedDelete(@PathParam("ns") String ns, @HeaderParam(HttpHeaders.AUTHORIZATION) String authorization) {
        return packagedGet(ns, authorization);
    }
}
