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
                ActivationCommand.Result.class, ActivationCommand.Poll.class})
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

    @Command(name = "poll", mixinStandardHelpOptions = true,
            description = "Print activations as they finish, with their logs, until interrupted (or --exit).")
    static final class Poll implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Mixin
        ApiOptions api;
        @Parameters(arity = "0..1", paramLabel = "ACTION", description = "Only this action's.")
        String action;
        @Option(names = "--exit", paramLabel = "SECONDS", defaultValue = "0", description = "Stop after this long (0: never).")
        long exitAfter;
        @Option(names = "--interval", paramLabel = "MS", defaultValue = "1000", description = "How often to ask (default ${DEFAULT-VALUE}).")
        long interval;

        @Override
        public Integer call() throws InterruptedException {
            ApiClient client = api.client();
            PrintWriter out = spec.commandLine().getOut();
            long since = System.currentTimeMillis();
            long stopAt = exitAfter > 0 ? System.nanoTime() + exitAfter * 1_000_000_000L : Long.MAX_VALUE;
            java.util.Set<String> seen = new java.util.HashSet<>();
            out.println("polling for activations" + (action == null ? "" : " of " + action) + " (Ctrl-C to stop)");
            out.flush();
            while (System.nanoTime() < stopAt) {
                JsonNode list = client.get("activations", ApiClient.query("name", action, "since", Long.toString(since),
                        "docs", "true", "limit", "200"));
                java.util.List<JsonNode> fresh = new java.util.ArrayList<>();
                for (JsonNode a : list) {
                    if (seen.add(a.path("activationId").asText())) {
                        fresh.add(a);
                    }
                }
                java.util.Collections.reverse(fresh); // oldest first
                for (JsonNode a : fresh) {
                    out.printf("%nActivation: '%s' (%s) %s%n", a.path("name").asText(), a.path("activationId").asText(),
                            a.path("response").path("status").asText());
                    for (JsonNode line : a.path("logs")) {
                        out.println(line.asText());
                    }
                }
                out.flush();
                Thread.sleep(Math.max(100, interval));
            }
            return 0;
        }
    }
}
