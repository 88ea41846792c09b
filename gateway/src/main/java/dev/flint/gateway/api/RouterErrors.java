package dev.flint.gateway.api;

import io.quarkus.runtime.configuration.MemorySize;
import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * What the HTTP layer answers before any REST method runs is JSON too (OpenWhisk's clients parse
 * only JSON replies): unknown routes, bodies over {@code quarkus.http.limits.max-body-size}
 * (checked from Content-Length first, so the body is never read), and Vert.x's own failures.
 */
@ApplicationScoped
public class RouterErrors {
    @ConfigProperty(name = "quarkus.http.limits.max-body-size")
    MemorySize maxBody;

    void install(@Observes Router router) {
        long max = maxBody.asLongValue();
        router.route().order(Integer.MIN_VALUE).handler(ctx -> {
            String length = ctx.request().getHeader(HttpHeaders.CONTENT_LENGTH);
            if (length != null && tooLong(length, max)) {
                ctx.response().putHeader(HttpHeaders.CONNECTION, "close");
                reply(ctx, 413, "The request content is larger than the server accepts (" + max + " bytes): body");
                return;
            }
            ctx.next();
        });
        for (int status : new int[] {400, 404, 405, 406, 413, 415, 500}) {
            router.errorHandler(status, ctx -> reply(ctx, status, Errors.textFor(status)));
        }
    }

    private static boolean tooLong(String length, long max) {
        try {
            return Long.parseLong(length.trim()) > max;
        } catch (NumberFormatException e) {
            return false;
        }
    }

    private static void reply(RoutingContext ctx, int status, String message) {
        if (ctx.response().ended()) {
            return;
        }
        if (ctx.response().headWritten()) {
            ctx.response().end();
            return;
        }
        ctx.response().setStatusCode(status)
                .putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
                .end(Errors.bodyText(message));
    }
}
