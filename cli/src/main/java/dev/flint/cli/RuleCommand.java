package dev.flint.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code flint rule ...}: which action a trigger runs when it fires, and whether it does. */
@Command(name = "rule", mixinStandardHelpOptions = true, description = "Connect triggers to actions.",
        subcommands = {RuleCommand.Create.class, RuleCommand.Enable.class, RuleCommand.Disable.class, RuleCommand.Get.class,
                RuleCommand.ListRules.class, RuleCommand.Delete.class})
final class RuleCommand {

    /** Options every verb that names one rule shares. */
    abstract static class OneRule extends EntityVerbs.Named {
        @Override
        String collection() {
            return "rules";
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
    static final class Get extends EntityVerbs.Get {
        @Override
        String collection() {
            return "rules";
        }
    }

    @Command(name = "delete", mixinStandardHelpOptions = true, description = "Delete a rule.")
    static final class Delete extends EntityVerbs.Delete {
        @Override
        String collection() {
            return "rules";
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List rules, newest first: NAME  TRIGGER -> ACTION.")
    static final class ListRules extends EntityVerbs.ListAll {
        @Override
        String collection() {
            return "rules";
        }

        @Override
        String line(JsonNode r) {
            return String.format("/%s/%-30s %s -> %s", r.path("namespace").asText(), r.path("name").asText(), ref(r.path("trigger")),
                    ref(r.path("action")));
        }

        private static String ref(JsonNode fqn) {
            return "/" + fqn.path("path").asText() + "/" + fqn.path("name").asText();
        }
    }
}
