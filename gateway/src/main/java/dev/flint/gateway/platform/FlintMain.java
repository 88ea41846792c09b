package dev.flint.gateway.platform;

import io.quarkus.runtime.Quarkus;
import io.quarkus.runtime.annotations.QuarkusMain;

/**
 * The server's entry point: starts the embedded Kafka broker on a thread of its own
 * ({@link EarlyBroker}), then boots Quarkus, so the two overlap instead of following each other
 * (a third of the start each; docs/SPEC.md, G3).
 */
@QuarkusMain
public final class FlintMain {
    private FlintMain() {
    }

    public static void main(String... args) {
        EarlyBroker.startIfStandalone();
        Quarkus.run(args);
    }
}
