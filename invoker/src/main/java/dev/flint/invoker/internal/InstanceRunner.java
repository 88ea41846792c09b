package dev.flint.invoker.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.flint.invoker.FunctionSpec;
import dev.flint.invoker.LogCollector;
import dev.flint.invoker.Status;
import dev.flint.sandbox.Instance;
import dev.flint.sandbox.Outcome;
import dev.flint.sandbox.Sandbox;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * Instance mode (DESIGN.md §6), the shape of OpenWhisk's action loop: the runtime that is up in
 * the sandbox gets one JSON request line on its channel (the first one also names the code to
 * load), answers with one JSON line there, and ends its stdout and stderr for the activation with
 * a marker line each. Anything else (a timeout, an OOM, a runtime that died or broke the protocol)
 * ends the sandbox's use: it is not reused.
 */
public final class InstanceRunner {
    /** How long, after the answer, the markers may take before the logs are taken as they are. */
    private static final Duration MARKER_WAIT = Duration.ofMillis(200);
    /** Room for the answer's own fields around the result. */
    private static final long ANSWER_SLACK = 64 * 1024;

    private final ObjectMapper json;
    private final long maxResultBytes;

    public InstanceRunner(ObjectMapper json, long maxResultBytes) {
        this.json = json;
        this.maxResultBytes = maxResultBytes;
    }

    /**
     * Runs one activation in the sandbox's instance (which the caller started); the first one in a
     * sandbox also attaches the function's code, and init hands the request over once it is there.
     */
    public RunReport run(Sandbox sandbox, Instance instance, FunctionSpec f, ActivationEnv env, ObjectNode payload,
            LogCollector logs) {
        Answer answer = new Answer(new LineBuffer(maxResultBytes + ANSWER_SLACK), logs);
        byte[] request = request(f, env, payload);
        Instance.Result r = f.code() != null && !sandbox.attached()
                ? instance.attachAndConverse(f.code(), FunctionSpec.CODE_PATH, request, f.limits().timeout(), answer)
                : instance.converse(request, f.limits().timeout(), answer);
        if (r == Instance.Result.TIMED_OUT && answer.line.complete()) {
            r = instance.converse(new byte[0], MARKER_WAIT, answer); // the answer came; let the logs catch up
        }
        logs.finish();
        Instance.Usage usage = instance.ended() ? new Instance.Usage(0, 0) : instance.takeUsage();
        long peak = usage.peakMemoryBytes();
        if (r == Instance.Result.ENDED) {
            return ended(instance, f, answer);
        }
        if (!answer.line.complete()) {
            sandbox.kill();
            return RunReport.failed(Status.TIMEOUT, Messages.timedOut(f.limits()), false, peak);
        }
        if (usage.oomKills() > 0) {
            return RunReport.failed(Status.MEMORY_LIMIT, Messages.outOfMemory(f.limits()), false, peak);
        }
        return parse(answer.line, r == Instance.Result.COMPLETE, peak);
    }

    /**
     * The request line. Written field by field around the payload's own serialisation: building a
     * tree for the fixed fields and serialising it showed in a warm invocation's profile.
     */
    private byte[] request(FunctionSpec f, ActivationEnv env, ObjectNode payload) {
        try {
            java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream(256);
            out.write(VALUE_FIELD);
            out.write(json.writeValueAsBytes(payload));
            field(out, "code", FunctionSpec.codePath(f.entry()));
            field(out, "main", "main");
            field(out, "activation_id", env.activationId());
            field(out, "action_name", env.actionName());
            field(out, "namespace", env.namespace());
            out.write((",\"deadline\":" + env.deadline().toEpochMilli()).getBytes(StandardCharsets.US_ASCII));
            if (!f.env().isEmpty()) {
                out.write(",\"env\":".getBytes(StandardCharsets.US_ASCII));
                out.write(json.writeValueAsBytes(f.env()));
            }
            out.write('}');
            out.write('\n');
            return out.toByteArray();
        } catch (IOException e) {
            throw new IllegalStateException("JSON to memory does not fail", e);
        }
    }

    private static final byte[] VALUE_FIELD = "{\"value\":".getBytes(StandardCharsets.US_ASCII);

    private static void field(java.io.ByteArrayOutputStream out, String name, String value) throws IOException {
        out.write(',');
        out.write('"');
        out.write(name.getBytes(StandardCharsets.US_ASCII));
        out.write(QUOTE_COLON_QUOTE);
        out.write(com.fasterxml.jackson.core.io.JsonStringEncoder.getInstance().quoteAsUTF8(value));
        out.write('"');
    }

    private static final byte[] QUOTE_COLON_QUOTE = "\":\"".getBytes(StandardCharsets.US_ASCII);

    private static RunReport ended(Instance instance, FunctionSpec f, Answer answer) {
        if (instance.outcome() == Outcome.OUT_OF_MEMORY) {
            return RunReport.failed(Status.MEMORY_LIMIT, Messages.outOfMemory(f.limits()), false, 0);
        }
        if (instance.outcome() == Outcome.KILLED) {
            return RunReport.failed(Status.PLATFORM_ERROR, "the activation was stopped by the platform", false, 0);
        }
        return RunReport.failed(Status.APPLICATION_ERROR,
                "the action's runtime ended during the activation (" + instance.outcome().name().toLowerCase() + ")",
                false, 0);
    }

    private RunReport parse(LineBuffer line, boolean clean, long peak) {
        if (line.tooLong()) {
            return RunReport.failed(Status.DEVELOPER_ERROR, "the action's result exceeds " + maxResultBytes + " bytes", false, peak);
        }
        JsonNode answer;
        try {
            answer = json.readTree(line.bytes());
        } catch (IOException e) {
            answer = null;
        }
        if (answer == null || !answer.isObject() || line.trailing()) {
            return RunReport.failed(Status.DEVELOPER_ERROR,
                    "the action's runtime broke its protocol (did the function write to fd 3?)", false, peak);
        }
        String status = answer.path("status").asText("");
        boolean reusable = clean;
        if ("success".equals(status) && answer.get("result") instanceof ObjectNode result) {
            Status s = result.has("error") ? Status.APPLICATION_ERROR : Status.SUCCESS;
            return new RunReport(s, result, reusable, peak);
        }
        String error = answer.path("error").asText("the action's runtime gave no error message");
        return switch (status) {
            case "application error" -> RunReport.failed(Status.APPLICATION_ERROR, error, reusable, peak);
            case "developer error" -> RunReport.failed(Status.DEVELOPER_ERROR, error, reusable, peak);
            default -> RunReport.failed(Status.DEVELOPER_ERROR, "the action's runtime answered status '" + status + "'", false, peak);
        };
    }

    /** The answer line on the channel and the logs on stdout and stderr, until both markers came. */
    private static final class Answer implements Instance.Listener {
        final LineBuffer line;
        final LogCollector logs;

        Answer(LineBuffer line, LogCollector logs) {
            this.line = line;
            this.logs = logs;
        }

        @Override
        public void channel(byte[] data, int offset, int length) {
            line.accept(data, offset, length);
        }

        @Override
        public void output(boolean stderr, byte[] data, int offset, int length) {
            logs.accept(stderr ? "stderr" : "stdout", data, offset, length);
        }

        @Override
        public boolean complete() {
            return line.complete() && logs.bothMarkersSeen();
        }
    }
}
