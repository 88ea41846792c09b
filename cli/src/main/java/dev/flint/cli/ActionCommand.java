package dev.flint.cli;

import com.fasterxml.jackson.databind.JsonNode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code flint action ...}: functions on the server (its OpenWhisk-compatible API, docs/gateway.md). */
@Command(name = "action", mixinStandardHelpOptions = true,
        description = "Deploy, inspect, invoke and delete functions on the server.",
        subcommands = {ActionPutCommand.Create.class, ActionPutCommand.Update.class, ActionInvokeCommand.class,
                ActionCommand.Get.class, ActionCommand.ListActions.class, ActionCommand.Delete.class})
final class ActionCommand {

    @Command(name = "get", mixinStandardHelpOptions = true, description = "Print an action (its code too, unless --no-code).")
    static final class Get extends EntityVerbs.Get {
        @Option(names = "--no-code", description = "Leave the code out.")
        boolean noCode;

        @Override
        String collection() {
            return "actions";
        }

        @Override
        java.util.Map<String, String> query() {
            return ApiClient.query("code", noCode ? "false" : null);
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List actions, newest first.")
    static final class ListActions extends EntityVerbs.ListAll {
        @Override
        String collection() {
            return "actions";
        }

        @Override
        String line(JsonNode a) {
            String kind = "";
            for (JsonNode an : a.path("annotations")) {
                if ("exec".equals(an.path("key").asText())) {
                    kind = an.path("value").asText();
                }
            }
            return String.format("/%s/%-40s %-10s %s", a.path("namespace").asText(), a.path("name").asText(), kind,
                    a.path("version").asText());
        }
    }

    @Command(name = "delete", mixinStandardHelpOptions = true, description = "Delete an action.")
    static final class Delete extends EntityVerbs.Delete {
        @Override
        String collection() {
            return "actions";
        }
    }
}
