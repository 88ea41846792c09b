package dev.flint.gateway.api;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.flint.gateway.actions.ActionService;
import dev.flint.gateway.auth.Authenticator;
import dev.flint.gateway.triggers.RuleService;
import dev.flint.gateway.triggers.TriggerService;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/** {@code GET /api/v1/namespaces} and {@code GET /api/v1/namespaces/{ns}} (OPENWHISK-API.md §7). */
@Path("/api/v1/namespaces")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "namespaces")
public class NamespacesResource {
    @Inject
    Authenticator auth;

    @Inject
    ActionService actions;

    @Inject
    TriggerService triggers;

    @Inject
    RuleService rules;

    @GET
    @Operation(summary = "The caller's namespaces (one per key)")
    public ArrayNode list(@HeaderParam(HttpHeaders.AUTHORIZATION) String authorization) {
        return JsonNodeFactory.instance.arrayNode().add(auth.authenticate(authorization));
    }

    @GET
    @Path("{ns}")
    @Operation(summary = "The entities of a namespace: actions, triggers and rules (packages are empty for now)")
    public ObjectNode entities(@PathParam("ns") String ns, @HeaderParam(HttpHeaders.AUTHORIZATION) String authorization) {
        String namespace = auth.authorize(authorization, ns);
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        ArrayNode list = o.putArray("actions");
        actions.list(namespace, 0, Integer.MAX_VALUE).forEach(list::add);
        o.putArray("packages");
        ArrayNode triggerList = o.putArray("triggers");
        triggers.list(namespace, 0, Integer.MAX_VALUE).forEach(triggerList::add);
        ArrayNode ruleList = o.putArray("rules");
        rules.list(namespace, 0, Integer.MAX_VALUE).forEach(ruleList::add);
        return o;
    }
}
