package dev.flint.gateway.api;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/**
 * {@code GET /api/v1}: the API's description, without a key, as OpenWhisk's controller answers it.
 * {@code wsk property get --all} (and {@code --apibuild}, {@code --apibuildno}) reads {@code build}
 * and {@code buildno} from it, sending no {@code Authorization} header
 * ({@code apache/openwhisk-client-go:whisk/info.go}, {@code apache/openwhisk-cli:commands/property.go}).
 */
@Path("/api/v1")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "info")
public class InfoResource {
    @ConfigProperty(name = "quarkus.application.version", defaultValue = "unknown")
    String version;

    @GET
    @Operation(summary = "The API's description (no key needed): description, api_version, api_version_path, build, buildno")
    public ObjectNode info() {
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        o.put("description", "Flint, an OpenWhisk-compatible API");
        o.put("api_version", "1.0.0");
        o.put("api_version_path", "v1");
        o.put("build", "flint-" + version);
        o.put("buildno", version);
        return o;
    }
}
