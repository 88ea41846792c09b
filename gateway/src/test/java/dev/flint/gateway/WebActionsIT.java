package dev.flint.gateway;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.flint.gateway.ServerProcess.Reply;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Web actions over real HTTP against the packaged server, as a browser or {@code curl} calls them:
 * no API key, {@code /api/v1/web/guest/default/NAME[.ext][/path]}; the request as {@code __ow_*}
 * arguments, the result as the HTTP answer; raw-http, require-whisk-auth, final parameters, CORS and
 * the error statuses.
 */
class WebActionsIT {
    private static final String API = "/api/v1/namespaces/_/actions/";
    private static final String WEB = "/api/v1/web/guest/default/";
    /** Answers its arguments as a JSON body. */
    private static final String ECHO = "def main(args):\n    return {'body': args}\n";
    /** Answers what the request's {@code resp} field says (an HTTP response, or anything). */
    private static final String RESPOND = "def main(args):\n    return args.get('resp', {})\n";
    private static final byte[] PNG = {(byte) 0x89, 'P', 'N', 'G', 0, 1, 2, (byte) 0xff, (byte) 0xfe};

    private static ServerProcess server;
    private static String key;
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    /** A web reply with its raw bytes. */
    record Web(int status, java.net.http.HttpHeaders headers, byte[] bytes) {
        String body() {
            return new String(bytes, StandardCharsets.UTF_8);
        }

        JsonNode json() {
            try {
                return ServerProcess.JSON.readTree(bytes);
            } catch (IOException e) {
                throw new AssertionError("not JSON (" + status + "): " + body(), e);
            }
        }

        String header(String name) {
            return headers.firstValue(name).orElse(null);
        }

        String type() {
            String t = header("content-type");
            return t == null ? null : t.split(";")[0].trim();
        }
    }

    @BeforeAll
    static void start() throws Exception {
        server = ServerProcess.start("WebActionsIT", Map.of());
        key = server.guestKey();
        action("echo", ECHO, Map.of("web-export", true), "[{\"key\":\"fromAction\",\"value\":\"underneath\"},"
                + "{\"key\":\"who\",\"value\":\"action\"}]", null);
        action("respond", RESPOND, Map.of("web-export", true), null, null);
        action("raw", ECHO, Map.of("web-export", true, "raw-http", true), null, null);
        action("locked", ECHO, Map.of("web-export", true, "final", true), "[{\"key\":\"who\",\"value\":\"action\"}]", null);
        action("needs-key", ECHO, Map.of("web-export", true, "require-whisk-auth", true), null, null);
        action("needs-secret", ECHO, Map.of("web-export", true, "require-whisk-auth", "s3cret"), null, null);
        action("own-options", ECHO, Map.of("web-export", true, "web-custom-options", true), null, null);
        action("private", ECHO, Map.of(), null, null);
        action("unexported", ECHO, Map.of("web-export", false), null, null);
        action("fails", "def main(args):\n    return {'error': args.get('err', 'bad input')}\n", Map.of("web-export", true), null, null);
        shellAction("broken", "echo not-json", Map.of("web-export", true), null);
        shellAction("slow", "sleep 5", Map.of("web-export", true), "{\"timeout\":300}");
    }

    @AfterAll
    static void stop() throws Exception {
        if (server != null) {
            server.close();
        }
    }

    private static void action(String name, String code, Map<String, Object> annotations, String parameters, String limits) {
        ObjectNode body = ServerProcess.JSON.createObjectNode();
        body.putObject("exec").put("kind", "python:3").put("code", code);
        put(name, body, annotations, parameters, limits);
    }

    private static void shellAction(String name, String code, Map<String, Object> annotations, String limits) {
        ObjectNode body = ServerProcess.JSON.createObjectNode();
        body.putObject("exec").put("kind", "shell").put("code", code);
        put(name, body, annotations, null, limits);
    }

    private static void put(String name, ObjectNode body, Map<String, Object> annotations, String parameters, String limits) {
        try {
            ArrayNode ann = body.putArray("annotations");
            annotations.forEach((k, v) -> ann.addObject().put("key", k).set("value", ServerProcess.JSON.valueToTree(v)));
            if (parameters != null) {
                body.set("parameters", ServerProcess.JSON.readTree(parameters));
            }
            if (limits != null) {
                body.set("limits", ServerProcess.JSON.readTree(limits));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Reply r = server.send("PUT", API + name, body.toString(), key);
        assertEquals(200, r.status(), r.body());
    }

    private static Web web(String method, String path, String contentType, byte[] body, String... headers) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(server.base() + path)).timeout(Duration.ofSeconds(90))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body));
        if (contentType != null) {
            b.header("Content-Type", contentType);
        }
        for (int i = 0; i + 1 < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        try {
            HttpResponse<byte[]> r = HTTP.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
            return new Web(r.statusCode(), r.headers(), r.body());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static Web get(String path, String... headers) {
        return web("GET", path, null, null, headers);
    }

    private static Web postJson(String path, String json, String... headers) {
        return web("POST", path, "application/json", json.getBytes(StandardCharsets.UTF_8), headers);
    }

    private static String basic(String k) {
        return "Basic " + Base64.getEncoder().encodeToString(k.getBytes(StandardCharsets.UTF_8));
    }

    private static void assertError(Web r, int status, String text) {
        assertEquals(status, r.status(), r.body());
        assertEquals("application/json", r.type(), r.body());
        assertEquals(text, r.json().path("error").asText(), r.body());
        assertTrue(r.json().path("code").isTextual(), r.body());
    }

    @Test
    void get_withoutAKey_passesMethodHeadersPathAndQuery_overTheActionsParameters() {
        Web r = get(WEB + "echo.json/body?name=Ada&who=query", "X-Custom-Thing", "Yes");
        assertEquals(200, r.status(), r.body());
        assertEquals("application/json", r.type());
        JsonNode args = r.json();
        assertEquals("get", args.path("__ow_method").asText());
        assertEquals("Yes", args.path("__ow_headers").path("x-custom-thing").asText(), "header names in lower case");
        assertEquals("/body", args.path("__ow_path").asText());
        assertEquals("Ada", args.path("name").asText());
        assertEquals("query", args.path("who").asText(), "the request wins over a parameter that is not final");
        assertEquals("underneath", args.path("fromAction").asText(), "the action's parameters under the request's");
        assertFalse(args.has("__ow_user"), "an anonymous caller");
        assertFalse(args.has("__ow_query"));
    }

    @Test
    void post_jsonBodyFieldsAreMerged_formBodiesDecoded_andOtherBodiesPassedAsOwBody() {
        JsonNode json = postJson(WEB + "echo.json/body?q=1", "{\"name\":\"Ada\",\"n\":2,\"nested\":{\"a\":[1]}}").json();
        assertEquals("post", json.path("__ow_method").asText());
        assertEquals("Ada", json.path("name").asText());
        assertEquals(2, json.path("n").asInt());
        assertEquals("{\"a\":[1]}", json.path("nested").toString());
        assertEquals("1", json.path("q").asText());

        JsonNode form = web("PUT", WEB + "echo.json/body", "application/x-www-form-urlencoded",
                "a=1&b=two+words&c=%C3%A9".getBytes(StandardCharsets.UTF_8)).json();
        assertEquals("put", form.path("__ow_method").asText());
        assertEquals("1", form.path("a").asText());
        assertEquals("two words", form.path("b").asText());
        assertEquals("é", form.path("c").asText());

        JsonNode text = web("PATCH", WEB + "echo.json/body", "text/plain", "just words".getBytes(StandardCharsets.UTF_8)).json();
        assertEquals("patch", text.path("__ow_method").asText());
        assertEquals("just words", text.path("__ow_body").asText());

        JsonNode binary = web("DELETE", WEB + "echo.json/body", "application/octet-stream", PNG).json();
        assertEquals("delete", binary.path("__ow_method").asText());
        assertArrayEquals(PNG, Base64.getDecoder().decode(binary.path("__ow_body").asText()), "binary bodies as base64");

        Web malformed = postJson(WEB + "echo.json", "{not json");
        assertEquals(400, malformed.status(), malformed.body());
    }

    @Test
    void rawHttp_passesTheQueryStringAndTheBodyUnparsed() {
        JsonNode text = web("POST", WEB + "raw.json/body?a=1&b=x%20y", "text/plain", "a=b&c".getBytes(StandardCharsets.UTF_8)).json();
        assertEquals("a=1&b=x%20y", text.path("__ow_query").asText());
        assertEquals("a=b&c", text.path("__ow_body").asText());
        assertFalse(text.has("a"), "no parsed query parameters");
        assertFalse(text.has("__ow_user"));

        JsonNode json = postJson(WEB + "raw.json/body", "{\"a\":1}").json();
        assertEquals("{\"a\":1}", new String(Base64.getDecoder().decode(json.path("__ow_body").asText()), StandardCharsets.UTF_8),
                "a JSON body as base64, OpenWhisk's rule for raw-http");
        assertFalse(json.has("a"));

        JsonNode binary = web("PUT", WEB + "raw.json/body", "image/png", PNG).json();
        assertArrayEquals(PNG, Base64.getDecoder().decode(binary.path("__ow_body").asText()));

        JsonNode empty = get(WEB + "raw.json/body").json();
        assertEquals("", empty.path("__ow_query").asText());
        assertEquals("", empty.path("__ow_body").asText());
    }

    @Test
    void reservedAndFinalParameters_cannotBeSetByTheRequest() {
        String notAllowed = "Request defines parameters that are not allowed (e.g., reserved properties).";
        assertError(get(WEB + "echo.json?__ow_method=post"), 400, notAllowed);
        assertError(postJson(WEB + "echo.json", "{\"__ow_headers\":{}}"), 400, notAllowed);
        assertError(get(WEB + "locked.json?who=me"), 400, notAllowed);
        assertError(postJson(WEB + "locked.json", "{\"who\":\"me\"}"), 400, notAllowed);
        Web ok = get(WEB + "locked.json/body?other=1");
        assertEquals(200, ok.status(), ok.body());
        assertEquals("action", ok.json().path("who").asText());
    }

    @Test
    void http_takesStatusHeadersAndBodyFromTheResult() {
        Web html = postJson(WEB + "respond", "{\"resp\":{\"statusCode\":201,\"headers\":{\"X-Made-By\":\"flint\","
                + "\"Set-Cookie\":[\"a=1\",\"b=2\"]},\"body\":\"<p>hi</p>\"}}");
        assertEquals(201, html.status(), html.body());
        assertEquals("text/html", html.type(), "a string body defaults to text/html");
        assertEquals("<p>hi</p>", html.body());
        assertEquals("flint", html.header("x-made-by"));
        assertEquals(java.util.List.of("a=1", "b=2"), html.headers().allValues("set-cookie"));
        assertTrue(html.header("x-openwhisk-activation-id").matches("[0-9a-f]{32}"));

        Web json = postJson(WEB + "respond.http", "{\"resp\":{\"body\":{\"a\":[1,2]}}}");
        assertEquals(200, json.status(), json.body());
        assertEquals("application/json", json.type(), "a JSON body defaults to application/json");
        assertEquals("{\"a\":[1,2]}", json.json().toString());

        Web typed = postJson(WEB + "respond", "{\"resp\":{\"headers\":{\"content-type\":\"text/plain\"},\"body\":\"plain\"}}");
        assertEquals("text/plain", typed.type());
        assertEquals("plain", typed.body());

        Web empty = postJson(WEB + "respond", "{\"resp\":{\"headers\":{\"Location\":\"/elsewhere\"},\"statusCode\":302}}");
        assertEquals(302, empty.status());
        assertEquals("/elsewhere", empty.header("location"));
        assertEquals(0, empty.bytes().length);
        assertEquals(204, postJson(WEB + "respond", "{\"resp\":{}}").status(), "no body and no status: 204, as OpenWhisk");

        String notHttp = "Response is not valid 'message/http'.";
        assertError(postJson(WEB + "respond", "{\"resp\":{\"statusCode\":\"teapot\"}}"), 400, notHttp);
        assertError(postJson(WEB + "respond", "{\"resp\":{\"headers\":\"no\"}}"), 400, notHttp);
        assertError(postJson(WEB + "respond", "{\"resp\":{\"headers\":{\"content-type\":\"text/plain\"},\"body\":{\"a\":1}}}"), 400,
                "Response did not specify a valid Content-Type.");
    }

    @Test
    void http_binaryContentTypes_decodeTheBase64Body() {
        String b64 = Base64.getEncoder().encodeToString(PNG);
        Web png = postJson(WEB + "respond.http", "{\"resp\":{\"headers\":{\"Content-Type\":\"image/png\"},\"body\":\"" + b64 + "\"}}");
        assertEquals(200, png.status(), png.body());
        assertEquals("image/png", png.type());
        assertArrayEquals(PNG, png.bytes());
        assertError(postJson(WEB + "respond", "{\"resp\":{\"headers\":{\"Content-Type\":\"image/png\"},\"body\":\"not base64!\"}}"),
                400, "Response did not specify a valid Content-Type.");
    }

    @Test
    void jsonAndTextExtensions_answerTheResultOrTheFieldTheExtraPathNames() {
        Web whole = postJson(WEB + "respond.json", "{\"resp\":{\"a\":{\"b\":[1]},\"text\":\"words\"}}");
        assertEquals(200, whole.status(), whole.body());
        assertEquals("application/json", whole.type());
        assertEquals("{\"a\":{\"b\":[1]},\"text\":\"words\"}", whole.json().toString());
        assertEquals("{\"b\":[1]}", postJson(WEB + "respond.json/a", "{\"resp\":{\"a\":{\"b\":[1]}}}").json().toString());
        assertEquals("[1]", postJson(WEB + "respond.json/a/b", "{\"resp\":{\"a\":{\"b\":[1]}}}").json().toString());
        assertError(postJson(WEB + "respond.json/missing", "{\"resp\":{\"a\":1}}"), 404, "Response does not include requested property.");
        assertError(postJson(WEB + "respond.json/a", "{\"resp\":{\"a\":1}}"), 400, "Response is not valid 'application/json'.");

        Web text = postJson(WEB + "respond.text", "{\"resp\":{\"text\":\"plain words\"}}");
        assertEquals(200, text.status(), text.body());
        assertEquals("text/plain", text.type());
        assertEquals("plain words", text.body());
        assertError(postJson(WEB + "respond.text", "{\"resp\":{\"other\":1}}"), 404, "Response does not include requested property.");
    }

    @Test
    void requireWhiskAuth_true_wantsTheNamespacesKey_andAStringWantsTheHeader() {
        assertError(get(WEB + "needs-key.json"), 401, "The supplied authentication is invalid.");
        assertError(get(WEB + "needs-key.json", "Authorization", basic(key.substring(0, key.indexOf(':')) + ":" + "x".repeat(64))),
                401, "The supplied authentication is invalid.");
        Web ok = get(WEB + "needs-key.json/body", "Authorization", basic(key));
        assertEquals(200, ok.status(), ok.body());
        assertEquals("guest", ok.json().path("__ow_user").asText());

        assertEquals(401, get(WEB + "needs-secret.json").status());
        assertEquals(401, get(WEB + "needs-secret.json", "X-Require-Whisk-Auth", "wrong").status());
        assertEquals(401, get(WEB + "needs-secret.json", "Authorization", basic(key)).status(), "a key is not the secret");
        Web secret = get(WEB + "needs-secret.json/body", "X-Require-Whisk-Auth", "s3cret");
        assertEquals(200, secret.status(), secret.body());
        assertEquals("s3cret", secret.json().path("__ow_headers").path("x-require-whisk-auth").asText());
    }

    @Test
    void actionsThatAreNotExported_orMissing_orInAnotherPackage_are404() {
        String missing = "The requested resource does not exist.";
        assertError(get(WEB + "private.json"), 404, missing);
        assertError(get(WEB + "unexported"), 404, missing);
        assertError(get(WEB + "no-such-action.http"), 404, missing);
        assertError(get("/api/v1/web/guest/somepkg/echo.json"), 404, missing);
        assertError(get("/api/v1/web/nobody/default/echo.json"), 404, missing);
        assertEquals(200, server.get(API + "private", key).status(), "the action is there, only not exported");
    }

    @Test
    void errors_applicationIs400WithItsError_developerAndTimeoutAre502() {
        Web app = get(WEB + "fails.json");
        assertError(app, 400, "bad input");
        assertError(postJson(WEB + "fails", "{\"err\":\"nope\"}"), 400, "nope");
        Web objectError = postJson(WEB + "fails.json", "{\"err\":{\"reason\":\"r\"}}");
        assertEquals(400, objectError.status());
        assertEquals("{\"reason\":\"r\"}", objectError.json().path("error").toString());
        Web teapot = postJson(WEB + "fails.http", "{\"err\":{\"statusCode\":418,\"body\":\"short and stout\"}}");
        assertEquals(418, teapot.status(), "an .http error with its own status answers as the function says");
        assertEquals("short and stout", teapot.body());

        Web dev = get(WEB + "broken.json");
        assertError(dev, 502, "There was an error processing your request.");
        Web slow = get(WEB + "slow.json");
        assertError(slow, 502, "The action exceeded its time limit.");
        String id = slow.header("x-openwhisk-activation-id");
        Reply record = server.get("/api/v1/namespaces/_/activations/" + id, key);
        assertEquals(200, record.status(), "web activations are recorded as any other");
        assertEquals(2, record.json().path("response").path("statusCode").asInt());
    }

    @Test
    void webActivations_areRecordedLikeAnyOther() {
        Web r = get(WEB + "echo.json/body?n=1");
        String id = r.header("x-openwhisk-activation-id");
        Reply record = server.get("/api/v1/namespaces/_/activations/" + id, key);
        assertEquals(200, record.status(), record.body());
        assertEquals("echo", record.json().path("name").asText());
        assertEquals("get", record.json().path("response").path("result").path("body").path("__ow_method").asText());
    }

    @Test
    void options_answersCorsAtOnce_unlessTheActionHandlesItsOwn() {
        Web pre = web("OPTIONS", WEB + "needs-key.json", null, null, "Access-Control-Request-Headers", "X-Foo");
        assertEquals(200, pre.status(), pre.body());
        assertEquals("*", pre.header("access-control-allow-origin"));
        assertEquals("OPTIONS, GET, DELETE, POST, PUT, HEAD, PATCH", pre.header("access-control-allow-methods"));
        assertEquals("X-Foo", pre.header("access-control-allow-headers"));
        assertNull(pre.header("x-openwhisk-activation-id"), "nothing ran");
        assertEquals("*", get(WEB + "echo.json").header("access-control-allow-origin"), "every answer carries CORS headers");

        Web own = web("OPTIONS", WEB + "own-options.json/body", null, null);
        assertEquals(200, own.status(), own.body());
        assertEquals("options", own.json().path("__ow_method").asText(), "the action answered the OPTIONS itself");
        assertNull(own.header("access-control-allow-origin"));

        Web head = web("HEAD", WEB + "echo.json", null, null);
        assertEquals(200, head.status());
        assertEquals(0, head.bytes().length);
    }
}
