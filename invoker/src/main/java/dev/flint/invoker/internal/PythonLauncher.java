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
    private static final String SOURCE = load();
    /** An idle instance lives as long as its sandbox; the pool's idle TTL ends it long before this. */
    private static final Duration LIFETIME = Duration.ofHours(24);
    private static final Duration READY_WAIT = Duration.ofSeconds(30);
    private static final long READY_LINE_LIMIT = 4096;

    private static final String PROGRAM = "/usr/bin/python3";
    private static final Map<String, String> ENV = environment();
    /** Copies one zygote gives before the next sandbox gets a new zygote's. */
    public static final int ZYGOTE_COPIES = 256;
    /** How long one zygote gives copies. */
    public static final Duration ZYGOTE_AGE = Duration.ofMinutes(10);

    private final ObjectMapper json;
    /** The image the zygote runs; null: no zygote. */
    private final ImageLayers zygoteImage;
    private final ZygoteSupply zygotes;

    /** A launcher; with {@code zygoteImage} not null, that image's sandboxes get copies of a zygote. */
    public PythonLauncher(ObjectMapper json, SandboxRuntime runtime, ImageLayers zygoteImage) {
        this(json, runtime, zygoteImage, ZYGOTE_COPIES, ZYGOTE_AGE);
    }

    /** The same, with a zygote retired after {@code maxCopies} copies or {@code maxAge}, whichever comes first. */
    public PythonLauncher(ObjectMapper json, SandboxRuntime runtime, ImageLayers zygoteImage, int maxCopies, Duration maxAge) {
        this.json = json;
        this.zygoteImage = zygoteImage;
        this.zygotes = new ZygoteSupply(() -> runtime.startZygote(new ZygoteSpec(zygoteImage.dirs(),
                List.of(PROGRAM, "-u", "-c", Zygote.PRELUDE + SOURCE), ENV)), maxCopies, maxAge);
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
        Zygote z = takesCopies(sandbox) ? zygotes.lend() : null;
        Instance instance;
        if (z == null) {
            ProcessSpec.Builder spec = ProcessSpec.builder("python3", "-u", "-c", SOURCE).cwd("/tmp").timeout(LIFETIME);
            ENV.forEach(spec::env);
            instance = sandbox.start(spec.build());
        } else {
            boolean died = false;
            try {
                instance = sandbox.start(z, "/tmp", LIFETIME);
            } catch (SandboxException e) {
                died = !z.alive(); // the next sandbox gets a new zygote, or none
                throw e;
            } finally {
                zygotes.giveBack(z, died);
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

    /** Whether {@code sandbox} is one of the zygote's image's and can take a copy. */
    private boolean takesCopies(Sandbox sandbox) {
        return zygoteImage != null && sandbox.spec().layers().equals(zygoteImage.dirs()) && sandbox.takesZygoteCopies();
    }

    /** The pid of the zygote that gives copies now, or 0: for tests. */
    public int zygotePid() {
        return zygotes.currentPid();
    }

    /** Stops the zygotes, retired ones too, and starts no more; the interpreters they forked live on in their sandboxes. */
    @Override
    public void close() {
        zygotes.close();
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
