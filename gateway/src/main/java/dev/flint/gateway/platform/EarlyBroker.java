package dev.flint.gateway.platform;

import dev.flint.gateway.state.EmbeddedKafka;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import org.jboss.logging.Logger;

/**
 * The embedded broker, started before Quarkus boots, from the settings a launcher gives as system
 * properties or environment variables: only when {@code flint.data-dir} is given that way (as
 * {@code ./flint server} and the tests do), the state is Kafka and no external broker is named.
 * {@link StateStores} then {@link #take}s it when its directory and port are the configured ones;
 * otherwise it is closed and the state store starts its own, as without it. Thread-safe.
 */
final class EarlyBroker {
    private static final Logger LOG = Logger.getLogger(EarlyBroker.class);
    private static CompletableFuture<EmbeddedKafka> starting;

    private EarlyBroker() {
    }

    /** Starts the broker on a daemon thread when the settings allow it; returns at once. */
    static synchronized void startIfStandalone() {
        String dataDir = setting("flint.data-dir");
        String state = setting("flint.state");
        if (dataDir == null || setting("flint.kafka.bootstrap") != null || (state != null && !state.equals("kafka"))) {
            return;
        }
        String portSetting = setting("flint.kafka.port");
        int port;
        try {
            port = portSetting == null ? 0 : Integer.parseInt(portSetting);
        } catch (NumberFormatException e) {
            return; // Quarkus reports the bad setting
        }
        Path dir = Path.of(dataDir).resolve("kafka");
        starting = new CompletableFuture<>();
        CompletableFuture<EmbeddedKafka> future = starting;
        Thread t = new Thread(() -> {
            try {
                future.complete(EmbeddedKafka.start(dir, port));
            } catch (Throwable e) {
                future.completeExceptionally(e);
            }
        }, "flint-early-kafka");
        t.setDaemon(true);
        t.start();
    }

    /**
     * The early broker if it serves {@code dir} on {@code port} (0: any), else null (none was
     * started, it failed, or it is another one: then it is closed).
     */
    static synchronized EmbeddedKafka take(Path dir, int port) {
        CompletableFuture<EmbeddedKafka> future = starting;
        starting = null;
        if (future == null) {
            return null;
        }
        EmbeddedKafka broker;
        try {
            broker = future.get();
        } catch (ExecutionException e) {
            LOG.debugf("flint: the early start of kafka failed (%s); starting it again", e.getCause());
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
        if (broker.dataDir().toAbsolutePath().normalize().equals(dir.toAbsolutePath().normalize())
                && (port == 0 || broker.port() == port)) {
            return broker;
        }
        broker.close();
        return null;
    }

    /** Closes an early broker nobody took (the server failed before its state), once it has started. */
    static synchronized void discard() {
        CompletableFuture<EmbeddedKafka> future = starting;
        starting = null;
        if (future != null) {
            future.thenAccept(EmbeddedKafka::close);
        }
    }

    /** A setting from a system property, else its environment variable ({@code flint.data-dir}: {@code FLINT_DATA_DIR}). */
    private static String setting(String name) {
        String value = System.getProperty(name);
        if (value == null) {
            value = System.getenv(name.toUpperCase(java.util.Locale.ROOT).replace('.', '_').replace('-', '_'));
        }
        return value == null || value.isBlank() ? null : value;
    }
}
