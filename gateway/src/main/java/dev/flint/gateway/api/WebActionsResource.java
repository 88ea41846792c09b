package dev.flint.gateway.api;

import dev.flint.gateway.web.WebArguments;
import dev.flint.gateway.web.WebInvoke;
import dev.flint.gateway.web.WebReply;
import dev.flint.gateway.web.WebRequest;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HEAD;
import jakarta.ws.rs.OPTIONS;
import jakarta.ws.rs.PATCH;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.security.SecurityRequirements;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/**
 * Web actions: {@code /api/v1/web/{ns}/default/{action}[.http|.json|.text|.html|.svg][/path]}, without
 * an API key (docs/gateway.md, "Web actions"). One method per HTTP method, each handing the request
 * to {@link WebInvoke}.
 */
@Path("/api/v1/web")
@Consumes(MediaType.WILDCARD)
@Tag(name = "web actions")
@SecurityRequirements
public class WebActionsResource {
    /** The action's URL: a namespace, a package ({@code default}), the name with its extension, then any path. */
    private static final String URL = "{ns}/{pkg}/{action}{path: (?:/.*)?}";
    private static final String SUMMARY = "Call a web action (annotated web-export: true) without a key; the extension picks the"
            + " answer: .http (or none) the result's {statusCode, headers, body}, .json the result, .text its text";

    @Inject
    WebInvoke web;

    @GET
    @Path(URL)
    @Operation(summary = SUMMARY)
    public Response get(@PathParam("ns") String ns, @PathParam("pkg") String pkg, @PathParam("action") String action,
            @PathParam("path") String path, @Context HttpHeaders headers, @Context UriInfo uri) {
        return handle("GET", ns, pkg, action, path, headers, uri, null);
    }

    @POST
    @Path(URL)
    @Operation(summary = SUMMARY)
    public Response post(@PathParam("ns") String ns, @PathParam("pkg") String pkg, @PathParam("action") String action,
            @PathParam("path") String path, @Context HttpHeaders headers, @Context UriInfo uri, byte[] body) {
        return handle("POST", ns, pkg, action, path, headers, uri, body);
    }

    @PUT
    @Path(URL)
    @Operation(summary = SUMMARY)
    public Response put(@PathParam("ns") String ns, @PathParam("pkg") String pkg, @PathParam("action") String action,
            @PathParam("path") String path, @Context HttpHeaders headers, @Context UriInfo uri, byte[] body) {
        return handle("PUT", ns, pkg, action, path, headers, uri, body);
    }

    @PATCH
    @Path(URL)
    @Operation(summary = SUMMARY)
    public Response patch(@PathParam("ns") String ns, @PathParam("pkg") String pkg, @PathParam("action") String action,
            @PathParam("path") String path, @Context HttpHeaders headers, @Context UriInfo uri, byte[] body) {
        return handle("PATCH", ns, pkg, action, path, headers, uri, body);
    }

    @DELETE
    @Path(URL)
    @Operation(summary = SUMMARY)
    public Response delete(@PathParam("ns") String ns, @PathParam("pkg") String pkg, @PathParam("action") String action,
            @PathParam("path") String path, @Context HttpHeaders headers, @Context UriInfo uri, byte[] body) {
        return handle("DELETE", ns, pkg, action, path, headers, uri, body);
    }

    @HEAD
    @Path(URL)
    @Operation(summary = SUMMARY)
    public Response head(@PathParam("ns") String ns, @PathParam("pkg") String pkg, @PathParam("action") String action,
            @PathParam("path") String path, @Context HttpHeaders headers, @Context UriInfo uri) {
        return handle("HEAD", ns, pkg, action, path, headers, uri, null);
    }

    @OPTIONS
    @Path(URL)
    @Operation(summary = "CORS preflight of a web action: 200 with CORS headers, or the action's own answer with"
            + " web-custom-options: true")
    public Response options(@PathParam("ns") String ns, @PathParam("pkg") String pkg, @PathParam("action") String action,
            @PathParam("path") String path, @Context HttpHeaders headers, @Context UriInfo uri) {
        return handle("OPTIONS", ns, pkg, action, path, headers, uri, null);
    }

    private Response handle(String method, String ns, String pkg, String action, String path, HttpHeaders headers, UriInfo uri,
            byte[] body) {
        Map<String, String> lower = new LinkedHashMap<>();
        headers.getRequestHeaders().forEach((name, values) -> lower.merge(name.toLowerCase(Locale.ROOT), String.join(", ", values),
                (a, b) -> a + ", " + b));
        String rawQuery = uri.getRequestUri().getRawQuery();
        WebRequest request = new WebRequest(method, lower, path, rawQuery, WebArguments.form(rawQuery),
                headers.getHeaderString(HttpHeaders.CONTENT_TYPE), body);
        WebReply reply = web.handle(ns, pkg, action, request);
        Response.ResponseBuilder r = Response.status(reply.status());
        for (Map.Entry<String, String> h : reply.headers()) {
            r.header(h.getKey(), h.getValue());
        }
        if (reply.contentType() != null) {
            r.header(HttpHeaders.CONTENT_TYPE, reply.contentType());
            r.entity(reply.body());
        }
        return r.build();
    }
}
