package dev.flint.gateway.platform;

import dev.flint.gateway.GatewayConfig;
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

    private StateStores() {
    }

    /** The store, the broker it may own and where Kafka is (null in memory mode), closed together (store first). */
    record Opened(StateStore store, EmbeddedKafka broker, String bootstrap) implements AutoCloseable {
        @Override
        public void close() {
            try {
                store.close();
            } finally {
                if (broker != null) {
                    broker.close();
                }
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
            return new Opened(KafkaStateStore.open(bootstrap, kafka.topicPrefix(), kafka.timeout()), null, bootstrap);
        }
        EmbeddedKafka broker = EmbeddedKafka.start(config.dataDir().resolve("kafka"), kafka.port());
        LOG.infof("flint: kafka at %s (embedded, data in %s)", broker.bootstrapServers(), config.dataDir().resolve("kafka"));
        announce(config, broker.bootstrapServers());
        try {
            return new Opened(KafkaStateStore.open(broker.bootstrapServers(), kafka.topicPrefix(), kafka.timeout()), broker,
                    broker.bootstrapServers());
        } catch (RuntimeException e) {
            broker.close();
            throw e;
        }
    }
}
