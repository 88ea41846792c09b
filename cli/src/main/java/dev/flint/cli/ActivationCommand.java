package dev.flint.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import java.time.Instant;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code flint activation ...}: the records of finished activations on the server. */
@Command(name = "activation", mixinStandardHelpOptions = true, description = "Inspect activation records.",
        subcommands = {ActivationCommand.ListActivations.class, ActivationCommand.Get.class, ActivationCommand.Logs.class,
                ActivationCommand.Result.class})
final class ActivationCommand {

    /** Options every verb that names one activation shares. */
    abstract static class OneActivation implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Mixin
        ApiOptions api;
        @Parameters(paramLabel = "ID", description = "The activation id (32 hex digits).")
        String id;

        JsonNode fetch(String suffix) {
            return api.client().get("activations/" + id + suffix, ApiClient.query());
        }
    }

    @Command(name = "get", mixinStandardHelpOptions = true, description = "Print an activation record.")
    static final class Get extends OneActivation {
        @Override
        public Integer call() {
            Output.json(spec, fetch(""));
            return 0;
        }
    }

    @Command(name = "logs", mixinStandardHelpOptions = true, description = "Print an activation's log lines.")
    static final class Logs extends OneActivation {
        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            for (JsonNode line : fetch("/logs").path("logs")) {
                out.println(line.asText());
            }
            out.flush();
            return 0;
        }
    }

    @Command(name = "result", mixinStandardHelpOptions = true, description = "Print an activation's result.")
    static final class Result extends OneActivation {
        @Override
        public Integer call() {
            Output.json(spec, fetch("/result").path("result"));
            return 0;
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List activations, newest first.")
    static final class ListActivations implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Mixin
        ApiOptions api;
        @Parameters(arity = "0..1", paramLabel = "ACTION", description = "Only this action's.")
        String action;
        @Option(names = "--limit", defaultValue = "30", description = "At most this many (default ${DEFAULT-VALUE}).")
        int limit;
        @Option(names = "--skip", defaultValue = "0", description = "Skip this many.")
        int skip;
        @Option(names = "--json", description = "Print the server's JSON.")
        boolean json;

        @Override
        public Integer call() {
            JsonNode list = api.client().get("activations", ApiClient.query("name", action, "limit", Integer.toString(limit),
                    "skip", Integer.toString(skip)));
            if (json) {
                Output.json(spec, list);
                return 0;
            }
            PrintWriter out = spec.commandLine().getOut();
            for (JsonNode a : list) {
                out.printf("%s %s %-30s %-22s %6s ms%n", Instant.ofEpochMilli(a.path("start").asLong()), a.path("activationId").asText(),
                        a.path("name").asText(), status(a.path("statusCode").asInt(-1)), a.path("duration").asText("-"));
            }
            out.flush();
            return 0;
        }

        private static String status(int code) {
            return switch (code) {
                case 0 -> "success";
                case 1 -> "application error";
                case 2 -> "developer error";
                case 3 -> "internal error";
                default -> "?";
            };
        }
    }
}
