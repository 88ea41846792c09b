package dev.flint.gateway.triggers;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.flint.gateway.actions.KeyValues;
import dev.flint.gateway.activations.ActivationJson;
import dev.flint.gateway.activations.InvokeService;
import dev.flint.gateway.api.ApiException;
import dev.flint.gateway.platform.Platform;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jboss.logging.Logger;

/**
 * Firing a trigger (OPENWHISK-API.md §5), in order:
 *
 * <ol>
 * <li>read the trigger (404 when there is none); without an active rule, nothing happens;</li>
 * <li>the arguments: the trigger's parameters, under {@code __ow_headers} and the payload (the
 * payload wins);</li>
 * <li>each active rule invokes its action non-blocking, through {@link InvokeService} as an HTTP
 * invoke would; an inactive rule or a failed invoke becomes an error in the log;</li>
 * <li>the trigger activation is recorded: the payload as its result, one log line per rule.</li>
 * </ol>
 *
 * Callable from any thread, which is how a feed (issue #9) fires a trigger. Thread-safe.
 */
@ApplicationScoped
public class TriggerFiring {
    private static final Logger LOG = Logger.getLogger(TriggerFiring.class);
    /** OpenWhisk's text for an invoke that failed inside the platform. */
    private static final String INTERNAL = "There was an internal server error.";

    /** What one rule did: its action's activation id, or an error with OpenWhisk's status code (1 or 3). */
    public record RuleOutcome(EntityRef rule, EntityRef action, int statusCode, String activationId, String error) {
        /** The trigger activation's log line: {@code {statusCode, success, activationId | error, rule, action}}. */
        String logLine() {
            ObjectNode o = JsonNodeFactory.instance.objectNode();
            o.put("statusCode", statusCode);
            o.put("success", statusCode == 0);
            if (activationId != null) {
                o.put("activationId", activationId);
            } else {
                o.put("error", error);
            }
            o.put("rule", rule.asString());
            o.put("action", action.asString());
            return o.toString();
        }
    }

    /** A firing: the trigger activation's id and what each of the trigger's rules did. */
    public record Firing(String activationId, List<RuleOutcome> rules) {
    }

    @Inject
    Platform platform;

    @Inject
    TriggerService triggers;

    @Inject
    InvokeService invokes;

    /**
     * Fires the trigger with {@code payload}; empty when it has no active rule (nothing ran and
     * nothing is recorded).
     *
     * @param headers the request's headers (lower-case names), passed to the actions as {@code __ow_headers}
     */
    public Optional<Firing> fire(String namespace, String name, ObjectNode payload, Map<String, String> headers) {
        ObjectNode trigger = triggers.get(namespace, name);
        var links = TriggerDocs.links(trigger).values();
        if (links.stream().noneMatch(l -> l.status() == RuleStatus.ACTIVE)) {
            return Optional.empty();
        }
        String id = ActivationJson.newId();
        long start = System.currentTimeMillis();
        ObjectNode args = KeyValues.toObject(trigger.get("parameters"));
        ObjectNode owHeaders = args.putObject("__ow_headers");
        headers.forEach(owHeaders::put);
        args.setAll(payload);

        List<RuleOutcome> outcomes = new ArrayList<>();
        for (TriggerDocs.Link link : links) {
            outcomes.add(link.status() == RuleStatus.ACTIVE ? invoke(link, args)
                    : new RuleOutcome(link.rule(), link.action(), 1, null,
                            "Rule '" + link.rule() + "' is inactive, action '" + link.action() + "' was not activated."));
        }
        ObjectNode record = ActivationJson.ofTrigger(trigger, id, start, payload,
                outcomes.stream().map(RuleOutcome::logLine).toList());
        try {
            platform.state().record(ActivationJson.fit(record, platform.config().limits().recordMax()));
        } catch (RuntimeException e) {
            // as OpenWhisk: the actions run; only the trigger's own record is lost
            LOG.errorf(e, "the activation %s of trigger %s/%s could not be recorded", id, namespace, name);
        }
        return Optional.of(new Firing(id, List.copyOf(outcomes)));
    }

    private RuleOutcome invoke(TriggerDocs.Link link, ObjectNode args) {
        EntityRef action = link.action();
        try {
            String id = invokes.invoke(action.namespace(), action.name(), args.deepCopy(), false, false, Duration.ZERO)
                    .activationId();
            return new RuleOutcome(link.rule(), action, 0, id, null);
        } catch (ApiException e) {
            return new RuleOutcome(link.rule(), action, e.status() >= 500 ? 3 : 1, null, e.getMessage());
        } catch (RuntimeException e) {
            LOG.errorf(e, "rule %s could not invoke %s", link.rule(), action);
            return new RuleOutcome(link.rule(), action, 3, null, INTERNAL);
        }
    }
}
