package dev.flint.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code flint namespace list}: the namespaces the key may use. */
@Command(name = "namespace", mixinStandardHelpOptions = true, description = "Namespaces on the server.",
        subcommands = {NamespaceCommand.ListNamespaces.class})
final class NamespaceCommand {

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List the namespaces your key may use.")
    static final class ListNamespaces implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Mixin
        ApiOptions api;

        @Override
        public Integer call() {
            api.client().namespaces().forEach(n -> spec.commandLine().getOut().println(n.asText()));
            spec.commandLine().getOut().flush();
            return 0;
        }
    }
}
