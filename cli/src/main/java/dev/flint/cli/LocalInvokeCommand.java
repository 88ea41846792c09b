package dev.flint.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.flint.images.BaseImages;
import dev.flint.images.FunctionCode;
import dev.flint.images.FunctionImages;
import dev.flint.images.Image;
import dev.flint.images.ImageRef;
import dev.flint.images.ImageStore;
import dev.flint.invoker.ActivationRecord;
import dev.flint.invoker.FunctionSpec;
import dev.flint.invoker.Invocation;
import dev.flint.invoker.Invoker;
import dev.flint.invoker.InvokerConfig;
import dev.flint.invoker.Kind;
import dev.flint.invoker.Limits;
import dev.flint.invoker.LogLine;
import dev.flint.invoker.Status;
import dev.flint.pool.FunctionKey;
import dev.flint.pool.ImageLayers;
import dev.flint.pool.PoolConfig;
import dev.flint.sandbox.RuntimeConfig;
import dev.flint.sandbox.SandboxRuntime;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code flint local invoke FILE}: one activation of a function file through an invoker in this
 * process (the same code path as the server's, cold start included), the result on stdout and the
 * logs on stderr, or the whole activation record with {@code --json}. Base images that are missing
 * from the store are built first.
 */
@Command(name = "invoke", mixinStandardHelpOptions = true,
        description = "Run a function file (.py, a shell script, a zip or a directory) once and print its result.",
        footer = {"", "Exit status: 0 success; 1 the function failed (application or developer error, timeout, memory); "
                + "125 Flint failed.",
                "Example: ./flint local invoke hello.py -p name Flint",
                "Example: ./flint local invoke --kind shell count.sh -p n 3 --json"})
final class LocalInvokeCommand implements Callable<Integer> {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Spec
    CommandSpec spec;

    @Parameters(paramLabel = "FILE", description = "The function: a .py file (main(args)), a shell script, or a zip/directory.")
    Path file;

    @Option(names = "--kind", paramLabel = "KIND", description = "python:3 or shell (default: python:3 for .py, a zip or a "
            + "directory with __main__.py; shell otherwise).")
    String kind;

    @Option(names = {"-p", "--param"}, arity = "2", paramLabel = "KEY VALUE", description = "A parameter; VALUE is JSON when it "
            + "parses as JSON, else a string. Repeatable.")
    List<String> params = new ArrayList<>();

    @Option(names = "--json", description = "Print the whole activation record as JSON.")
    boolean json;

    @Option(names = "--timeout", paramLabel = "DURATION", defaultValue = "60s", description = "Time limit (default ${DEFAULT-VALUE}).")
    Duration timeout;

    @Option(names = "--memory", paramLabel = "SIZE", defaultValue = "256m", description = "Memory limit (default ${DEFAULT-VALUE}).")
    Sizes.Bytes memory;

    @Option(names = "--logs", paramLabel = "SIZE", defaultValue = "10m", description = "Most log bytes kept (default ${DEFAULT-VALUE}).")
    Sizes.Bytes logs;

    @Mixin
    StoreOption store;

    @Option(names = "--state-dir", paramLabel = "DIR", hidden = true, description = "Runtime state directory.")
    Path stateDir;

    @Override
    public Integer call() throws IOException {
        if (!Files.exists(file)) {
            throw new ParameterException(spec.commandLine(), "no such file: " + file);
        }
        Path path = file.toAbsolutePath().normalize();
        Kind k = kind != null ? Kind.parse(kind) : guessKind(path);
        if (k == Kind.BLACKBOX) {
            throw new ParameterException(spec.commandLine(), "--kind blackbox runs an image, not a file: deploy it through the server");
        }
        Limits limits = new Limits(timeout, memory.value(), logs.value(), 1);
        ObjectNode payload = payload();
        PrintWriter err = spec.commandLine().getErr();
        ImageStore images = store.openOrCreate();
        ImageLayers base = baseImage(images, k == Kind.PYTHON ? BaseImages.PYTHON : BaseImages.BUSYBOX, err);
        Path code = FunctionImages.codeLayer(images, FunctionCode.of(path)).dir().resolve(FunctionImages.CODE_DIR);
        String entry = Files.isDirectory(path) || path.toString().endsWith(".zip") ? (k == Kind.SHELL ? "exec" : "")
                : path.getFileName().toString();
        FunctionKey key = FunctionKey.parse("local/" + safeName(path));
        FunctionSpec function = new FunctionSpec(key, "local", k, base, code, entry, List.of(), null, java.util.Map.of(), limits);
        RuntimeConfig config = stateDir == null ? RuntimeConfig.defaults() : RuntimeConfig.defaults().withStateDir(stateDir);
        InvokerConfig invokerConfig = InvokerConfig.defaults(k == Kind.PYTHON ? base : null)
                .withPool(PoolConfig.defaults().withStemCells(0, 0))
                .withSandboxMemory(Math.max(memory.value(), 16L << 20), Math.min(64L << 20, memory.value() / 2));
        ActivationRecord record;
        try (SandboxRuntime runtime = SandboxRuntime.start(config);
             Invoker invoker = Invoker.start(runtime, invokerConfig, new SimpleMeterRegistry())) {
            record = invoker.invoke(new Invocation(function, payload, UUID.randomUUID().toString().replace("-", ""), null));
        }
        print(record, err);
        return record.status() == Status.SUCCESS ? 0 : record.status() == Status.PLATFORM_ERROR ? Flint.PLATFORM_FAILURE : 1;
    }

    private static Kind guessKind(Path path) {
        String name = path.getFileName().toString();
        if (name.endsWith(".py") || name.endsWith(".zip") || Files.exists(path.resolve("__main__.py"))) {
            return Kind.PYTHON;
        }
        return Kind.SHELL;
    }

    private static String safeName(Path path) {
        String name = path.getFileName().toString().replaceAll("[^A-Za-z0-9_.-]", "_");
        return name.isEmpty() || !Character.isLetterOrDigit(name.charAt(0)) ? "fn" + name : name;
    }

    private ObjectNode payload() {
        ObjectNode p = JSON.createObjectNode();
        for (int i = 0; i + 1 < params.size(); i += 2) {
            String value = params.get(i + 1);
            JsonNode parsed;
            try {
                parsed = JSON.readTree(value);
            } catch (IOException e) {
                parsed = null;
            }
            p.set(params.get(i), parsed == null || parsed.isMissingNode() ? JSON.getNodeFactory().textNode(value) : parsed);
        }
        return p;
    }

    private static ImageLayers baseImage(ImageStore images, ImageRef ref, PrintWriter err) {
        Image image = images.find(ref).orElseGet(() -> {
            err.println("flint: " + ref + " is not in the store yet: building it (once)");
            err.flush();
            return ref.equals(BaseImages.PYTHON)
                    ? BaseImages.buildPython(images, line -> err.println("flint: " + line))
                    : BaseImages.buildBusybox(images, line -> err.println("flint: " + line));
        });
        return ImageLayers.of(image);
    }

    private void print(ActivationRecord record, PrintWriter err) throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            out.println(JSON.writerWithDefaultPrettyPrinter().writeValueAsString(record.toJson(JSON)));
            out.flush();
            return;
        }
        for (LogLine line : record.logs()) {
            err.println(line.format());
        }
        err.flush();
        out.println(JSON.writerWithDefaultPrettyPrinter().writeValueAsString(record.result()));
        out.flush();
        if (record.status() != Status.SUCCESS) {
            err.println("flint: " + record.status().text() + " (" + record.startKind().text() + " start, "
                    + record.duration().toMillis() + " ms)");
        }
    }
}
