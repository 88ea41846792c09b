package dev.flint.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import picocli.CommandLine.Option;

/**
 * Which Kafka {@code flint topic} talks to: {@code --bootstrap HOST:PORT} (FLINT_KAFKA), else the
 * one the standalone server wrote to {@code $FLINT_DATA/kafka-bootstrap} at start. A picocli mixin.
 */
final class KafkaOptions {
    @Option(names = "--bootstrap", paramLabel = "HOST:PORT", defaultValue = "${env:FLINT_KAFKA}",
            description = "Kafka's bootstrap servers (default: $FLINT_KAFKA, else the standalone server's, "
                    + "from $FLINT_DATA/kafka-bootstrap).")
    String bootstrap;

    String bootstrap() {
        if (bootstrap != null && !bootstrap.isBlank()) {
            return bootstrap.strip();
        }
        Path file = Path.of(System.getenv().getOrDefault("FLINT_DATA", ApiOptions.DEFAULT_DATA), "kafka-bootstrap");
        try {
            return Files.readString(file, StandardCharsets.UTF_8).strip();
        } catch (IOException e) {
            throw new ApiClient.ApiException("no Kafka given and none announced at " + file,
                    "pass --bootstrap HOST:PORT (or set FLINT_KAFKA), or start the server (./flint server)");
        }
    }

    /** Client settings every topic verb shares: quick to fail when Kafka is not there. */
    Properties client() {
        Properties p = new Properties();
        p.put("bootstrap.servers", bootstrap());
        p.put("request.timeout.ms", "10000");
        p.put("default.api.timeout.ms", "15000");
        p.put("reconnect.backoff.max.ms", "1000");
        return p;
    }
}
