package dev.flint.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code flint rule ...}: which action a trigger runs when it fires, and whether it does. */
@Command(name = "rule", mixinStandardHelpOptions = true, description = "Connect triggers to actions.",
        subcommands = {RuleCommand.Create.class, RuleCommand.Enable.class, RuleCommand.Disable.class, RuleCommand.Get.class,
                RuleCommand.ListRules.class, RuleCommand.Delete.class})
final class RuleCommand {

    /** Options every verb that names one rule shares. */
    abstract static class OneRule implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Mixin
        ApiOptions api;
        @Parameters(index = "0", paramLabel = "NAME", description = "The rule's name.")
        String name;

        void say(String line) {
            spec.commandLine().getOut().println(line);
            spec.commandLine().getOut().flush();
        }
    }

    @Command(name = "create", mixinStandardHelpOptions = true,
            description = "Create a rule, active: firing TRIGGER invokes ACTION (both must exist).",
            footer = {"", "Example: ./flint rule create on-order orders process-order"})
    static final class Create extends OneRule {
        @Parameters(index = "1", paramLabel = "TRIGGER", description = "The trigger (NAME or /NAMESPACE/NAME).")
        String trigger;
        @Parameters(index = "2", paramLabel = "ACTION", description = "The action (NAME or /NAMESPACE/NAME).")
        String action;

        @Override
        public Integer call() {
            ObjectNode body = ApiClient.JSON.createObjectNode();
            body.put("trigger", qualified(trigger));
            body.put("action", qualified(action));
            api.client().put(ApiClient.path("rules", name), ApiClient.query("overwrite", "false"), body);
            say("created " + name + ": " + trigger + " -> " + action);
            return 0;
        }

        /** As OpenWhisk's clients send it: {@code /ns/name}, {@code _} being the key's namespace. */
        private String qualified(String entity) {
            return entity.startsWith("/") ? entity : "/" + api.client().namespace() + "/" + entity;
        }
    }

    /** Enable and disable: POST the wanted status. */
    abstract static class SetStatus extends OneRule {
        abstract String status();

        @Override
        public Integer call() {
            ObjectNode body = ApiClient.JSON.createObjectNode().put("status", status());
            ApiClient.Reply r = api.client().post(ApiClient.path("rules", name), ApiClient.query(), body);
            if (r.status() >= 400) {
                throw ApiClient.error(r);
            }
            say("ok: " + name + " is " + status());
            return 0;
        }
    }

    @Command(name = "enable", mixinStandardHelpOptions = true, description = "Enable a rule: its trigger invokes its action again.")
    static final class Enable extends SetStatus {
        @Override
        String status() {
            return "active";
        }
    }

    @Command(name = "disable", mixinStandardHelpOptions = true, description = "Disable a rule: its trigger no longer invokes its action.")
    static final class Disable extends SetStatus {
        @Override
        String status() {
            return "inactive";
        }
    }

    @Command(name = "get", mixinStandardHelpOptions = true, description = "Print a rule, with its status.")
    static final class Get extends OneRule {
        @Override
        public Integer call() {
            Output.json(spec, api.client().get(ApiClient.path("rules", name), ApiClient.query()));
            return 0;
        }
    }

    @Command(name = "delete", mixinStandardHelpOptions = true, description = "Delete a rule.")
    static final class Delete extends OneRule {
        @Override
        public Integer call() {
            api.client().delete(ApiClient.path("rules", name));
            say("deleted " + name);
            return 0;
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List rules, newest first: NAME  TRIGGER -> ACTION.")
    static final class ListRules implements Callable<Integer> {
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
            JsonNode list = api.client().get("rules", ApiClient.query("limit", Integer.toString(limit), "skip", Integer.toString(skip)));
            if (json) {
                Output.json(spec, list);
                return 0;
            }
            PrintWriter out = spec.commandLine().getOut();
            for (JsonNode r : list) {
                out.printf("/%s/%-30s %s -> %s%n", r.path("namespace").asText(), r.path("name").asText(), ref(r.path("trigger")),
                        ref(r.path("action")));
            }
            out.flush();
            return 0;
        }

        private static String ref(JsonNode fqn) {
            return "/" + fqn.path("path").asText() + "/" + fqn.path("name").asText();
        }
    }
}
