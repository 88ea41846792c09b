package dev.flint.invoker;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.util.regex.Pattern;

/**
 * One request to run a function. Immutable (the payload is copied).
 *
 * @param function what to run, with its limits
 * @param payload the JSON object the function gets as its arguments
 * @param activationId the activation's id (OpenWhisk's: 32 lower-case hex digits), chosen by the caller
 * @param deadline the latest moment the activation may still start; null for none. A request still
 *     waiting for a free slot of its function then is rejected ({@link InvokerException.QueueTimeout})
 */
public record Invocation(FunctionSpec function, ObjectNode payload, String activationId, Instant deadline) {
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9_-]{1,64}");

    public Invocation {
        if (function == null) {
            throw new InvokerException.Invalid("function", "function is missing", "give the function to run");
        }
        if (payload == null) {
            throw new InvokerException.Invalid("payload", "payload is missing", "give a JSON object, {} for none");
        }
        if (activationId == null || !ID.matcher(activationId).matches()) {
            throw new InvokerException.Invalid("activationId", "'" + activationId + "' is not an activation id",
                    "1 to 64 letters, digits, _ and -; OpenWhisk uses 32 hex digits");
        }
        payload = payload.deepCopy();
    }

    @Override
    public ObjectNode payload() {
        return payload.deepCopy();
    }
}
