package dev.flint.gateway.web;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.flint.gateway.actions.ActionService;
import dev.flint.gateway.actions.EntityNames;
import dev.flint.gateway.activations.InvokeOutcome;
import dev.flint.gateway.activations.InvokeService;
import dev.flint.gateway.api.ApiException;
import dev.flint.gateway.api.Errors;
import dev.flint.gateway.auth.Authenticator;
import dev.flint.gateway.platform.Platform;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One web action request, start to end (docs/gateway.md, "Web actions"; OpenWhisk's
 * {@code WebActions.scala}):
 *
 * <ol>
 * <li>find the action: a namespace, package {@code default} and a name; missing, in another package,
 * or not annotated {@code web-export: true} is a 404;</li>
 * <li>CORS: unless {@code web-custom-options: true}, every answer carries the default CORS headers and
 * OPTIONS answers 200 at once;</li>
 * <li>{@code require-whisk-auth}: {@code true} wants the namespace's own key as Basic auth, a string
 * (or number) wants header {@code X-Require-Whisk-Auth} equal to it; else 401;</li>
 * <li>the arguments ({@link WebArguments}) and a blocking invoke ({@link InvokeService}), recorded as any
 * activation;</li>
 * <li>the answer: success by the extension ({@link WebResults}); an application error is a 400 with its
 * {@code error} (or, for {@code .http}, the error's own {@code {statusCode, headers, body}} when it
 * has a status); a developer error or a timeout is a 502, a platform error a 500, an activation still
 * running after the wait a 202.</li>
 * </ol>
 *
 * Thread-safe.
 */
@ApplicationScoped
public class WebInvoke {
    static final String ACTIVATION_ID_HEADER = "x-openwhisk-activation-id";
    static final List<Map.Entry<String, String>> CORS = List.of(
            Map.entry("Access-Control-Allow-Origin", "*"),
            Map.entry("Access-Control-Allow-Methods", "OPTIONS, GET, DELETE, POST, PUT, HEAD, PATCH"));
    static final String CORS_ALLOW_HEADERS = "Authorization, Origin, X-Requested-With, Content-Type, Accept, User-Agent";
    static final String PROCESSING_ERROR = "There was an error processing your request.";

    @Inject
    Platform platform;

    @Inject
    ActionService actions;

    @Inject
    InvokeService invokes;

    @Inject
    Authenticator auth;

    /** The answer to a request for {@code /api/v1/web/{namespace}/{pkg}/{segment}{request.path}}. */
    public WebReply handle(String namespace, String pkg, String segment, WebRequest request) {
        WebExtension.Split split = WebExtension.split(segment);
        if (!"default".equals(pkg) || !EntityNames.valid(namespace) || !EntityNames.valid(split.action())) {
            throw ApiException.notFound();
        }
        ObjectNode action = actions.document(namespace, split.action());
        JsonNode annotations = action.path("annotations");
        if (!isTrue(annotations, "web-export")) {
            throw ApiException.notFound();
        }
        boolean customOptions = isTrue(annotations, "web-custom-options");
        List<Map.Entry<String, String>> cors = customOptions ? List.of() : cors(request);
        boolean options = request.method().equals("OPTIONS");
        if (options && !customOptions) {
            return new WebReply(200, cors, null, null);
        }
        String user;
        try {
            user = options ? null : authenticate(namespace, annotation(annotations, "require-whisk-auth"), request);
        } catch (ApiException e) {
            return WebReply.error(e.status(), e.getMessage()).withHeaders(cors);
        }
        return invoke(namespace, action, split.extension(), request, user).withHeaders(cors);
    }

    private WebReply invoke(String namespace, ObjectNode action, WebExtension extension, WebRequest request, String user) {
        long payloadMax = platform.config().limits().payloadMax();
        if (request.body().length > payloadMax) {
            return WebReply.error(413, "payload: " + request.body().length + " bytes is more than the " + payloadMax + " bytes allowed");
        }
        ObjectNode args;
        try {
            args = WebArguments.of(request, isTrue(action.path("annotations"), "raw-http"), finalParameters(action), user);
        } catch (ApiException e) {
            return WebReply.error(e.status(), e.getMessage());
        }
        InvokeOutcome outcome = invokes.invoke(namespace, action.path("name").asText(), args, true, false,
                platform.config().invoke().blockingWait());
        List<Map.Entry<String, String>> id = List.of(Map.entry(ACTIVATION_ID_HEADER, outcome.activationId()));
        if (outcome.status() == 202) {
            return WebReply.error(202, "Response not yet ready.").withHeaders(id);
        }
        JsonNode response = outcome.body().path("response");
        JsonNode result = response.path("result");
        return switch (response.path("statusCode").asInt()) {
            case 0 -> success(extension, result, request.path()).withHeaders(id);
            case 1 -> applicationError(extension, result.path("error")).withHeaders(id);
            case 2 -> WebReply.error(502, timedOut(outcome.body()) ? "The action exceeded its time limit." : PROCESSING_ERROR)
                    .withHeaders(id);
            default -> WebReply.error(500, PROCESSING_ERROR).withHeaders(id);
        };
    }

    private static WebReply success(WebExtension extension, JsonNode result, String path) {
        if (extension == WebExtension.HTTP) {
            return WebResults.answer(extension, result);
        }
        JsonNode projected = WebResults.project(result, path);
        return projected == null ? WebReply.error(404, WebResults.PROPERTY_NOT_FOUND) : WebResults.answer(extension, projected);
    }

    private static WebReply applicationError(WebExtension extension, JsonNode error) {
        if (extension == WebExtension.HTTP && error.isObject() && error.has("statusCode")) {
            return WebResults.answer(extension, error);
        }
        return WebReply.error(400, error.isMissingNode() ? TextNode.valueOf(PROCESSING_ERROR) : error);
    }

    /** The caller's namespace when it sent the action namespace's key, else null; 401 when the action wants auth it lacks. */
    private String authenticate(String namespace, JsonNode required, WebRequest request) {
        String authorization = request.header("authorization");
        if (required == null || required.isNull() || required.isBoolean() && !required.asBoolean()) {
            return authorization == null ? null : callerOrNull(authorization, namespace);
        }
        if (required.isBoolean()) {
            String caller = callerOrNull(authorization, namespace);
            if (caller == null) {
                throw new ApiException(401, Errors.textFor(401));
            }
            return caller;
        }
        String expected = required.isTextual() ? required.asText() : required.isNumber() ? required.asText() : null;
        String given = request.header("x-require-whisk-auth");
        if (expected == null || given == null || !MessageDigest.isEqual(expected.getBytes(StandardCharsets.UTF_8),
                given.getBytes(StandardCharsets.UTF_8))) {
            throw new ApiException(401, Errors.textFor(401));
        }
        return authorization == null ? null : callerOrNull(authorization, namespace);
    }

    private String callerOrNull(String authorization, String namespace) {
        try {
            String caller = auth.authenticate(authorization);
            return caller.equals(namespace) ? caller : null;
        } catch (ApiException e) {
            return null;
        }
    }

    private static List<Map.Entry<String, String>> cors(WebRequest request) {
        String asked = request.header("access-control-request-headers");
        List<Map.Entry<String, String>> out = new ArrayList<>(CORS);
        out.add(Map.entry("Access-Control-Allow-Headers", asked != null ? asked : CORS_ALLOW_HEADERS));
        return out;
    }

    /** OpenWhisk's final parameters: with annotation {@code final: true}, every parameter whose value is not null. */
    private static Set<String> finalParameters(ObjectNode action) {
        Set<String> names = new HashSet<>();
        if (isTrue(action.path("annotations"), "final")) {
            for (JsonNode p : action.path("parameters")) {
                if (!p.path("value").isNull() && !p.path("value").isMissingNode()) {
                    names.add(p.path("key").asText());
                }
            }
        }
        return names;
    }

    private static boolean timedOut(JsonNode record) {
        JsonNode t = annotation(record.path("annotations"), "timeout");
        return t != null && t.asBoolean();
    }

    private static boolean isTrue(JsonNode annotations, String key) {
        JsonNode v = annotation(annotations, key);
        return v != null && v.isBoolean() && v.asBoolean();
    }

    private static JsonNode annotation(JsonNode annotations, String key) {
        JsonNode found = null;
        for (JsonNode a : annotations) {
            if (key.equals(a.path("key").asText())) {
                found = a.path("value");
            }
        }
        return found;
    }
}
