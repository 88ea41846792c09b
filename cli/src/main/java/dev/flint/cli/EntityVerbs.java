package dev.flint.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * What the get, list and delete verbs of actions, triggers and rules share: each group subclasses
 * these with its collection's name (and, for list, its line format) and its own @Command.
 */
final class EntityVerbs {
    private EntityVerbs() {
    }

    /** A verb on one named entity of a collection. */
    abstract static class Named implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Mixin
        ApiOptions api;
        @Parameters(index = "0", paramLabel = "NAME", description = "Its name.")
        String name;

        /** The collection in the API's URLs: actions, triggers, rules. */
        abstract String collection();

        void say(String line) {
            spec.commandLine().getOut().println(line);
            spec.commandLine().getOut().flush();
        }
    }

    /** {@code get NAME}: the entity as the server's JSON. */
    abstract static class Get extends Named {
        /** Extra query parameters, such as {@code code=false}. */
        java.util.Map<String, String> query() {
            return ApiClient.query();
        }

        @Override
        public Integer call() {
            Output.json(spec, api.client().get(ApiClient.path(collection(), name), query()));
            return 0;
        }
    }

    /** {@code delete NAME}. */
    abstract static class Delete extends Named {
        @Override
        public Integer call() {
            api.client().delete(ApiClient.path(collection(), name));
            say("deleted " + name);
            return 0;
        }
    }

    /** {@code list}: newest first, one line per entity (or the server's JSON with --json). */
    abstract static class ListAll implements Callable<Integer> {
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

        abstract String collection();

        /** One entity as a line of the listing. */
        abstract String line(JsonNode entity);

        @Override
        public Integer call() {
            JsonNode list = api.client().get(collection(), ApiClient.query("limit", Integer.toString(limit), "skip", Integer.toString(skip)));
            if (json) {
                Output.json(spec, list);
                return 0;
            }
            PrintWriter out = spec.commandLine().getOut();
            for (JsonNode e : list) {
                out.println(line(e));
            }
            out.flush();
            return 0;
        }
    }
}
