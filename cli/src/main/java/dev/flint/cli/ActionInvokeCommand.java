package dev.flint.cli;

import com.fasterxml.jackson.databind.JsonNode;
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
 * {@code flint action invoke NAME}: runs an action on the server. Without --blocking it prints the
 * activation id (the record appears when done: flint activation get ID); with it, the activation
 * record, or with --result only the result.
 */
@Command(name = "invoke", mixinStandardHelpOptions = true, description = "Invoke an action.",
        footer = {"", "Exit status: 0 success (or accepted, without --blocking); 1 the action failed; 2 bad usage; "
                + "125 the server or Flint failed.",
                "Example: ./flint action invoke hello -p name Flint --result"})
final class ActionInvokeCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    ApiOptions api;

    @Parameters(paramLabel = "NAME")
    String name;

    @Option(names = {"-p", "--param"}, arity = "2", paramLabel = "KEY VALUE", description = "A parameter (JSON or text); repeatable.")
    List<String> params = new ArrayList<>();

    @Option(names = {"-b", "--blocking"}, description = "Wait for the activation and print its record.")
    boolean blocking;

    @Option(names = {"-r", "--result"}, description = "Wait, and print only the result (implies --blocking).")
    boolean result;

    @Override
    public Integer call() {
        boolean wait = blocking || result;
        ApiClient.Reply r = api.client().post(ApiClient.path("actions", name),
                ApiClient.query("blocking", Boolean.toString(wait), "result", Boolean.toString(result)), Params.object(params));
        if (r.status() >= 400 && r.status() != 502) {
            throw ApiClient.error(r);
        }
        JsonNode body = r.body();
        if (r.status() == 202) {
            String id = body == null ? "?" : body.path("activationId").asText();
            spec.commandLine().getOut().println(wait
                    ? "still running after the server's wait; see: flint activation get " + id
                    : "ok: invoked " + name + " with id " + id);
            spec.commandLine().getOut().flush();
            return 0;
        }
        Output.json(spec, body);
        return r.status() == 502 ? 1 : 0;
    }
}
