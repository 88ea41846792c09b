package dev.flint.gateway.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.flint.gateway.api.ApiException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class WebArgumentsTest {
    private static WebRequest request(String query, String type, String body) {
        return new WebRequest("POST", Map.of("content-type", type == null ? "" : type), "/x", query, WebArguments.form(query), type,
                body == null ? null : body.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void jsonBodyFields_winOverTheQuery() {
        ObjectNode args = WebArguments.of(request("a=1&b=2", "application/json", "{\"b\":3}"), false, Set.of(), null);
        assertEquals("post", args.get("__ow_method").asText());
        assertEquals("/x", args.get("__ow_path").asText());
        assertEquals("1", args.get("a").asText());
        assertEquals(3, args.get("b").asInt());
        assertFalse(args.has("__ow_body"));
    }

    @Test
    void aJsonArrayBody_isOwBody_andAnEmptyJsonBodyIsNothing() {
        assertEquals("[1]", WebArguments.of(request("", "application/json", "[1]"), false, Set.of(), null).get("__ow_body").toString());
        assertFalse(WebArguments.of(request("", "application/json", ""), false, Set.of(), null).has("__ow_body"));
    }

    @Test
    void reservedOrFinalNames_are400() {
        assertThrows(ApiException.class, () -> WebArguments.of(request("__ow_path=/", null, null), false, Set.of(), null));
        assertThrows(ApiException.class, () -> WebArguments.of(request("", "application/json", "{\"p\":1}"), false, Set.of("p"), null));
        assertEquals("__ow_path=1", WebArguments.of(request("__ow_path=1", null, null), true, Set.of(), null).get("__ow_query").asText(),
                "raw-http passes the query as it is, unchecked");
    }

    @Test
    void rawHttp_base64sJsonAndBinary_butNotText() {
        assertEquals("eyJhIjoxfQ==", WebArguments.of(request("", "application/json", "{\"a\":1}"), true, Set.of(), null)
                .get("__ow_body").asText());
        assertEquals("a=1", WebArguments.of(request("", "application/x-www-form-urlencoded", "a=1"), true, Set.of(), null)
                .get("__ow_body").asText());
        assertEquals("YWI=", WebArguments.of(request("", "application/octet-stream", "ab"), true, Set.of(), null).get("__ow_body").asText());
    }

    @Test
    void form_decodesPlusAndPercent_lastWins() {
        assertEquals(Map.of("a", "x y", "b", "é", "c", ""), WebArguments.form("a=1&a=x+y&b=%C3%A9&c"));
    }
}
