package dev.flint.gateway.health;

import dev.flint.gateway.platform.Platform;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/** Ready when the platform has started (state, images, invoker) and the state store answers a read. */
@Readiness
@ApplicationScoped
public class PlatformReadiness implements HealthCheck {
    @Inject
    Platform platform;

    @Override
    public HealthCheckResponse call() {
        var r = HealthCheckResponse.named("flint");
        if (!platform.ready()) {
            return r.down().withData("reason", "starting").build();
        }
        try {
            platform.state().get("namespaces/_health");
            platform.invoker();
            return r.up().build();
        } catch (RuntimeException e) {
            return r.down().withData("reason", String.valueOf(e.getMessage())).build();
        }
    }
}
