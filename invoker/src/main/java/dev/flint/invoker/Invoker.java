package dev.flint.invoker;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.flint.invoker.internal.ActivationEnv;
import dev.flint.invoker.internal.ExecRunner;
import dev.flint.invoker.internal.InstanceRunner;
import dev.flint.invoker.internal.PrestartedShell;
import dev.flint.invoker.internal.PythonLauncher;
import dev.flint.invoker.internal.RunReport;
import dev.flint.pool.HitKind;
import dev.flint.pool.ImageLayers;
import dev.flint.pool.Lease;
import dev.flint.pool.PoolSnapshot;
import dev.flint.pool.WarmPool;
import dev.flint.sandbox.Instance;
import dev.flint.sandbox.Sandbox;
import dev.flint.sandbox.SandboxRuntime;
import dev.flint.sandbox.SandboxSpec;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Runs activations (DESIGN.md §5-6): admits each under its function's concurrency limit, takes a
 * sandbox from the warm pool (warm, else a stem cell, else a new one), shows the function's code
 * in it, runs the function in its kind's mode and returns the {@link ActivationRecord}. What the
 * function does is never an exception: failures are statuses of the record. Only admission throws
 * ({@link InvokerException.TooManyRequests}, {@link InvokerException.QueueTimeout}), and
 * {@link InvokerException.Invalid} for a function this invoker cannot run.
 *
 * <p>Thread-safe: call {@link #invoke} from any number of threads. Close the invoker, then its
 * runtime.
 */
public final class Invoker implements AutoCloseable {
    private final InvokerConfig config;
    private final WarmPool pool;
    private final ConcurrencyLimiter limiter;
    private final InvokerMetrics metrics;
    private final ExecRunner exec;
    private final InstanceRunner instances;
    private final PythonLauncher python;
    private final Clock clock;
    /** Per base image, the script name of the shell function last run on it: its stem cells get that shell started ahead. */
    private final Map<ImageLayers, String> shellEntries;

    private Invoker(InvokerConfig config, WarmPool pool, InvokerMetrics metrics, ObjectMapper json, PythonLauncher python,
            Clock clock, Map<ImageLayers, String> shellEntries) {
        this.config = config;
        this.shellEntries = shellEntries;
        this.python = python;
        this.pool = pool;
        this.limiter = new ConcurrencyLimiter(config.queueBound());
        this.metrics = metrics;
        this.exec = new ExecRunner(json, config.maxResultBytes());
        this.instances = new InstanceRunner(json, config.maxResultBytes());
        this.clock = clock;
    }

    /** An invoker on {@code runtime}, its pool started, its meters in {@code registry}. */
    public static Invoker start(SandboxRuntime runtime, InvokerConfig config, MeterRegistry registry) {
        ObjectMapper json = new ObjectMapper();
        PythonLauncher python = new PythonLauncher(json, runtime, config.pythonZygote() ? config.pythonImage() : null);
        Map<ImageLayers, String> shellEntries = new ConcurrentHashMap<>();
        WarmPool pool = WarmPool.start(runtime, config.pool(), image -> SandboxSpec.builder()
                        .layers(image.dirs())
                        .memoryBytes(config.sandboxMemoryBytes())
                        .cpus(config.cpus())
                        .pidsMax(config.pidsMax())
                        .scratchBytes(config.scratchBytes())
                        .build(),
                (image, sandbox) -> {
                    String shellEntry = shellEntries.get(image);
                    if (image.equals(config.pythonImage())) {
                        python.start(sandbox); // a stem cell with the interpreter up
                    } else if (shellEntry != null) {
                        sandbox.prestart(PrestartedShell.bootstrap(shellEntry)); // the shell up (ADR 0017)
                    }
                },
                java.time.InstantSource.system());
        InvokerMetrics metrics = new InvokerMetrics(registry);
        metrics.bindPool(pool::snapshot);
        return new Invoker(config, pool, metrics, json, python, Clock.systemUTC(), shellEntries);
    }

    /**
     * Runs one activation and returns its record. Waits for a free slot of the function when it is
     * at its concurrency limit (until the invocation's deadline, or the function's timeout).
     *
     * @throws InvokerException.TooManyRequests when the function's queue is full
     * @throws InvokerException.QueueTimeout when the deadline passed while waiting
     */
    public ActivationRecord invoke(Invocation invocation) {
        FunctionSpec f = invocation.function();
        Instant arrived = clock.instant();
        Instant queueDeadline = invocation.deadline() != null ? invocation.deadline() : arrived.plus(f.limits().timeout());
        try (ConcurrencyLimiter.Permit permit = admit(f, queueDeadline)) {
            return run(invocation, f, arrived);
        }
    }

    private ConcurrencyLimiter.Permit admit(FunctionSpec f, Instant deadline) {
        try {
            return limiter.acquire(f.key().toString(), f.limits().concurrency(), deadline, clock);
        } catch (InvokerException.TooManyRequests e) {
            metrics.rejected(InvokerMetrics.TOO_MANY_REQUESTS);
            throw e;
        } catch (InvokerException.QueueTimeout e) {
            metrics.rejected(InvokerMetrics.QUEUE_TIMEOUT);
            throw e;
        }
    }

    private ActivationRecord run(Invocation invocation, FunctionSpec f, Instant arrived) {
        if (f.kind() == Kind.SHELL && !f.entry().equals(shellEntries.get(f.image()))) {
            shellEntries.put(f.image(), f.entry()); // what the image's next stem cells start ahead
        }
        Instant start = clock.instant();
        LogCollector logs = new LogCollector(f.limits().logBytes(), clock);
        ActivationEnv env = ActivationEnv.of(f, invocation.activationId(), start.plus(f.limits().timeout()));
        long t0 = System.nanoTime();
        Duration init = Duration.ZERO;
        HitKind hit = HitKind.COLD;
        RunReport report;
        Lease lease = null;
        try {
            lease = pool.acquire(f.poolKey(), f.image());
            hit = lease.kind();
            Sandbox sandbox = lease.sandbox();
            Instance instance = prepare(sandbox, f);
            if (hit != HitKind.WARM) {
                init = Duration.ofNanos(System.nanoTime() - t0);
            }
            report = instance != null
                    ? instances.run(sandbox, instance, f, env, invocation.payload(), logs)
                    : exec.run(sandbox, f, env, invocation.payload(), logs);
        } catch (RuntimeException e) {
            logs.finish();
            String why = e instanceof dev.flint.common.FlintException fe ? fe.describe() : e.toString();
            report = RunReport.failed(Status.PLATFORM_ERROR, "the platform failed to run the action: " + why, false, 0);
        }
        if (lease != null) {
            if (report.reusable()) {
                lease.release();
            } else {
                lease.discard();
            }
        }
        Instant end = clock.instant();
        ActivationRecord record = new ActivationRecord(invocation.activationId(), f.key().toString(), report.status(),
                report.result(), logs.lines(), logs.truncated(), start, end.isBefore(start) ? start : end,
                Duration.between(arrived, start), init, StartKind.of(hit), report.peakMemoryBytes());
        metrics.recorded(record, f.kind());
        return record;
    }

    /** Gives a sandbox that has not served the function yet its memory limit and code; for instance mode, the runtime up. */
    private Instance prepare(Sandbox sandbox, FunctionSpec f) {
        if (sandbox.memoryLimit() != f.limits().memoryBytes()) {
            sandbox.limitMemory(f.limits().memoryBytes()); // a stem cell is made before its function is known
        }
        if (f.kind().instanceMode()) {
            // the code is attached with the first request (InstanceRunner): init sends it once the code is there
            return sandbox.instance().orElseGet(() -> python.start(sandbox));
        }
        if (f.code() != null && !sandbox.attached()) {
            // An exec-mode run queues behind the attach in init; an instance (another kind's, about
            // to be ended) would need the wait.
            sandbox.attach(f.code(), FunctionSpec.CODE_PATH, sandbox.instance().isPresent());
        }
        return null;
    }

    /** Makes the image's stem cells from now on (a deploy calls it with the function's base image). */
    public void prewarm(ImageLayers image) {
        pool.prewarm(image);
    }

    /**
     * {@link #prewarm(ImageLayers)} for shell functions whose script is named {@code shellEntry}:
     * the image's stem cells hold that shell started ahead (ADR 0017) from the first one on, not
     * only after a shell function has run on the image.
     */
    public void prewarm(ImageLayers image, String shellEntry) {
        shellEntries.put(image, shellEntry);
        pool.prewarm(image);
    }

    public PoolSnapshot poolSnapshot() {
        return pool.snapshot();
    }

    /** Destroys every sandbox of the invoker's pool. Idempotent; the runtime stays open. */
    @Override
    public void close() {
        pool.close();
        python.close();
    }
}
