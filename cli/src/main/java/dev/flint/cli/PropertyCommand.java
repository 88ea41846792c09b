package dev.flint.cli;

import java.io.PrintWriter;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code flint property set|get|unset}: the server and key the other verbs use when not given. */
@Command(name = "property", mixinStandardHelpOptions = true,
        description = "Save the server (--apihost), key (--auth) and namespace the other verbs use (in ~/.flint/props).",
        subcommands = {PropertyCommand.Set.class, PropertyCommand.Get.class, PropertyCommand.Unset.class})
final class PropertyCommand {

    /** The three settings as options, shared by set and unset. */
    abstract static class Settings implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Option(names = "--apihost", paramLabel = "URL", description = "The server, e.g. http://127.0.0.1:3233.")
        String apihost;
        @Option(names = {"-u", "--auth"}, paramLabel = "UUID:KEY", description = "The namespace's key.")
        String auth;
        @Option(names = {"-n", "--namespace"}, paramLabel = "NS", description = "The namespace (default _).")
        String namespace;

        Map<String, String> given() {
            Map<String, String> m = new java.util.TreeMap<>();
            if (apihost != null) {
                m.put("APIHOST", apihost);
            }
            if (auth != null) {
                m.put("AUTH", auth);
            }
            if (namespace != null) {
                m.put("NAMESPACE", namespace);
            }
            return m;
        }
    }

    @Command(name = "set", mixinStandardHelpOptions = true, description = "Save one or more settings.",
            footer = {"", "Example: ./flint property set --apihost http://127.0.0.1:3233 --auth \"$(cat /var/lib/flint/auth/guest)\""})
    static final class Set extends Settings {
        @Override
        public Integer call() {
            Map<String, String> given = given();
            if (given.isEmpty()) {
                throw new ApiClient.ApiException(400, "nothing to set", "give --apihost, --auth or --namespace");
            }
            if (apihost != null && !apihost.matches("https?://.+")) {
                throw new ApiClient.ApiException(400, "--apihost '" + apihost + "' is not an http(s) URL", "e.g. http://127.0.0.1:3233");
            }
            if (auth != null && !auth.matches("[^:\\s]+:[^:\\s]+")) {
                throw new ApiClient.ApiException(400, "--auth is not UUID:KEY", "the server's key file holds one, e.g. /var/lib/flint/auth/guest");
            }
            Map<String, String> props = Props.read();
            props.putAll(given);
            Props.write(props);
            given.keySet().forEach(k -> spec.commandLine().getOut().println("ok: set " + k.toLowerCase()));
            spec.commandLine().getOut().flush();
            return 0;
        }
    }

    @Command(name = "unset", mixinStandardHelpOptions = true, description = "Forget settings (name them as flags without values).")
    static final class Unset implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Option(names = "--apihost", description = "Forget the server.")
        boolean apihost;
        @Option(names = {"-u", "--auth"}, description = "Forget the key.")
        boolean auth;
        @Option(names = {"-n", "--namespace"}, description = "Forget the namespace.")
        boolean namespace;

        @Override
        public Integer call() {
            Map<String, String> props = Props.read();
            if (apihost) {
                props.remove("APIHOST");
            }
            if (auth) {
                props.remove("AUTH");
            }
            if (namespace) {
                props.remove("NAMESPACE");
            }
            Props.write(props);
            spec.commandLine().getOut().println("ok");
            spec.commandLine().getOut().flush();
            return 0;
        }
    }

    @Command(name = "get", mixinStandardHelpOptions = true, description = "Print the saved settings (the key's secret half hidden).")
    static final class Get implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Option(names = "--show-key", description = "Print the key whole.")
        boolean showKey;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            Map<String, String> props = Props.read();
            for (String k : Props.KEYS) {
                String v = props.get(k);
                if (v != null && k.equals("AUTH") && !showKey) {
                    v = v.substring(0, Math.max(0, v.indexOf(':'))) + ":***";
                }
                out.printf("%-10s %s%n", k.toLowerCase(), v == null ? "(not set)" : v);
            }
            out.println("file       " + Props.file());
            out.flush();
            return 0;
        }
    }
}
