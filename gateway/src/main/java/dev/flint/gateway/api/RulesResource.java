package dev.flint.gateway.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.flint.gateway.actions.EntityNames;
import dev.flint.gateway.auth.Authenticator;
import dev.flint.gateway.triggers.RuleRequest;
import dev.flint.gateway.triggers.RuleService;
import dev.flint.gateway.triggers.RuleStatus;
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
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.enums.SchemaType;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.RequestBody;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/** Rules: create/update, get, delete, list, enable and disable (OPENWHISK-API.md §6). */
@Path("/api/v1/namespaces/{ns}/rules")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "rules")
public class RulesResource {
    @Inject
    Authenticator auth;

    @Inject
    RuleService rules;

    @GET
    @Operation(summary = "List rules, newest first, without status (limit: default 30, 0 = 200, at most 200;"
            + " count=true gives {\"rules\": N})")
    public JsonNode list(@PathParam("ns") String ns, @QueryParam("limit") String limit, @QueryParam("skip") String skip,
            @QueryParam("count") String count, @HeaderParam(HttpHeaders.AUTHORIZATION) String authorization) {
        String namespace = auth.authorize(authorization, ns);
        return Params.listing("rules", limit, skip, count, () -> rules.count(namespace), (s, l) -> rules.list(namespace, s, l));
    }

    @GET
    @Path("{name}")
    @Operation(summary = "Get a rule, with its status (active or inactive) as its trigger has it")
    public ObjectNode get(@PathParam("ns") String ns, @PathParam("name") String name,
            @HeaderParam(HttpHeaders.AUTHORIZATION) String authorization) {
        String namespace = auth.authorize(authorization, ns);
        return rules.get(namespace, EntityNames.require("name", name));
    }

    @PUT
    @Path("{name}")
    @Operation(summary = "Create a rule, active (trigger and action must exist), or update it with overwrite=true")
    public ObjectNode put(@PathParam("ns") String ns, @PathParam("name") String name, @QueryParam("overwrite") String overwrite,
            @HeaderParam(HttpHeaders.AUTHORIZATION) String authorization, @HeaderParam(HttpHeaders.CONTENT_TYPE) String type,
            @RequestBody(description = "{\"trigger\": \"/_/t\", \"action\": \"/_/a\"}, annotations, version, publish",
                    content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(type = SchemaType.OBJECT)))
            byte[] body) {
        String namespace = auth.authorize(authorization, ns);
        EntityNames.require("name", name);
        boolean replace = Params.bool("overwrite", overwrite, false);
        Params.requireJson(type);
        return rules.put(namespace, name, replace, RuleRequest.parse(Params.json(body), namespace));
    }

    @DELETE
    @Path("{name}")
    @Operation(summary = "Delete a rule; answers it with status inactive")
    public ObjectNode delete(@PathParam("ns") String ns, @PathParam("name") String name,
            @HeaderParam(HttpHeaders.AUTHORIZATION) String authorization) {
        String namespace = auth.authorize(authorization, ns);
        return rules.delete(namespace, EntityNames.require("name", name));
    }

    @POST
    @Path("{name}")
    @Operation(summary = "Enable or disable a rule: {\"status\": \"active\" | \"inactive\"}; 200 with plain-text OK, as OpenWhisk")
    public Response setStatus(@PathParam("ns") String ns, @PathParam("name") String name,
            @HeaderParam(HttpHeaders.AUTHORIZATION) String authorization, @HeaderParam(HttpHeaders.CONTENT_TYPE) String type,
            @RequestBody(description = "{\"status\": \"active\"} or {\"status\": \"inactive\"}", content = @Content(
                    mediaType = MediaType.APPLICATION_JSON, schema = @Schema(type = SchemaType.OBJECT))) byte[] body) {
        String namespace = auth.authorize(authorization, ns);
        EntityNames.require("name", name);
        Params.requireJson(type);
        rules.setStatus(namespace, name, RuleStatus.parse(Params.json(body)));
        return Response.ok("OK", MediaType.TEXT_PLAIN_TYPE).build();
    }
}
