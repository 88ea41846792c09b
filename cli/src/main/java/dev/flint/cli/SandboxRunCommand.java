package dev.flint.cli;

import dev.flint.images.Image;
import dev.flint.images.ImageRef;
import dev.flint.sandbox.Execution;
import dev.flint.sandbox.ProcessSpec;
import dev.flint.sandbox.RuntimeConfig;
import dev.flint.sandbox.Sandbox;
import dev.flint.sandbox.SandboxException;
import dev.flint.sandbox.SandboxRuntime;
import dev.flint.sandbox.SandboxSpec;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code flint sandbox run}: one command in a fresh sandbox, output streamed, exit status passed
 * through (125 when Flint itself failed, 124 on timeout, 128+n for a signal).
 */
@Command(name = "run", mixinStandardHelpOptions = true,
        description = "Run CMD in a fresh sandbox whose root is an image's layers (--image), the given layers (--rootfs), "
                + "or the bundled busybox rootfs.",
        footer = {"", "Exit status: CMD's own; 124 timeout; 126/127 CMD not executable/not found; 128+N killed by signal N "
                + "(137 also for the memory limit); 125 Flint failed.",
                "Example: ./flint sandbox run --memory 64m --timeout 5s -- sh -c 'echo hello from $(hostname)'",
                "Example: ./flint sandbox run --image flint/python:3 -- python3 -c 'print(1 + 1)'"})
final class SandboxRunCommand implements Callable<Integer> {
    private static final long MAX_STDIN = 64L << 20;

    @Spec
    CommandSpec spec;

    @Option(names = "--rootfs", paramLabel = "DIR", description = "A read-only layer, topmost first; repeatable.")
    List<Path> rootfs = new ArrayList<>();

    @Option(names = "--image", paramLabel = "REF", description = "Run in this image's layers from the store, with its "
            + "environment and working directory (e.g. flint/python:3); not with --rootfs.")
    ImageRef image;

    @Mixin
    StoreOption store;

    @Option(names = "--memory", paramLabel = "SIZE", defaultValue = "256m", description = "Memory limit (default ${DEFAULT-VALUE}).")
    Sizes.Bytes memory;

    @Option(names = "--cpus", paramLabel = "N", defaultValue = "1", description = "CPU quota in cores, 0 for none (default ${DEFAULT-VALUE}).")
    double cpus;

    @Option(names = "--pids", paramLabel = "N", defaultValue = "128", description = "Most processes and threads (default ${DEFAULT-VALUE}).")
    int pids;

    @Option(names = "--scratch", paramLabel = "SIZE", defaultValue = "64m", description = "Size of the writable layer (default ${DEFAULT-VALUE}).")
    Sizes.Bytes scratch;

    @Option(names = "--timeout", paramLabel = "DURATION", defaultValue = "60s", description = "Wall-clock limit (default ${DEFAULT-VALUE}).")
    Duration timeout;

    @Option(names = "--output-limit", paramLabel = "SIZE", defaultValue = "10m", description = "Most output kept, stdout and stderr together (default ${DEFAULT-VALUE}).")
    Sizes.Bytes outputLimit;

    @Option(names = "--net", paramLabel = "MODE", defaultValue = "none", description = "Network: 'none' (own namespace, loopback only) is the only mode.")
    String net;

    @Option(names = "--env", paramLabel = "K=V", description = "An environment variable; repeatable. PATH and HOME are set by default.")
    List<String> env = new ArrayList<>();

    @Option(names = "--cwd", paramLabel = "DIR", description = "Working directory inside (default: the image's, else /).")
    String cwd;

    @Option(names = "--user", paramLabel = "UID:GID", defaultValue = "65534:65534", description = "Identity of the command (default ${DEFAULT-VALUE}).")
    String user;

    @Option(names = "--cap", paramLabel = "CAP", description = "A capability to keep, e.g. CAP_NET_BIND_SERVICE; repeatable. None by default.")
    List<String> caps = new ArrayList<>();

    @Option(names = "--userns", paramLabel = "HOSTID", description = "Run in a user namespace mapping 0..65535 inside to HOSTID.. outside.")
    long userns;

    @Option(names = "--hostname", defaultValue = "flint", description = "Host name inside (default ${DEFAULT-VALUE}).")
    String hostname;

    @Option(names = "--stdin", paramLabel = "FILE", description = "Feed FILE ('-' for this terminal's stdin) to the command; none by default.")
    String stdin;

    @Option(names = "--state-dir", paramLabel = "DIR", hidden = true, description = "Runtime state directory.")
    Path stateDir;

    @Parameters(paramLabel = "CMD", arity = "1..*", description = "The command and its arguments (after --).")
    List<String> command = new ArrayList<>();

    @Override
    public Integer call() throws IOException {
        PrintWriter err = spec.commandLine().getErr();
        if (!"none".equals(net)) {
            throw new SandboxException.InvalidSpec("net", "mode '" + net + "' is not supported",
                    "use --net none: the sandbox gets its own namespace with loopback only");
        }
        if (image != null && !rootfs.isEmpty()) {
            throw new ParameterException(spec.commandLine(), "--image and --rootfs are mutually exclusive: "
                    + "an image brings its own layers");
        }
        Image img = image == null ? null : store.openExisting(userns == 0).resolve(image);
        SandboxSpec sandboxSpec = sandboxSpec(img);
        ProcessSpec processSpec = processSpec(img);
        RuntimeConfig config = stateDir == null ? RuntimeConfig.defaults() : RuntimeConfig.defaults().withStateDir(stateDir);
        try (SandboxRuntime runtime = SandboxRuntime.start(config);
             Sandbox sandbox = runtime.create(sandboxSpec)) {
            Execution e = sandbox.run(processSpec);
            report(e, err);
            return e.shellStatus();
        }
    }

    private SandboxSpec sandboxSpec(Image img) {
        List<Path> layers = new ArrayList<>();
        if (img != null) {
            layers.addAll(img.layerDirs()); // topmost first, as the spec takes them
        }
        for (Path p : img != null ? List.<Path>of() : rootfs.isEmpty() ? List.of(defaultRootfs()) : rootfs) {
            layers.add(p.toAbsolutePath().normalize());
        }
        String[] ids = user.split(":", -1);
        int uid;
        int gid;
        try {
            uid = Integer.parseInt(ids[0]);
            gid = Integer.parseInt(ids.length > 1 ? ids[1] : ids[0]);
        } catch (NumberFormatException e) {
            throw new SandboxException.InvalidSpec("user", "'" + user + "' is not UID:GID", "e.g. --user 1000:1000");
        }
        SandboxSpec.Builder b = SandboxSpec.builder().layers(layers).memoryBytes(memory.value()).cpus(cpus)
                .pidsMax(pids).scratchBytes(scratch.value()).hostname(hostname).user(uid, gid)
                .userNamespace(userns).prepareAhead(false);
        caps.forEach(b::capability);
        return b.build();
    }

    private static Path defaultRootfs() {
        String home = System.getProperty("flint.rootfs", System.getenv("FLINT_ROOTFS"));
        if (home == null || home.isEmpty()) {
            throw new SandboxException.InvalidSpec("rootfs", "no --rootfs given and no bundled rootfs known",
                    "run through ./flint, which builds the busybox rootfs, or pass --rootfs DIR");
        }
        return Path.of(home);
    }

    private ProcessSpec processSpec(Image img) throws IOException {
        String dir = cwd != null ? cwd : img != null ? img.config().workingDir() : "/";
        ProcessSpec.Builder b = ProcessSpec.builder(command).cwd(dir).timeout(timeout)
                .outputLimitBytes(outputLimit.value()).streamTo(System.out, System.err);
        if (img != null) {
            img.config().envMap().forEach(b::env); // the image's environment; --env below overrides it
        }
        for (String kv : env) {
            int eq = kv.indexOf('=');
            if (eq <= 0) {
                throw new SandboxException.InvalidSpec("env", "'" + kv + "' is not K=V", "e.g. --env GREETING=hello");
            }
            b.env(kv.substring(0, eq), kv.substring(eq + 1));
        }
        if (stdin != null) {
            b.stdin(readStdin());
        }
        return b.build();
    }

    private byte[] readStdin() throws IOException {
        try (InputStream in = "-".equals(stdin) ? System.in : Files.newInputStream(Path.of(stdin))) {
            byte[] data = in.readNBytes((int) MAX_STDIN + 1);
            if (data.length > MAX_STDIN) {
                throw new SandboxException.InvalidSpec("stdin", "more than 64 MiB", "pass large inputs as a layer file instead");
            }
            return data;
        }
    }

    private void report(Execution e, PrintWriter err) {
        switch (e.outcome()) {
            case TIMED_OUT -> err.println("flint: timed out after " + timeout.toMillis() + " ms; every process was killed");
            case OUT_OF_MEMORY -> err.println("flint: killed: the memory limit (" + memory.value() + " bytes) was reached");
            case EXEC_FAILED -> err.println("flint: cannot run " + command.get(0) + ": " + e.error());
            case KILLED, SIGNALED -> err.println("flint: killed by signal " + e.signal());
            case EXITED -> {
            }
        }
        if (e.outputTruncated()) {
            err.println("flint: output beyond " + outputLimit.value() + " bytes was dropped (--output-limit)");
        }
        err.flush();
    }
}
