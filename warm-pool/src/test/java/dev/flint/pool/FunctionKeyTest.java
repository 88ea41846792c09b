package dev.flint.pool;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class FunctionKeyTest {

    @ParameterizedTest
    @ValueSource(strings = {"hello", "guest/hello", "ns/pkg/fn-1.2", "a_b/c@2"})
    void parse_ofAWellFormedKey_keepsItsText(String text) {
        assertEquals(text, FunctionKey.parse(text).toString());
        assertEquals(FunctionKey.parse(text), FunctionKey.parse(text));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "/hello", "guest/", "a//b", "a/b/c/d/e", "-x", "sp ace", "../etc", "x/.."})
    void parse_ofAMalformedKey_isRejected(String text) {
        assertThrows(PoolException.Invalid.class, () -> FunctionKey.parse(text));
    }
}
