package dev.flint.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code flint action create|update NAME [FILE]}: PUT an action (code from a .py file, a shell
 * script or a zip, or an image for blackbox), with parameters, annotations and limits.
 */
abstract class ActionPutCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    ApiOptions api;

    @Parameters(index = "0", paramLabel = "NAME", description = "The action's name (letters, digits, _ @ . - and spaces).")
    String name;

    @Parameters(index = "1", arity = "0..1", paramLabel = "FILE", description = "Its code: a .py file, a shell script, or a zip.")
    Path file;

    @Option(names = "--kind", paramLabel = "KIND", description = "python:3, shell or blackbox (default: python:3 for .py and .zip, "
            + "shell otherwise).")
    String kind;

    @Option(names = "--main", paramLabel = "NAME", description = "The entry function (Python; default main).")
    String main;

    @Option(names = "--image", paramLabel = "REF", description = "For --kind blackbox: the image in the server's store.")
    String image;

    @Option(names = {"-p", "--param"}, arity = "2", paramLabel = "KEY VALUE", description = "A default parameter (JSON or text); repeatable.")
    List<String> params = new ArrayList<>();

    @Option(names = {"-a", "--annotation"}, arity = "2", paramLabel = "KEY VALUE", description = "An annotation (JSON or text); repeatable.")
    List<String> annotations = new ArrayList<>();

    @Option(names = {"-t", "--timeout"}, paramLabel = "DURATION",
            description = "Time limit, e.g. 30s or 500ms; a bare number is seconds (server default 60s).")
    Duration timeout;

    @Option(names = {"-m", "--memory"}, paramLabel = "MB", description = "Memory limit in MB (server default 256).")
    Integer memory;

    @Option(names = {"-l", "--logs"}, paramLabel = "MB", description = "Log limit in MB (server default 10).")
    Integer logs;

    @Option(names = {"-c", "--concurrency"}, paramLabel = "N", description = "Activations of it at once (server default 1).")
    Integer concurrency;

    @Option(names = "--web", arity = "0..1", paramLabel = "true|false|raw", fallbackValue = "true",
            description = "Export it as a web action, answering without a key (raw: with the raw HTTP request, raw-http); "
                    + "false: no longer.")
    String web;

    abstract boolean overwrite();

    @Override
    public Integer call() throws IOException {
        ObjectNode body = ApiClient.JSON.createObjectNode();
        if (file != null || image != null || kind != null) {
            body.set("exec", exec());
        } else if (!overwrite()) {
            throw new ParameterException(spec.commandLine(), "give the action's code (FILE), or --kind blackbox --image REF");
        }
        if (!params.isEmpty()) {
            body.set("parameters", Params.keyValues(params));
        }
        List<String> notes = new ArrayList<>(annotations);
        if (web != null) {
            switch (web) {
                case "true" -> notes.addAll(List.of("web-export", "true", "raw-http", "false"));
                case "raw" -> notes.addAll(List.of("web-export", "true", "raw-http", "true"));
                case "false" -> notes.addAll(List.of("web-export", "false"));
                default -> throw new ParameterException(spec.commandLine(), "--web takes true, false or raw, not '" + web + "'");
            }
        }
        if (!notes.isEmpty()) {
            body.set("annotations", Params.keyValues(notes));
        }
        ObjectNode limits = ApiClient.JSON.createObjectNode();
        if (timeout != null) {
            limits.put("timeout", timeout.toMillis());
        }
        if (memory != null) {
            limits.put("memory", memory);
        }
        if (logs != null) {
            limits.put("logs", logs);
        }
        if (concurrency != null) {
            limits.put("concurrency", concurrency);
        }
        if (!limits.isEmpty()) {
            body.set("limits", limits);
        }
        try {
            api.client().put(ApiClient.path("actions", name), ApiClient.query("overwrite", Boolean.toString(overwrite())), body);
        } catch (ApiClient.ApiException e) {
            throw withTimeoutHint(e);
        }
        spec.commandLine().getOut().println((overwrite() ? "updated " : "created ") + name);
        spec.commandLine().getOut().flush();
        return 0;
    }

    /**
     * A refused time limit given as a bare number gets a note that it was read as seconds: wsk's
     * {@code -t} takes milliseconds, so {@code -t 1000} is 1000 s here, and the server's answer
     * alone ("1000000 is outside ... ms") does not say why.
     */
    private ApiClient.ApiException withTimeoutHint(ApiClient.ApiException e) {
        String given = timeoutText();
        if (e.status() != 400 || given == null || !e.getMessage().contains("limits.timeout") || !given.matches("\\d+(\\.\\d+)?")) {
            return e;
        }
        return new ApiClient.ApiException(e.status(), e.getMessage(), "--timeout " + given + " was read as " + given
                + " seconds (a bare number is seconds, not wsk's milliseconds): give a unit, e.g. --timeout " + given + "ms or 30s");
    }

    /** The --timeout text as given, or null. */
    private String timeoutText() {
        var option = spec.findOption("--timeout");
        return option == null || timeout == null ? null : option.originalStringValues().stream().reduce((a, b) -> b).orElse(null);
    }

    private ObjectNode exec() throws IOException {
        String k = kind != null ? kind : file == null ? null : guessKind(file);
        if (k == null) {
            throw new ParameterException(spec.commandLine(), "give --kind (python:3, shell or blackbox)");
        }
        ObjectNode exec = ApiClient.JSON.createObjectNode().put("kind", k);
        if (file != null) {
            if (!Files.isRegularFile(file)) {
                throw new ParameterException(spec.commandLine(), "no such file: " + file);
            }
            byte[] code = Files.readAllBytes(file);
            exec.put("code", file.toString().endsWith(".zip")
                    ? Base64.getEncoder().encodeToString(code)
                    : new String(code, StandardCharsets.UTF_8));
        }
        if (main != null) {
            exec.put("main", main);
        }
        if (image != null) {
            exec.put("image", image);
        }
        return exec;
    }

    private static String guessKind(Path file) {
        String n = file.getFileName().toString();
        return n.endsWith(".py") || n.endsWith(".zip") ? "python:3" : "shell";
    }

    @Command(name = "create", mixinStandardHelpOptions = true, description = "Deploy a new action (fails if it exists).",
            footer = {"", "Example: ./flint action create hello hello.py -p name World",
                    "Example: ./flint action create count count.sh --timeout 5s --memory 128"})
    static final class Create extends ActionPutCommand {
        @Override
        boolean overwrite() {
            return false;
        }
    }

    @Command(name = "update", mixinStandardHelpOptions = true,
            description = "Update an action (or create it); what is not given is kept.")
    static final class Update extends ActionPutCommand {
        @Override
        boolean overwrite() {
            return true;
        }
    }
}
