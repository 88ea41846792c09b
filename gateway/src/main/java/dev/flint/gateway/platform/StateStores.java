package dev.flint.gateway.platform;

import dev.flint.gateway.GatewayConfig;
import dev.flint.gateway.state.ActivationRetention;
import dev.flint.gateway.state.EmbeddedKafka;
import dev.flint.gateway.state.KafkaStateStore;
import dev.flint.gateway.state.MemoryStateStore;
import dev.flint.gateway.state.StateStore;
import org.jboss.logging.Logger;

/**
 * Opens the server's state as configured: {@code flint.kafka.bootstrap} set, a Kafka store on that
 * broker; unset (standalone), an embedded broker under {@code <data-dir>/kafka} and a Kafka store on
 * it; {@code flint.state=memory}, an in-memory store (tests of the REST layer only: nothing survives).
 */
final class StateStores {
    private static final Logger LOG = Logger.getLogger(StateStores.class);
    private static final java.time.Duration CLOSE_WAIT = java.time.Duration.ofSeconds(20);

    private StateStores() {
    }

    /** The store, the broker it may own and where Kafka is (null in memory mode), closed together (store first). */
    record Opened(StateStore store, EmbeddedKafka broker, String bootstrap) implements AutoCloseable {
        /**
         * Closes both, but waits at most {@link #CLOSE_WAIT}: a broker whose shutdown hangs (Kafka can
         * wait minutes for its own threads) must not keep the server from exiting on SIGTERM.
         */
        @Override
        public void close() {
            Thread closer = new Thread(() -> {
                try {
                    store.close();
                } finally {
                    if (broker != null) {
                        broker.close();
                    }
                }
            }, "flint-state-close");
            closer.setDaemon(true);
            closer.start();
            try {
                closer.join(CLOSE_WAIT.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            if (closer.isAlive()) {
                LOG.warnf("flint: the state store and its broker did not close within %d s; exiting without them "
                        + "(acknowledged writes are on disk)", CLOSE_WAIT.toSeconds());
            }
        }
    }

    /** Where {@code flint topic} finds the server's Kafka: {@code <data-dir>/kafka-bootstrap}. */
    static final String BOOTSTRAP_FILE = "kafka-bootstrap";

    private static void announce(GatewayConfig config, String bootstrap) {
        java.nio.file.Path file = config.dataDir().resolve(BOOTSTRAP_FILE);
        try {
            java.nio.file.Files.createDirectories(config.dataDir());
            java.nio.file.Files.writeString(file, bootstrap + "\n");
        } catch (java.io.IOException e) {
            LOG.warnf("flint: cannot write %s (%s): flint topic needs --bootstrap", file, e.getMessage());
        }
    }

    /** The configured retention, or an {@link IllegalArgumentException} naming the setting. */
    private static ActivationRetention retention(GatewayConfig config) {
        GatewayConfig.Activations a = config.activations();
        try {
            return new ActivationRetention(a.retention(), a.maxStored());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("flint.activations.retention / flint.activations.max-stored: " + e.getMessage(), e);
        }
    }

    static Opened open(GatewayConfig config) {
        if (config.state().equals("memory")) {
            LOG.warn("flint: state in memory (flint.state=memory): nothing survives a restart");
            return new Opened(new MemoryStateStore(), null, null);
        }
        if (!config.state().equals("kafka")) {
            throw new IllegalArgumentException("flint.state: '" + config.state() + "' is neither kafka nor memory");
        }
        GatewayConfig.Kafka kafka = config.kafka();
        if (kafka.bootstrap().isPresent()) {
            String bootstrap = kafka.bootstrap().get();
            LOG.infof("flint: kafka at %s (external)", bootstrap);
            announce(config, bootstrap);
            return new Opened(KafkaStateStore.open(bootstrap, kafka.topicPrefix(), kafka.timeout(), retention(config)), null, bootstrap);
        }
        EmbeddedKafka broker = EarlyBroker.take(config.dataDir().resolve("kafka"), kafka.port());
        if (broker == null) {
            broker = EmbeddedKafka.start(config.dataDir().resolve("kafka"), kafka.port());
        }
        LOG.infof("flint: kafka at %s (embedded, data in %s)", broker.bootstrapServers(), config.dataDir().resolve("kafka"));
        announce(config, broker.bootstrapServers());
        try {
            return new Opened(KafkaStateStore.open(broker.bootstrapServers(), kafka.topicPrefix(), kafka.timeout(), retention(config)), broker,
                    broker.bootstrapServers());
        } catch (RuntimeException e) {
            broker.close();
            throw e;
        }
    }
}
