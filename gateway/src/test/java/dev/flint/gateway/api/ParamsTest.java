package dev.flint.gateway.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class ParamsTest {
    @Test
    void limit_defaultsTo30_zeroMeans200_andAbove200Is400NamingLimit() {
        assertEquals(30, Params.limit(null));
        assertEquals(30, Params.limit(""));
        assertEquals(200, Params.limit("0"));
        assertEquals(200, Params.limit("200"));
        ApiException e = assertThrows(ApiException.class, () -> Params.limit("201"));
        assertEquals(400, e.status());
        assertTrue(e.getMessage().startsWith("limit:"));
        assertTrue(assertThrows(ApiException.class, () -> Params.skip("-1")).getMessage().startsWith("skip:"));
    }

    @Test
    void bool_acceptsTrueAndFalseOnly() {
        assertTrue(Params.bool("b", "TRUE", false));
        assertFalse(Params.bool("b", null, false));
        assertTrue(assertThrows(ApiException.class, () -> Params.bool("blocking", "yes", false)).getMessage().startsWith("blocking:"));
    }

    @Test
    void json_emptyIsAnObject_malformedNamesTheBody_trailingGarbageIsMalformed() {
        assertEquals("{}", Params.json(new byte[0]).toString());
        assertEquals("{}", Params.json("  ".getBytes(StandardCharsets.UTF_8)).toString());
        assertTrue(assertThrows(ApiException.class, () -> Params.json("{\"a\":".getBytes(StandardCharsets.UTF_8)))
                .getMessage().startsWith("body: malformed JSON"));
        assertThrows(ApiException.class, () -> Params.json("{} {}".getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void requireJson_refusesOtherContentTypesWith415() {
        Params.requireJson(null);
        Params.requireJson("application/json; charset=utf-8");
        Params.requireJson("application/vnd.api+json");
        assertEquals(415, assertThrows(ApiException.class, () -> Params.requireJson("text/plain")).status());
    }
}
