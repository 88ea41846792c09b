package dev.flint.invoker.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.flint.pool.ImageLayers;
import dev.flint.sandbox.Instance;
import dev.flint.sandbox.ProcessSpec;
import dev.flint.sandbox.Sandbox;
import dev.flint.sandbox.SandboxException;
import dev.flint.sandbox.SandboxRuntime;
import dev.flint.sandbox.Zygote;
import dev.flint.sandbox.ZygoteSpec;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Starts the Python runtime in a sandbox (resources: runtime/python_loop.py): an interpreter that
 * has imported what activations need and waits, on fd 3, for its function's path and the first
 * request. A stem cell of the Python image holds one, so a new function's first invocation only
 * loads its code.
 *
 * <p>With a zygote (ADR 0015), the interpreter of each sandbox of the Python image is a copy forked
 * from one that has run the launcher's imports, so an idle one costs only the pages it has
 * written. The zygote starts with the first such sandbox and again after it died; when it cannot
 * start, interpreters are started in their sandboxes, as without one.
 *
 * <p>Copies of one zygote share its address-space layout and its hash seed (ADR 0015's security
 * review), so a zygote gives at most {@link #ZYGOTE_COPIES} copies and serves at most
 * {@link #ZYGOTE_AGE}; the next sandbox then gets a copy of a new one (ADR 0015's addendum). The
 * retired zygote is closed once the forks it was asked for are done; its copies live on.
 */
public final class PythonLauncher implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(PythonLauncher.class.getName());
    private static final String SOURCE = load();
    /** An idle instance lives as long as its sandbox; the pool's idle TTL ends it long before this. */
    private static final Duration LIFETIME = Duration.ofHours(24);
    private static final Duration READY_WAIT = Duration.ofSeconds(30);
    private static final long READY_LINE_LIMIT = 4096;

    private static final String PROGRAM = "/usr/bin/python3";
    private static final Map<String, String> ENV = environment();
    /** Zygote starts that may fail in a row before the launcher stops trying (and starts interpreters in place). */
    private static final int ZYGOTE_ATTEMPTS = 3;
    /** Copies one zygote gives before the next sandbox gets a new zygote's. */
    public static final int ZYGOTE_COPIES = 256;
    /** How long one zygote gives copies. */
    public static final Duration ZYGOTE_AGE = Duration.ofMinutes(10);

    private final ObjectMapper json;
    private final SandboxRuntime runtime;
    /** The image the zygote runs; null: no zygote. */
    private final ImageLayers zygoteImage;
    private final int maxCopies;
    private final long maxAgeNanos;
    /** Guarded by this: the zygote that gives copies now, and how many it gave since when. */
    private Zygote zygote;
    private int zygoteFailures;
    private int zygoteCopies;
    private long zygoteSince;
    /** Guarded by this: forks under way, per zygote; a retired zygote is closed when its count is 0. */
    private final Map<Zygote, Integer> forking = new HashMap<>();
    private final List<Zygote> retired = new ArrayList<>();

    /** A launcher; with {@code zygoteImage} not null, that image's sandboxes get copies of a zygote. */
    public PythonLauncher(ObjectMapper json, SandboxRuntime runtime, ImageLayers zygoteImage) {
        this(json, runtime, zygoteImage, ZYGOTE_COPIES, ZYGOTE_AGE);
    }

    /** The same, with a zygote retired after {@code maxCopies} copies or {@code maxAge}, whichever comes first. */
    public PythonLauncher(ObjectMapper json, SandboxRuntime runtime, ImageLayers zygoteImage, int maxCopies, Duration maxAge) {
        if (maxCopies < 1 || maxAge.isNegative() || maxAge.isZero()) {
            throw new IllegalArgumentException("a zygote must give at least one copy, for a positive time: "
                    + maxCopies + ", " + maxAge);
        }
        this.json = json;
        this.runtime = runtime;
        this.zygoteImage = zygoteImage;
        this.maxCopies = maxCopies;
        this.maxAgeNanos = maxAge.toNanos();
    }

    private static Map<String, String> environment() {
        Map<String, String> env = new LinkedHashMap<>(ProcessSpec.DEFAULT_ENV);
        env.put("PYTHONDONTWRITEBYTECODE", "1");
        env.put("LANG", "C.UTF-8");
        return Map.copyOf(env);
    }

    private static String load() {
        try (InputStream in = PythonLauncher.class.getResourceAsStream("/dev/flint/invoker/runtime/python_loop.py")) {
            if (in == null) {
                throw new IllegalStateException("runtime/python_loop.py is missing from the invoker's jar");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Starts the interpreter and waits for its ready line; throws (the sandbox destroyed) when it does not come. */
    public Instance start(Sandbox sandbox) {
        Zygote z = zygoteFor(sandbox);
        Instance instance;
        if (z == null) {
            ProcessSpec.Builder spec = ProcessSpec.builder("python3", "-u", "-c", SOURCE).cwd("/tmp").timeout(LIFETIME);
            ENV.forEach(spec::env);
            instance = sandbox.start(spec.build());
        } else {
            try {
                instance = sandbox.start(z, "/tmp", LIFETIME);
            } catch (SandboxException e) {
                if (!z.alive()) {
                    forget(z); // the next sandbox gets a new zygote, or none
                }
                throw e;
            } finally {
                forked(z);
            }
        }
        LineBuffer ready = new LineBuffer(READY_LINE_LIMIT);
        StringBuilder output = new StringBuilder();
        Instance.Listener listener = new Instance.Listener() {
            @Override
            public void channel(byte[] data, int offset, int length) {
                ready.accept(data, offset, length);
            }

            @Override
            public void output(boolean stderr, byte[] data, int offset, int length) {
                if (output.length() < READY_LINE_LIMIT) {
                    output.append(new String(data, offset, length, StandardCharsets.UTF_8));
                }
            }

            @Override
            public boolean complete() {
                return ready.complete();
            }
        };
        Instance.Result r = instance.converse(new byte[0], READY_WAIT, listener);
        if (r != Instance.Result.COMPLETE || !isReady(ready.bytes())) {
            sandbox.destroy();
            throw new RuntimeFailure("the Python runtime did not start (" + r + ", " + instance.outcome() + "): "
                    + (instance.error().isEmpty() ? output.toString().strip() : instance.error()),
                    "check that the image has python3 on its PATH");
        }
        instance.takeUsage(); // the next peak is the first activation's own
        return instance;
    }

    /**
     * The zygote for a sandbox of its image, started if need be, with one fork under way booked
     * (the caller ends it with {@link #forked}); null when there is none.
     */
    private synchronized Zygote zygoteFor(Sandbox sandbox) {
        if (zygoteImage == null || zygoteFailures >= ZYGOTE_ATTEMPTS
                || !sandbox.spec().layers().equals(zygoteImage.dirs()) || !sandbox.takesZygoteCopies()) {
            return null;
        }
        if (zygote != null && zygote.alive() && (zygoteCopies >= maxCopies || System.nanoTime() - zygoteSince >= maxAgeNanos)) {
            retire();
        }
        if (zygote != null && !zygote.alive()) {
            drop("between forks");
        }
        if (zygote == null) {
            try {
                zygote = runtime.startZygote(new ZygoteSpec(zygoteImage.dirs(),
                        List.of(PROGRAM, "-u", "-c", Zygote.PRELUDE + SOURCE), ENV));
            } catch (SandboxException e) {
                zygoteFailures++;
                LOG.log(System.Logger.Level.WARNING, "the Python zygote did not start (attempt " + zygoteFailures + " of "
                        + ZYGOTE_ATTEMPTS + "); interpreters start in their sandboxes meanwhile: " + e.getMessage());
                return null;
            }
            zygoteFailures = 0;
            zygoteCopies = 0;
            zygoteSince = System.nanoTime();
        }
        zygoteCopies++;
        forking.merge(zygote, 1, Integer::sum);
        return zygote;
    }

    /** A fork booked by {@link #zygoteFor} is over; a retired zygote with none left under way is closed. */
    private synchronized void forked(Zygote z) {
        if (forking.merge(z, -1, Integer::sum) == 0) {
            forking.remove(z);
            if (retired.remove(z)) {
                z.close();
            }
        }
    }

    /** The zygote gives no more copies: closed now, or when the forks it was asked for are done. */
    private void retire() {
        LOG.log(System.Logger.Level.DEBUG, "retiring the Python zygote (pid " + zygote.pid() + ") after " + zygoteCopies
                + " copies; the next sandbox gets a new one's");
        if (forking.containsKey(zygote)) {
            retired.add(zygote);
        } else {
            zygote.close();
        }
        zygote = null;
    }

    /** The pid of the zygote that gives copies now, or 0: for tests. */
    public synchronized int zygotePid() {
        return zygote == null ? 0 : zygote.pid();
    }

    private synchronized void forget(Zygote z) {
        if (zygote == z) {
            drop("during a fork");
            zygoteFailures++;
        }
    }

    /** Closes the zygote, which exited ({@code when} says when it was noticed); the next sandbox starts another. */
    private void drop(String when) {
        LOG.log(System.Logger.Level.WARNING, "the Python zygote (pid " + zygote.pid() + ") exited " + when + "; starting another");
        zygote.close();
        zygote = null;
    }

    /** Stops the zygotes, retired ones too; the interpreters they forked live on in their sandboxes. */
    @Override
    public synchronized void close() {
        if (zygote != null) {
            zygote.close();
            zygote = null;
        }
        retired.forEach(Zygote::close);
        retired.clear();
    }

    private boolean isReady(byte[] line) {
        try {
            JsonNode n = json.readTree(line);
            return n != null && n.path("ready").asBoolean(false);
        } catch (IOException e) {
            return false;
        }
    }
}
