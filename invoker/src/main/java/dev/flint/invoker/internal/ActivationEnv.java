package dev.flint.invoker.internal;

import dev.flint.invoker.FunctionSpec;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What a function learns of its activation, as OpenWhisk's runtimes pass it: the activation id,
 * its own name and namespace, and the deadline (epoch milliseconds).
 */
public record ActivationEnv(String activationId, String actionName, String namespace, Instant deadline) {

    public static ActivationEnv of(FunctionSpec f, String activationId, Instant deadline) {
        return new ActivationEnv(activationId, f.qualifiedName(), f.namespace(), deadline);
    }

    /** As environment variables ({@code __OW_ACTIVATION_ID} and so on). */
    public Map<String, String> variables() {
        Map<String, String> v = new LinkedHashMap<>();
        v.put("__OW_ACTIVATION_ID", activationId);
        v.put("__OW_ACTION_NAME", actionName);
        v.put("__OW_NAMESPACE", namespace);
        v.put("__OW_DEADLINE", Long.toString(deadline.toEpochMilli()));
        return v;
    }
}
