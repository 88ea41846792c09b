package dev.flint.gateway.api;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.flint.gateway.admin.AdminToken;
import dev.flint.gateway.admin.NamespaceAdmin;
import jakarta.inject.Inject;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/**
 * The admin API: namespaces and their keys, for the server's operator only (docs/gateway.md,
 * "Admin"). Every call wants {@code Authorization: Bearer <DATA/auth/admin-token>} ({@link AdminToken}).
 */
@Path("/admin/namespaces")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "admin")
public class AdminResource {
    @Inject
    AdminToken token;

    @Inject
    NamespaceAdmin admin;

    @GET
    @Operation(summary = "Every namespace with its keys' uuids (admin token)")
    public ArrayNode list(@HeaderParam(HttpHeaders.AUTHORIZATION) String authorization) {
        token.require(authorization);
        ArrayNode out = JsonNodeFactory.instance.arrayNode();
        admin.list().forEach(out::add);
        return out;
    }

    @POST
    @Path("{name}")
    @Operation(summary = "Create a namespace with a new key: {namespace, uuid, key: \"uuid:key\"}; 409 when it exists (admin token)")
    public ObjectNode create(@PathParam("name") String name, @HeaderParam(HttpHeaders.AUTHORIZATION) String authorization) {
        token.require(authorization);
        return admin.create(name);
    }

    @POST
    @Path("{name}/keys")
    @Operation(summary = "Add a key to a namespace: {namespace, uuid, key: \"uuid:key\"} (admin token)")
    public ObjectNode addKey(@PathParam("name") String name, @HeaderParam(HttpHeaders.AUTHORIZATION) String authorization) {
        token.require(authorization);
        return admin.addKey(name);
    }

    @DELETE
    @Path("{name}/keys/{uuid}")
    @Operation(summary = "Delete a namespace's key; it stops working at once. Answers the namespace's remaining keys (admin token)")
    public ObjectNode deleteKey(@PathParam("name") String name, @PathParam("uuid") String uuid,
            @HeaderParam(HttpHeaders.AUTHORIZATION) String authorization) {
        token.require(authorization);
        return admin.deleteKey(name, uuid);
    }
}
