package dev.flint.gateway;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/** The standalone server's settings ({@code flint.*}, docs/gateway.md). */
@ConfigMapping(prefix = "flint")
public interface GatewayConfig {

    /** Where the server keeps everything: images, the embedded Kafka broker's log, the guest key. */
    @WithDefault("/var/lib/flint")
    Path dataDir();

    /** The image store (base images and function code); default {@code <data-dir>/images}. */
    Optional<Path> imagesDir();

    /** Where the trees of small layers (function code) are cached; default in memory, {@code /dev/shm/flint-trees}. */
    Optional<Path> imagesTreeCache();

    /** {@code kafka} (the default: embedded or external broker) or {@code memory} (tests of the REST layer only). */
    @WithDefault("kafka")
    String state();

    Kafka kafka();

    Sandbox sandbox();

    Limits limits();

    Invoke invoke();

    Activations activations();

    /** Kafka settings. */
    interface Kafka {
        /** An external broker's bootstrap servers; unset: start an embedded broker under {@code <data-dir>/kafka}. */
        Optional<String> bootstrap();

        /** The embedded broker's port; 0 picks a free one. */
        @WithDefault("0")
        int port();

        /** The prefix of the state topics. */
        @WithDefault("flint")
        String topicPrefix();

        /** How long a state write may wait for Kafka. */
        @WithDefault("10s")
        Duration timeout();
    }

    /** Sandbox runtime settings. */
    interface Sandbox {
        /** The cgroup below which this server's sandboxes live. */
        @WithDefault("flint")
        String cgroupParent();

        /** The runtime's state directory; default {@code <data-dir>/run}. */
        Optional<Path> stateDir();
    }

    /** Bounds of an action's limits, in OpenWhisk's units. */
    interface Limits {
        /** Smallest time limit, ms. */
        @WithDefault("100")
        long timeoutMin();

        /** Largest time limit, ms. */
        @WithDefault("300000")
        long timeoutMax();

        /** Smallest memory limit, MB. */
        @WithDefault("128")
        long memoryMin();

        /** Largest memory limit, MB. */
        @WithDefault("512")
        long memoryMax();

        /** Smallest log limit, MB. */
        @WithDefault("0")
        long logsMin();

        /** Largest log limit, MB. */
        @WithDefault("10")
        long logsMax();

        /** Largest concurrency (activations of one action at once). */
        @WithDefault("100")
        int concurrencyMax();

        /**
         * Largest action code, bytes as sent (base64 counts as sent). Below OpenWhisk's 48 MB: the code
         * is kept in the action's document, and a state record holds at most 8 MiB.
         */
        @WithDefault("7000000")
        long codeMax();

        /** Largest stored activation record, bytes: log lines beyond it are dropped from the record. */
        @WithDefault("7000000")
        long recordMax();

        /** Largest invoke payload, bytes. */
        @WithDefault("1048576")
        long payloadMax();
    }

    /** Invocation settings. */
    interface Invoke {
        /** How long a blocking invoke waits before answering 202 with the activation id. */
        @WithDefault("60s")
        Duration blockingWait();

        /** Invocations of one action that may wait for a free slot; more get 429. */
        @WithDefault("64")
        int queueBound();

        /** Whether to make stem cells of the base images at start. */
        @WithDefault("true")
        boolean prewarm();

        /** Whether Python interpreters are forked from a per-image zygote (ADR 0015) or each started in its sandbox. */
        @WithDefault("true")
        boolean pythonZygote();
    }

    /** How many activation records are kept (docs/gateway.md, "Activation retention"). */
    interface Activations {
        /** How long Kafka keeps an activation record (the topic's retention.ms); at least 1 minute. */
        @WithDefault("7d")
        Duration retention();

        /** How many records the server's in-memory view holds at most; the oldest leave first. */
        @WithDefault("200000")
        long maxStored();
    }

    /** The image store's directory. */
    default Path imagesPath() {
        return imagesDir().orElse(dataDir().resolve("images"));
    }

    /** The root of the small-layer tree cache (docs/images.md). */
    default Path imagesTreeCachePath() {
        return imagesTreeCache().orElse(dev.flint.images.ImageStore.MEMORY_TREE_CACHE);
    }

    /** The sandbox runtime's state directory. */
    default Path sandboxStatePath() {
        return sandbox().stateDir().orElse(dataDir().resolve("run"));
    }
}
