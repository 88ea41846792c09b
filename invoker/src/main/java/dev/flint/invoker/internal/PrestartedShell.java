package dev.flint.invoker.internal;

import dev.flint.invoker.FunctionSpec;
import dev.flint.pool.ImageLayers;
import dev.flint.sandbox.ProcessSpec;
import dev.flint.sandbox.Sandbox;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A shell function's interpreter started before its invocation (ADR 0017): {@code /bin/sh} is
 * exec'd in the next run's fresh root with {@code $0} the script's path, and waits reading fd 3.
 * The invocation writes it a few lines there — export the environment, enter the working
 * directory, source the script — so it pays no fork, exec or shell start-up. Still one fresh
 * process per invocation, in a fresh root: the next one is started after the run ends.
 */
public final class PrestartedShell {
    /** Reads and runs the text that arrives on fd 3; {@code $0} is the argument after it. */
    private static final String BOOTSTRAP = ". /proc/self/fd/3";

    private PrestartedShell() {
    }

    /** What to pre-start for a script named {@code entry} in the code directory. */
    public static ProcessSpec bootstrap(String entry) {
        return ProcessSpec.builder(command(entry)).build();
    }

    private static List<String> command(String entry) {
        return List.of("/bin/sh", "-c", BOOTSTRAP, FunctionSpec.codePath(entry));
    }

    /** Whether the sandbox's pre-started process is the shell for this function's script. */
    static boolean readyFor(Sandbox sandbox, FunctionSpec f) {
        return sandbox.prestartedCommand().map(command(f.entry())::equals).orElse(false);
    }

    /**
     * The text that turns the waiting shell into {@code sh SCRIPT} run with {@code request}'s
     * environment and working directory; null when it would not fit in one start text.
     */
    static String text(FunctionSpec f, ProcessSpec request) {
        // fd 4 is init's status pipe. With busybox's sh it moves out of the way of the function's
        // own descriptors, and the EXIT trap reports the status there before the shell's exit,
        // which is the slow part of its end (ADR 0017's addendum); a function that sets its own
        // EXIT trap, or execs, ends the run at its exit instead. Other shells (dash takes
        // descriptors 0-9 only) close it, and the run ends at the exit.
        StringBuilder t = new StringBuilder(reportsEarly(f.image())
                ? "exec 3<&- 57>&4 4>&-\ntrap '{ echo \"$?\" >&57; } 2>/dev/null' EXIT\n"
                : "exec 3<&- 4>&-\n");
        for (Map.Entry<String, String> e : request.env().entrySet()) {
            t.append("export ").append(e.getKey()).append('=').append(quoted(e.getValue())).append('\n');
        }
        t.append("cd ").append(quoted(request.cwd())).append(" || exit 127\n");
        String oldpwd = request.env().get("OLDPWD"); // the cd set it; sh SCRIPT has only the caller's
        t.append(oldpwd == null ? "unset OLDPWD\n" : "export OLDPWD=" + quoted(oldpwd) + "\n");
        t.append(". ").append(quoted(FunctionSpec.codePath(f.entry()))).append('\n');
        String text = t.toString();
        return text.getBytes(StandardCharsets.UTF_8).length <= Sandbox.MAX_START_TEXT ? text : null;
    }

    private static final Map<ImageLayers, Boolean> BUSYBOX_SH = new ConcurrentHashMap<>();

    /** Whether the image's {@code /bin/sh} is busybox's (a link named busybox in its topmost layer that has one). */
    static boolean reportsEarly(ImageLayers image) {
        return BUSYBOX_SH.computeIfAbsent(image, PrestartedShell::busyboxSh);
    }

    private static boolean busyboxSh(ImageLayers image) {
        for (Path layer : image.dirs()) {
            Path sh = layer.resolve("bin/sh");
            if (Files.exists(sh, LinkOption.NOFOLLOW_LINKS)) {
                try {
                    return Files.isSymbolicLink(sh) && Files.readSymbolicLink(sh).getFileName().toString().equals("busybox");
                } catch (IOException e) {
                    return false;
                }
            }
        }
        return false;
    }

    /** The shell's single-quoted word for {@code s} (a quote inside becomes '\''). */
    static String quoted(String s) {
        return "'" + s.replace("'", "'\\''") + "'";
    }
}
