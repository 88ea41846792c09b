package dev.flint.invoker;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.flint.images.BaseImages;
import dev.flint.images.FunctionCode;
import dev.flint.images.FunctionImages;
import dev.flint.images.Image;
import dev.flint.images.ImageRef;
import dev.flint.images.ImageStore;
import dev.flint.images.Progress;
import dev.flint.pool.FunctionKey;
import dev.flint.pool.ImageLayers;
import dev.flint.sandbox.RuntimeConfig;
import dev.flint.sandbox.SandboxRuntime;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * What the invoker's integration tests share: a store with flint/busybox and flint/python:3 (built
 * once, kept between runs), a sandbox runtime with its own state dir and cgroup parent, and
 * helpers to turn source text into functions.
 */
final class InvokerFixture implements AutoCloseable {
    static final ObjectMapper JSON = new ObjectMapper();
    private static ImageLayers busybox;
    private static ImageLayers python;

    final Path dir;
    final ImageStore store;
    final SandboxRuntime runtime;
    private int next;

    private InvokerFixture(Path dir, ImageStore store, SandboxRuntime runtime) {
        this.dir = dir;
        this.store = store;
        this.runtime = runtime;
    }

    static InvokerFixture start(Path dir, String name) throws IOException {
        assumeTrue((Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid") == 0, "needs root");
        ImageStore store = ImageStore.open(Path.of(System.getProperty("flint.it.store", "target/it-store")));
        images(store);
        RuntimeConfig config = RuntimeConfig.defaults().withStateDir(dir.resolve("state")).withCgroupParent("flint-it-" + name);
        return new InvokerFixture(dir, store, SandboxRuntime.start(config));
    }

    private static synchronized void images(ImageStore store) {
        if (busybox == null) {
            busybox = ImageLayers.of(store.find(BaseImages.BUSYBOX).orElseGet(() -> BaseImages.buildBusybox(store, Progress.none())));
            python = ImageLayers.of(store.find(BaseImages.PYTHON).orElseGet(() -> BaseImages.buildPython(store, Progress.none())));
        }
    }

    /** The cgroups named {@code name} below the cgroup root, in every hierarchy (v1) or the one (v2), that exist. */
    static List<Path> cgroupsNamed(String name) {
        List<Path> candidates = new ArrayList<>(List.of(Path.of("/sys/fs/cgroup", name)));
        try (var hierarchies = Files.list(Path.of("/sys/fs/cgroup"))) {
            hierarchies.map(h -> h.resolve(name)).forEach(candidates::add);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return candidates.stream().filter(Files::exists).toList();
    }

    static ImageLayers busybox() {
        return busybox;
    }

    static ImageLayers python() {
        return python;
    }

    /** The directory of a code layer holding one file: what is shown at /function. */
    Path codeLayer(String fileName, String source) throws IOException {
        Path src = Files.createDirectories(dir.resolve("src-" + (next++)));
        Path file = Files.writeString(src.resolve(fileName), source);
        return FunctionImages.codeLayer(store, FunctionCode.file(file, fileName)).dir().resolve(FunctionImages.CODE_DIR);
    }

    FunctionSpec python(String name, String source, Limits limits) throws IOException {
        return FunctionSpec.python(FunctionKey.parse("guest/" + name), "r1", python, codeLayer("main.py", source), "main.py", limits);
    }

    FunctionSpec python(String name, String source) throws IOException {
        return python(name, source, Limits.defaults());
    }

    FunctionSpec shell(String name, String script, Limits limits) throws IOException {
        return FunctionSpec.shell(FunctionKey.parse("guest/" + name), "r1", busybox, codeLayer("main.sh", script), "main.sh", limits);
    }

    FunctionSpec shell(String name, String script) throws IOException {
        return shell(name, script, Limits.defaults());
    }

    static Invocation invocation(FunctionSpec f, String payloadJson) {
        try {
            return new Invocation(f, (ObjectNode) JSON.readTree(payloadJson), UUID.randomUUID().toString().replace("-", ""), null);
        } catch (IOException e) {
            throw new IllegalArgumentException(payloadJson, e);
        }
    }

    static String describe(ActivationRecord r) {
        return r.status() + " " + r.result() + " " + r.startKind() + " logs=" + r.logs().stream().map(LogLine::format).toList();
    }

    @Override
    public void close() {
        runtime.close();
    }
}
