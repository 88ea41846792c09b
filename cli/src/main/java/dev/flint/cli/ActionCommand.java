package dev.flint.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code flint action ...}: functions on the server (its OpenWhisk-compatible API, docs/gateway.md). */
@Command(name = "action", mixinStandardHelpOptions = true,
        description = "Deploy, inspect, invoke and delete functions on the server.",
        subcommands = {ActionPutCommand.Create.class, ActionPutCommand.Update.class, ActionInvokeCommand.class,
                ActionCommand.Get.class, ActionCommand.ListActions.class, ActionCommand.Delete.class})
final class ActionCommand {

    @Command(name = "get", mixinStandardHelpOptions = true, description = "Print an action (its code too, unless --no-code).")
    static final class Get implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Mixin
        ApiOptions api;
        @Parameters(paramLabel = "NAME")
        String name;
        @Option(names = "--no-code", description = "Leave the code out.")
        boolean noCode;

        @Override
        public Integer call() {
            JsonNode a = api.client().get(ApiClient.path("actions", name), ApiClient.query("code", noCode ? "false" : null));
            Output.json(spec, a);
            return 0;
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List actions, newest first.")
    static final class ListActions implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Mixin
        ApiOptions api;
        @Option(names = "--limit", defaultValue = "30", description = "At most this many (default ${DEFAULT-VALUE}, at most 200).")
        int limit;
        @Option(names = "--skip", defaultValue = "0", description = "Skip this many.")
        int skip;
        @Option(names = "--json", description = "Print the server's JSON.")
        boolean json;

        @Override
        public Integer call() {
            JsonNode list = api.client().get("actions", ApiClient.query("limit", Integer.toString(limit), "skip", Integer.toString(skip)));
            if (json) {
                Output.json(spec, list);
                return 0;
            }
            for (JsonNode a : list) {
                String kind = "";
                for (JsonNode an : a.path("annotations")) {
                    if ("exec".equals(an.path("key").asText())) {
                        kind = an.path("value").asText();
                    }
                }
                spec.commandLine().getOut().printf("/%s/%-40s %-10s %s%n", a.path("namespace").asText(), a.path("name").asText(),
                        kind, a.path("version").asText());
            }
            spec.commandLine().getOut().flush();
            return 0;
        }
    }

    @Command(name = "delete", mixinStandardHelpOptions = true, description = "Delete an action.")
    static final class Delete implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Mixin
        ApiOptions api;
        @Parameters(paramLabel = "NAME")
        String name;

        @Override
        public Integer call() {
            api.client().delete(ApiClient.path("actions", name));
            spec.commandLine().getOut().println("deleted " + name);
            spec.commandLine().getOut().flush();
            return 0;
        }
    }
}
