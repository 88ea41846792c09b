package dev.flint.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import picocli.CommandLine.Model.CommandSpec;

/** Prints JSON for people: indented, on the command's stdout. */
final class Output {
    private Output() {
    }

    static void json(CommandSpec spec, JsonNode node) {
        PrintWriter out = spec.commandLine().getOut();
        try {
            out.println(node == null ? "" : ApiClient.JSON.writerWithDefaultPrettyPrinter().writeValueAsString(node));
        } catch (JsonProcessingException e) {
            out.println(node);
        }
        out.flush();
    }
}
