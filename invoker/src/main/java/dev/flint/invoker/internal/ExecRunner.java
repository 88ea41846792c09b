package dev.flint.invoker.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.flint.invoker.FunctionSpec;
import dev.flint.invoker.Kind;
import dev.flint.invoker.LogCollector;
import dev.flint.invoker.Status;
import dev.flint.sandbox.Execution;
import dev.flint.sandbox.ProcessSpec;
import dev.flint.sandbox.Sandbox;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Exec mode (DESIGN.md §6): one fresh process per invocation, in a fresh scratch root; the request
 * JSON on stdin, the result as the last line of stdout, logs on stderr (and stdout's other lines);
 * the environment carries the activation id, the function's name and the deadline.
 */
public final class ExecRunner {
    /** Slack on top of logs and result, so the sandbox's cap never cuts what the collectors keep. */
    private static final long OUTPUT_SLACK = 64 * 1024;

    private final ObjectMapper json;
    private final long maxResultBytes;

    public ExecRunner(ObjectMapper json, long maxResultBytes) {
        this.json = json;
        this.maxResultBytes = maxResultBytes;
    }

    public RunReport run(Sandbox sandbox, FunctionSpec f, ActivationEnv env, ObjectNode payload, LogCollector logs) {
        Instances.end(sandbox); // a stem cell of an image that also serves instance mode
        ExecOutput output = new ExecOutput(logs, maxResultBytes);
        ProcessSpec.Builder spec = ProcessSpec.builder(command(f))
                .cwd(f.cwd())
                .stdin(bytes(payload))
                .timeout(f.limits().timeout())
                .outputLimitBytes(f.limits().logBytes() + maxResultBytes + OUTPUT_SLACK)
                .streamTo(output.stdout(), output.stderr())
                // the record is made when the run ends: a short run wakes this thread once, not per write
                .readOutputAtEnd();
        for (Map.Entry<String, String> e : f.env().entrySet()) {
            spec.env(e.getKey(), e.getValue());
        }
        env.variables().forEach(spec::env);
        ProcessSpec request = spec.build();
        String text = f.kind() == Kind.SHELL && f.code() != null ? PrestartedShell.text(f, request) : null;
        Execution e = runPrestarted(sandbox, f, text, request).orElseGet(() -> sandbox.run(request));
        output.finish();
        RunReport report = reportOf(e, f, output);
        // The next invocation's shell, started now in this sandbox, which is to serve it again
        // (ADR 0017); not when this one's text did not fit: the next one's would not either.
        return text != null ? prestartNext(sandbox, f, report) : report;
    }

    private RunReport reportOf(Execution e, FunctionSpec f, ExecOutput output) {
        long peak = e.usage().peakMemoryBytes();
        return switch (e.outcome()) {
            case TIMED_OUT -> RunReport.failed(Status.TIMEOUT, Messages.timedOut(f.limits()), false, peak);
            case OUT_OF_MEMORY -> RunReport.failed(Status.MEMORY_LIMIT, Messages.outOfMemory(f.limits()), false, peak);
            case KILLED -> RunReport.failed(Status.PLATFORM_ERROR, "the activation was stopped by the platform", false, peak);
            case EXEC_FAILED -> RunReport.failed(Status.DEVELOPER_ERROR, "the action could not start: " + e.error(), true, peak);
            case SIGNALED -> RunReport.failed(Status.APPLICATION_ERROR, "the action was killed by signal " + e.signal(), true, peak);
            case EXITED -> e.exitCode() != 0
                    ? RunReport.failed(Status.APPLICATION_ERROR, "the action exited with status " + e.exitCode(), true, peak)
                    : resultOf(output, peak);
        };
    }

    /**
     * The run on the shell started ahead for this script, when there is one and the text fits; the
     * next invocation's shell is asked for during it, and init starts it when the run ends.
     */
    private static Optional<Execution> runPrestarted(Sandbox sandbox, FunctionSpec f, String text, ProcessSpec request) {
        return text != null && PrestartedShell.readyFor(sandbox, f)
                ? sandbox.runPrestarted(text, request, PrestartedShell.bootstrap(f.entry()))
                : Optional.empty();
    }

    /**
     * Starts the shell of the function's next invocation when the run did not already have it
     * started (a plain run); a sandbox that fails at it is not reused.
     */
    private static RunReport prestartNext(Sandbox sandbox, FunctionSpec f, RunReport report) {
        if (!report.reusable() || sandbox.prestartedCommand().isPresent()) {
            return report;
        }
        try {
            sandbox.prestart(PrestartedShell.bootstrap(f.entry()));
            return report;
        } catch (RuntimeException e) {
            return new RunReport(report.status(), report.result(), false, report.peakMemoryBytes());
        }
    }

    private static List<String> command(FunctionSpec f) {
        if (f.kind() == Kind.SHELL) {
            return List.of("/bin/sh", FunctionSpec.codePath(f.entry()));
        }
        return new ArrayList<>(f.command());
    }

    private byte[] bytes(ObjectNode payload) {
        try {
            return json.writeValueAsBytes(payload);
        } catch (IOException e) {
            throw new IllegalStateException("a JSON tree always serialises", e);
        }
    }

    private RunReport resultOf(ExecOutput output, long peak) {
        byte[] line = output.resultLine();
        if (line == null) {
            return RunReport.failed(Status.DEVELOPER_ERROR,
                    "the action printed no result: the last line of its stdout must be a JSON object", true, peak);
        }
        if (output.resultTooLong()) {
            return RunReport.failed(Status.DEVELOPER_ERROR, "the action's result exceeds " + maxResultBytes + " bytes", true, peak);
        }
        JsonNode result;
        try {
            result = json.readTree(line);
        } catch (IOException e) {
            result = null;
        }
        if (!(result instanceof ObjectNode object)) {
            return RunReport.failed(Status.DEVELOPER_ERROR,
                    "the action did not return a JSON object: the last line of its stdout is not one", true, peak);
        }
        // OpenWhisk's rule: a result with an "error" field is the application's error.
        Status status = object.has("error") ? Status.APPLICATION_ERROR : Status.SUCCESS;
        return new RunReport(status, object, true, peak);
    }
}
