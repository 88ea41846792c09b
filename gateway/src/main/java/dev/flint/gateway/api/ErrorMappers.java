package dev.flint.gateway.api;

import dev.flint.invoker.InvokerException;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Response;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/**
 * Every failure of a REST method becomes OpenWhisk's JSON error body with the right status: the
 * API's own {@link ApiException}, JAX-RS's (unknown path, method, media type), the invoker's
 * rejections, and anything unexpected as a 500 that is logged.
 */
public final class ErrorMappers {
    private static final Logger LOG = Logger.getLogger(ErrorMappers.class);

    @ServerExceptionMapper
    public Response api(ApiException e) {
        return Errors.response(e.status(), e.getMessage(), e.headers());
    }

    @ServerExceptionMapper
    public Response jaxrs(WebApplicationException e) {
        int status = e.getResponse().getStatus();
        return Errors.response(status, Errors.textFor(status));
    }

    @ServerExceptionMapper
    public Response invalid(InvokerException.Invalid e) {
        return Errors.response(400, e.getMessage());
    }

    @ServerExceptionMapper
    public Response tooMany(InvokerException.TooManyRequests e) {
        return Errors.response(429, "Too many requests: " + e.getMessage());
    }

    @ServerExceptionMapper
    public Response queueTimeout(InvokerException.QueueTimeout e) {
        return Errors.response(429, "Too many requests: " + e.getMessage());
    }

    @ServerExceptionMapper
    public Response unexpected(Throwable e) {
        LOG.error("request failed", e);
        return Errors.response(500, "The server could not answer the request: " + e.getClass().getSimpleName());
    }
}
