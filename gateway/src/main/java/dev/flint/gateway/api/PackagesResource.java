package dev.flint.gateway.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.flint.gateway.auth.Authenticator;
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

/**
 * {@code GET /api/v1/namespaces/{ns}/packages}: Flint has no packages yet, so the list is empty
 * (OPENWHISK-API.md §7). {@code wsk list} and {@code wsk namespace get} list packages along with
 * actions, triggers and rules and fail as a whole when this call fails
 * ({@code apache/openwhisk-cli:commands/namespace.go}, {@code apache/openwhisk-client-go:whisk/package.go}).
 */
@Path("/api/v1/namespaces/{ns}/packages")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "packages")
public class PackagesResource {
    @Inject
    Authenticator auth;

    @GET
    @Operation(summary = "List packages: always empty, packages are not supported yet (limit, skip, public, docs are"
            + " checked; count=true gives {\"packages\": 0})")
    public JsonNode list(@PathParam("ns") String ns, @QueryParam("limit") String limit, @QueryParam("skip") String skip,
            @QueryParam("public") String isPublic, @QueryParam("docs") String docs, @QueryParam("count") String count,
            @HeaderParam(HttpHeaders.AUTHORIZATION) String authorization) {
        auth.authorize(authorization, ns);
        Params.limit(limit);
        Params.skip(skip);
        Params.bool("public", isPublic, false);
        Params.bool("docs", docs, false);
        if (Params.bool("count", count, false)) {
            return JsonNodeFactory.instance.objectNode().put("packages", 0);
        }
        return JsonNodeFactory.instance.arrayNode();
    }
}
