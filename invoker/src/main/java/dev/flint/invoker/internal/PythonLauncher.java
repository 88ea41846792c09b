package dev.flint.invoker.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.flint.sandbox.Instance;
import dev.flint.sandbox.ProcessSpec;
import dev.flint.sandbox.Sandbox;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * Starts the Python runtime in a sandbox (resources: runtime/python_loop.py): an interpreter that
 * has imported what activations need and waits, on fd 3, for its function's path and the first
 * request. A stem cell of the Python image holds one, so a new function's first invocation only
 * loads its code.
 */
public final class PythonLauncher {
    private static final String SOURCE = load();
    /** An idle instance lives as long as its sandbox; the pool's idle TTL ends it long before this. */
    private static final Duration LIFETIME = Duration.ofHours(24);
    private static final Duration READY_WAIT = Duration.ofSeconds(30);
    private static final long READY_LINE_LIMIT = 4096;

    private final ObjectMapper json;

    public PythonLauncher(ObjectMapper json) {
        this.json = json;
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
        Instance instance = sandbox.start(ProcessSpec.builder("python3", "-u", "-c", SOURCE)
                .cwd("/tmp")
                .env("PYTHONDONTWRITEBYTECODE", "1")
                .env("LANG", "C.UTF-8")
                .timeout(LIFETIME)
                .build());
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

    private boolean isReady(byte[] line) {
        try {
            JsonNode n = json.readTree(line);
            return n != null && n.path("ready").asBoolean(false);
        } catch (IOException e) {
            return false;
        }
    }
}
