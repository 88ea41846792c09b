package dev.flint.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code flint admin namespace create|list|key-add|key-delete}: the server operator's verbs, with the
 * admin token (docs/gateway.md, "Admin"). A new key is printed once, as {@code uuid:key}; the server
 * keeps only its hash.
 */
@Command(name = "admin", mixinStandardHelpOptions = true, description = "The server operator's verbs (admin token).",
        subcommands = {AdminCommand.Namespace.class})
final class AdminCommand {

    @Command(name = "namespace", mixinStandardHelpOptions = true, description = "Create namespaces, list them, add and delete keys.",
            subcommands = {Create.class, ListNamespaces.class, KeyAdd.class, KeyDelete.class})
    static final class Namespace {
    }

    @Command(name = "create", mixinStandardHelpOptions = true, description = "Create a namespace and print its first key.")
    static final class Create implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Mixin
        AdminOptions admin;
        @Parameters(paramLabel = "NAME")
        String name;
        @Option(names = "--json", description = "Print the server's JSON: {namespace, uuid, key}.")
        boolean json;

        @Override
        public Integer call() {
            return issued(spec, admin.client().create(name), json, "created namespace " + name);
        }
    }

    @Command(name = "key-add", mixinStandardHelpOptions = true, description = "Add a key to a namespace and print it.")
    static final class KeyAdd implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Mixin
        AdminOptions admin;
        @Parameters(paramLabel = "NAME")
        String name;
        @Option(names = "--json", description = "Print the server's JSON: {namespace, uuid, key}.")
        boolean json;

        @Override
        public Integer call() {
            return issued(spec, admin.client().addKey(name), json, "added a key to namespace " + name);
        }
    }

    @Command(name = "key-delete", mixinStandardHelpOptions = true, description = "Delete a namespace's key (by its uuid); it stops working at once.")
    static final class KeyDelete implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Mixin
        AdminOptions admin;
        @Parameters(index = "0", paramLabel = "NAME")
        String name;
        @Parameters(index = "1", paramLabel = "UUID")
        String uuid;

        @Override
        public Integer call() {
            JsonNode left = admin.client().deleteKey(name, uuid);
            PrintWriter out = spec.commandLine().getOut();
            out.printf("deleted key %s of namespace %s (%d left)%n", uuid, name, left.path("keys").size());
            out.flush();
            return 0;
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List every namespace with its keys' uuids.")
    static final class ListNamespaces implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Mixin
        AdminOptions admin;
        @Option(names = "--json", description = "Print the server's JSON.")
        boolean json;

        @Override
        public Integer call() {
            JsonNode list = admin.client().list();
            if (json) {
                Output.json(spec, list);
                return 0;
            }
            PrintWriter out = spec.commandLine().getOut();
            for (JsonNode ns : list) {
                StringBuilder uuids = new StringBuilder();
                ns.path("keys").forEach(k -> uuids.append(uuids.length() == 0 ? "" : " ").append(k.asText()));
                out.printf("%-30s %s%n", ns.path("namespace").asText(), uuids);
            }
            out.flush();
            return 0;
        }
    }

    private static int issued(CommandSpec spec, JsonNode reply, boolean json, String what) {
        if (json) {
            Output.json(spec, reply);
            return 0;
        }
        PrintWriter out = spec.commandLine().getOut();
        out.println(what + "; its key (shown once, keep it):");
        out.println(reply.path("key").asText());
        out.flush();
        return 0;
    }
}
