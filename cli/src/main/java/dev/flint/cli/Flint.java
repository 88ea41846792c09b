package dev.flint.cli;

import dev.flint.images.ImageRef;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code flint} command line. Each verb group is a subcommand class of its own. */
@Command(name = "flint", mixinStandardHelpOptions = true, version = "flint 0.1.0",
        description = "Flint: serverless functions in Linux sandboxes built from namespaces, cgroups and overlayfs.",
        subcommands = {ActionCommand.class, ActivationCommand.class, NamespaceCommand.class, PropertyCommand.class, TopicCommand.class, SandboxCommand.class,
                TriggerCommand.class, RuleCommand.class, ImageCommand.class,
                LocalCommand.class, AdminCommand.class, CommandLine.HelpCommand.class})
public final class Flint {

    /** Exit status for failures of Flint itself, before or around the user's command (as crun does). */
    public static final int PLATFORM_FAILURE = 125;

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /** Runs the command line in this process, writing to the given writers: for tests and embedding. */
    public static int run(java.io.PrintWriter out, java.io.PrintWriter err, String... args) {
        CommandLine cl = commandLine();
        cl.setOut(out);
        cl.setErr(err);
        return cl.execute(args);
    }

    static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new Flint());
        cl.registerConverter(Sizes.Bytes.class, Sizes::parseBytes);
        cl.registerConverter(java.time.Duration.class, Sizes::parseDuration);
        cl.registerConverter(ImageRef.class, StoreOption::parseRef);
        cl.setParameterExceptionHandler((e, args) -> {
            CommandLine cmd = e.getCommandLine();
            cmd.getErr().println("flint: " + e.getMessage());
            cmd.getErr().println("see: " + cmd.getCommandSpec().qualifiedName() + " --help");
            return cmd.getCommandSpec().exitCodeOnInvalidInput();
        });
        cl.setExecutionExceptionHandler((e, cmd, parsed) -> {
            cmd.getErr().println("flint: " + Errors.describe(e));
            cmd.getErr().flush();
            // the server refused what was asked (a 4xx): the user's to fix, not Flint's failure
            return e instanceof ApiClient.ApiException api && api.status() >= 400 && api.status() < 500 ? 1 : PLATFORM_FAILURE;
        });
        return cl;
    }
}
