package dev.flint.gateway.platform;

import dev.flint.gateway.GatewayConfig;
import dev.flint.gateway.api.ApiException;
import dev.flint.gateway.api.Errors;
import dev.flint.gateway.state.StateStore;
import dev.flint.images.BaseImages;
import dev.flint.images.Image;
import dev.flint.images.ImageRef;
import dev.flint.images.ImageStore;
import dev.flint.invoker.Invoker;
import dev.flint.invoker.InvokerConfig;
import dev.flint.pool.ImageLayers;
import dev.flint.sandbox.RuntimeConfig;
import dev.flint.sandbox.SandboxRuntime;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.jboss.logging.Logger;

/**
 * The standalone server's parts, started in order when Quarkus starts and closed in reverse when
 * it stops (docs/gateway.md):
 *
 * <ol>
 * <li>the state: an external Kafka, an embedded broker, or memory ({@link StateStores});</li>
 * <li>the first namespace, {@code guest}, when there is none ({@link GuestSeed});</li>
 * <li>the image store, with the base images built when missing;</li>
 * <li>the sandbox runtime and the invoker, its meters in Quarkus's registry;</li>
 * <li>stem cells of both base images.</li>
 * </ol>
 *
 * Until all of that is done the accessors answer 503, and readiness is down. Thread-safe.
 */
@Singleton
public class Platform {
    private static final Logger LOG = Logger.getLogger(Platform.class);

    @Inject
    GatewayConfig config;

    @Inject
    MeterRegistry meters;

    private volatile boolean ready;
    private volatile StateStores.Opened state;
    private volatile ImageStore images;
    private volatile Image busybox;
    private volatile Image python;
    private volatile SandboxRuntime runtime;
    private volatile Invoker invoker;
    private final ExecutorService activations = Executors.newCachedThreadPool(daemonThreads("flint-activation-"));

    void onStart(@Observes StartupEvent event) {
        long t0 = System.nanoTime();
        try {
            state = StateStores.open(config);
            GuestSeed.ensure(state.store(), config.dataDir());
            registerActivationGauges();
            images = ImageStore.open(config.imagesPath(), dev.flint.images.LayerLimits.defaults(), config.imagesTreeCachePath());
            busybox = baseImage(BaseImages.BUSYBOX);
            python = baseImage(BaseImages.PYTHON);
            runtime = SandboxRuntime.start(RuntimeConfig.defaults()
                    .withStateDir(config.sandboxStatePath())
                    .withCgroupParent(config.sandbox().cgroupParent()));
            invoker = Invoker.start(runtime, InvokerConfig.defaults(ImageLayers.of(python))
                    .withQueueBound(config.invoke().queueBound())
                    .withPythonZygote(config.invoke().pythonZygote()), meters);
            if (config.invoke().prewarm()) {
                invoker.prewarm(ImageLayers.of(busybox), dev.flint.gateway.actions.CodeDeployer.SHELL_FILE);
                invoker.prewarm(ImageLayers.of(python));
            }
        } catch (RuntimeException e) {
            LOG.errorf("flint: the server cannot start: %s", e.getMessage());
            closeAll(); // a broker or sandboxes started before the failure must not outlive it
            throw e;
        }
        ready = true;
        LOG.infof("flint: ready in %d ms (data in %s, images in %s, sandboxes on cgroup %s)",
                (System.nanoTime() - t0) / 1_000_000, config.dataDir(), images.root(), runtime.cgroupMode());
    }

    /** {@code flint_activations_stored} and {@code flint_activations_stored_bytes}: the activation view's size. */
    private void registerActivationGauges() {
        Gauge.builder("flint.activations.stored", this, p -> p.storedActivations().count())
                .description("Activation records held in the server's view (bounded by flint.activations.max-stored)")
                .register(meters);
        Gauge.builder("flint.activations.stored.bytes", this, p -> p.storedActivations().jsonBytes())
                .description("Serialised size of the activation records held").baseUnit("bytes")
                .register(meters);
    }

    private StateStore.StoredActivations storedActivations() {
        StateStores.Opened s = state;
        return s == null ? new StateStore.StoredActivations(0, 0) : s.store().storedActivations();
    }

    private Image baseImage(ImageRef ref) {
        return images.find(ref).orElseGet(() -> {
            LOG.infof("flint: %s is not in %s yet: building it (once; needs apt's package lists)", ref, images.root());
            return ref.equals(BaseImages.PYTHON)
                    ? BaseImages.buildPython(images, line -> LOG.info("flint: " + line))
                    : BaseImages.buildBusybox(images, line -> LOG.info("flint: " + line));
        });
    }

    void onStop(@Observes ShutdownEvent event) {
        closeAll();
        LOG.info("flint: stopped");
    }

    /** Stops in reverse order of start: activations (5 s to finish), invoker, sandboxes, state. */
    private synchronized void closeAll() {
        ready = false;
        activations.shutdown();
        try {
            if (!activations.awaitTermination(5, TimeUnit.SECONDS)) {
                activations.shutdownNow();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        closeQuietly("invoker", invoker);
        closeQuietly("sandbox runtime", runtime);
        closeQuietly("state", state);
        EarlyBroker.discard();
        invoker = null;
        runtime = null;
        state = null;
    }

    private static void closeQuietly(String what, AutoCloseable c) {
        if (c == null) {
            return;
        }
        try {
            c.close();
        } catch (Exception e) {
            LOG.warnf("flint: closing the %s failed: %s", what, e);
        }
    }

    /** Whether every part is up. */
    public boolean ready() {
        return ready;
    }

    public StateStore state() {
        StateStores.Opened s = state;
        if (s == null) {
            throw notReady();
        }
        return s.store();
    }

    /** Kafka's bootstrap servers, empty when the state is in memory (tests of the REST layer). */
    public java.util.Optional<String> kafkaBootstrap() {
        StateStores.Opened s = state;
        if (s == null) {
            throw notReady();
        }
        return java.util.Optional.ofNullable(s.bootstrap());
    }

    public Invoker invoker() {
        require();
        return invoker;
    }

    public ImageStore images() {
        require();
        return images;
    }

    /** The base image a kind's functions run on. */
    public Image busybox() {
        require();
        return busybox;
    }

    public Image python() {
        require();
        return python;
    }

    /** Where activations run in the background (non-blocking invokes, blocking ones past their wait). */
    public ExecutorService activations() {
        return activations;
    }

    public GatewayConfig config() {
        return config;
    }

    private void require() {
        if (!ready) {
            throw notReady();
        }
    }

    private static ApiException notReady() {
        return new ApiException(503, Errors.textFor(503));
    }

    private static ThreadFactory daemonThreads(String prefix) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, prefix + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }
}
