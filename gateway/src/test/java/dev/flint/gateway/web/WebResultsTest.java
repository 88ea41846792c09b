package dev.flint.gateway.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class WebResultsTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static WebReply http(String result) throws Exception {
        return WebResults.answer(WebExtension.HTTP, JSON.readTree(result));
    }

    private static String body(WebReply r) {
        return new String(r.body(), StandardCharsets.UTF_8);
    }

    @Test
    void http_defaults() throws Exception {
        WebReply html = http("{\"body\":\"<b>x</b>\"}");
        assertEquals(200, html.status());
        assertEquals("text/html; charset=UTF-8", html.contentType());
        WebReply json = http("{\"body\":[1],\"statusCode\":\"201\"}");
        assertEquals(201, json.status());
        assertEquals("application/json", json.contentType());
        assertEquals("[1]", body(json));
        assertEquals(204, http("{\"body\":\"\"}").status());
        assertNull(http("{}").contentType());
    }

    @Test
    void http_invalidShapes_are400() throws Exception {
        assertEquals(400, http("[1]").status());
        assertEquals(400, http("{\"statusCode\":99}").status());
        assertEquals(400, http("{\"headers\":{\"a\":{}}}").status());
        assertEquals(400, http("{\"headers\":{\"content-type\":\"nonsense\"},\"body\":\"x\"}").status());
    }

    @Test
    void http_headers_repeatForArrays_andContentTypeIsNotAHeader() throws Exception {
        WebReply r = http("{\"headers\":{\"A\":[1,true],\"Content-Type\":\"application/octet-stream\"},\"body\":\"AAE=\"}");
        assertEquals(java.util.List.of("1", "true"), r.headerMap().get("A"));
        assertNull(r.headerMap().get("Content-Type"));
        assertEquals(2, r.body().length);
    }

    @Test
    void projection_andExtensions() throws Exception {
        JsonNode result = JSON.readTree("{\"a\":{\"b\":\"t\"},\"text\":\"words\"}");
        assertEquals("\"t\"", WebResults.project(result, "/a/b").toString());
        assertNull(WebResults.project(result, "/a/c"));
        assertEquals(result, WebResults.project(result, ""));
        assertEquals("words", body(WebResults.answer(WebExtension.TEXT, result)));
        assertEquals(400, WebResults.answer(WebExtension.JSON, JSON.readTree("\"s\"")).status());
        assertEquals(400, WebResults.answer(WebExtension.HTML, result).status());
    }

    @Test
    void extension_split() {
        assertEquals(new WebExtension.Split("a.b", WebExtension.JSON), WebExtension.split("a.b.json"));
        assertEquals(new WebExtension.Split("a.xml", WebExtension.HTTP), WebExtension.split("a.xml"));
        assertEquals(new WebExtension.Split(".json", WebExtension.HTTP), WebExtension.split(".json"));
    }
}
