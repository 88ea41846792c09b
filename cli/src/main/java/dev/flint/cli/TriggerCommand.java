package dev.flint.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code flint trigger ...}: named events on the server. Firing a trigger runs, through each of its
 * active rules (flint rule), an action with the trigger's parameters under the fire's.
 */
@Command(name = "trigger", mixinStandardHelpOptions = true, description = "Create, fire, inspect and delete triggers.",
        subcommands = {TriggerCommand.Create.class, TriggerCommand.Update.class, TriggerCommand.Fire.class,
                TriggerCommand.Get.class, TriggerCommand.ListTriggers.class, TriggerCommand.Delete.class})
final class TriggerCommand {

    /** What create and update share: PUT the trigger with its parameters and annotations. */
    abstract static class Put implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Mixin
        ApiOptions api;
        @Parameters(paramLabel = "NAME", description = "The trigger's name (letters, digits, _ @ . - and spaces).")
        String name;
        @Option(names = {"-p", "--param"}, arity = "2", paramLabel = "KEY VALUE",
                description = "A parameter passed to the rules' actions (JSON or text); repeatable.")
        List<String> params = new ArrayList<>();
        @Option(names = {"-a", "--annotation"}, arity = "2", paramLabel = "KEY VALUE", description = "An annotation (JSON or text); repeatable.")
        List<String> annotations = new ArrayList<>();
        @Option(names = "--feed", paramLabel = "NAME", description = "The trigger's feed (its feed annotation): kafka consumes"
                + " the topic of -p topic T (more in docs/gateway.md, \"Kafka-fed triggers\").")
        String feed;

        abstract boolean overwrite();

        @Override
        public Integer call() {
            ObjectNode body = ApiClient.JSON.createObjectNode();
            if (!params.isEmpty() || !overwrite()) {
                body.set("parameters", Params.keyValues(params));
            }
            if (!annotations.isEmpty() || feed != null) {
                ArrayNode given = Params.keyValues(annotations);
                if (feed != null) {
                    given.addObject().put("key", "feed").put("value", feed);
                }
                body.set("annotations", given);
            }
            api.client().put(ApiClient.path("triggers", name), ApiClient.query("overwrite", Boolean.toString(overwrite())), body);
            spec.commandLine().getOut().println((overwrite() ? "updated " : "created ") + name);
            spec.commandLine().getOut().flush();
            return 0;
        }
    }

    @Command(name = "create", mixinStandardHelpOptions = true, description = "Create a trigger (fails if it exists).",
            footer = {"", "Example: ./flint trigger create orders -p source shop && ./flint rule create on-order orders process-order",
                    "Kafka: ./flint trigger create orders --feed kafka -p topic orders [-p start earliest] [-p results orders.out]"})
    static final class Create extends Put {
        @Override
        boolean overwrite() {
            return false;
        }
    }

    @Command(name = "update", mixinStandardHelpOptions = true,
            description = "Update a trigger (or create it); what is not given is kept, its rules too.")
    static final class Update extends Put {
        @Override
        boolean overwrite() {
            return true;
        }
    }

    @Command(name = "fire", mixinStandardHelpOptions = true,
            description = "Fire a trigger: each active rule invokes its action, without waiting for it.",
            footer = {"", "Prints the trigger activation's id (flint activation get ID shows what each rule did).",
                    "Example: ./flint trigger fire orders -p id 42"})
    static final class Fire implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Mixin
        ApiOptions api;
        @Parameters(paramLabel = "NAME")
        String name;
        @Option(names = {"-p", "--param"}, arity = "2", paramLabel = "KEY VALUE",
                description = "A parameter of this event (JSON or text; wins over the trigger's); repeatable.")
        List<String> params = new ArrayList<>();

        @Override
        public Integer call() {
            ApiClient.Reply r = api.client().post(ApiClient.path("triggers", name), ApiClient.query(), Params.object(params));
            if (r.status() >= 400) {
                throw ApiClient.error(r);
            }
            PrintWriter out = spec.commandLine().getOut();
            if (r.status() == 204) {
                out.println("ok: triggered " + name + "; it has no active rule, so nothing ran");
            } else {
                out.println("ok: triggered " + name + " with id " + r.body().path("activationId").asText());
            }
            out.flush();
            return 0;
        }
    }

    @Command(name = "get", mixinStandardHelpOptions = true, description = "Print a trigger, with its rules.")
    static final class Get extends EntityVerbs.Get {
        @Override
        String collection() {
            return "triggers";
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List triggers, newest first.")
    static final class ListTriggers extends EntityVerbs.ListAll {
        @Override
        String collection() {
            return "triggers";
        }

        @Override
        String line(JsonNode t) {
            return String.format("/%s/%-40s %s", t.path("namespace").asText(), t.path("name").asText(), t.path("version").asText());
        }
    }

    @Command(name = "delete", mixinStandardHelpOptions = true, description = "Delete a trigger (its rules stay, inactive).")
    static final class Delete extends EntityVerbs.Delete {
        @Override
        String collection() {
            return "triggers";
        }
    }
}
