package dev.flint.sandbox;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * What a {@link Zygote} runs: a program from an image's read-only layers (topmost first) that
 * ends by calling the zygote prelude's {@code flint_zygote_main} (see {@link Zygote#PRELUDE}).
 *
 * @param layers the image's layer directories, topmost first
 * @param argv the program and its arguments; the program is an absolute path in the image
 * @param env the whole environment of the zygote and so of every copy it forks
 */
public record ZygoteSpec(List<Path> layers, List<String> argv, Map<String, String> env) {
    public ZygoteSpec {
        layers = List.copyOf(layers);
        argv = List.copyOf(argv);
        env = Map.copyOf(env);
        if (layers.isEmpty()) {
            throw new SandboxException.InvalidSpec("layers", "a zygote needs at least one layer", "give the image's layers");
        }
        if (argv.isEmpty() || !argv.get(0).startsWith("/")) {
            throw new SandboxException.InvalidSpec("argv", "the zygote's program must be an absolute path, got " + argv,
                    "name the program as the image has it, such as /usr/bin/python3");
        }
        for (String key : env.keySet()) {
            if (key.isEmpty() || key.indexOf('=') >= 0) {
                throw new SandboxException.InvalidSpec("env", "bad variable name '" + key + "'", "use NAME=value pairs");
            }
        }
    }
}
