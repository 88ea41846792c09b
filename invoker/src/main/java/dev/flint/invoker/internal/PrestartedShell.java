package dev.flint.invoker.internal;

import dev.flint.invoker.FunctionSpec;
import dev.flint.sandbox.ProcessSpec;
import dev.flint.sandbox.Sandbox;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

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
        // fd 4 is init's status pipe, moved out of the way of the function's own descriptors: the
        // EXIT trap reports the status there before the shell's exit, which is the slow part of
        // its end (ADR 0017's addendum). A function that sets its own EXIT trap, or execs, ends
        // the run at its exit instead.
        StringBuilder t = new StringBuilder("exec 3<&- 57>&4 4>&-\n");
        t.append("trap '{ echo \"$?\" >&57; } 2>/dev/null' EXIT\n");
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

    /** The shell's single-quoted word for {@code s} (a quote inside becomes '\''). */
    static String quoted(String s) {
        return "'" + s.replace("'", "'\\''") + "'";
    }
}
