package dev.flint.invoker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.NullAndEmptySource;
import org.junit.jupiter.params.provider.ValueSource;

class KindTest {

    @ParameterizedTest
    @CsvSource({
        "shell, SHELL", "exec, SHELL",
        "python:3, PYTHON", "python:default, PYTHON", "python:3.11, PYTHON",
        "blackbox, BLACKBOX"})
    void parse_ofAKnownName_givesItsKind(String text, Kind expected) {
        assertEquals(expected, Kind.parse(text));
    }

    @ParameterizedTest
    @NullAndEmptySource
    @ValueSource(strings = {"x", "python", "python:2", "python:3.x", "nodejs:20", "Shell", " shell", "java"})
    void parse_ofAnUnknownName_isInvalidForTheKindField(String text) {
        InvokerException.Invalid e = assertThrows(InvokerException.Invalid.class, () -> Kind.parse(text));
        assertEquals("kind", e.field());
        assertTrue(e.getMessage().contains("unknown kind '" + text + "'"), e.getMessage());
        assertEquals("use one of shell, python:3, blackbox", e.hint());
    }

    @Test
    void canonical_namesEachKind_andParsesBackToIt() {
        assertEquals("shell", Kind.SHELL.canonical());
        assertEquals("python:3", Kind.PYTHON.canonical());
        assertEquals("blackbox", Kind.BLACKBOX.canonical());
        for (Kind k : Kind.values()) {
            assertEquals(k, Kind.parse(k.canonical()));
        }
    }

    @Test
    void instanceMode_isTrueForPythonOnly() {
        assertTrue(Kind.PYTHON.instanceMode());
        assertFalse(Kind.SHELL.instanceMode());
        assertFalse(Kind.BLACKBOX.instanceMode());
    }

    @Test
    void status_andStartKind_carryOpenWhisksCodesAndLowerCaseTexts() {
        assertEquals(0, Status.SUCCESS.openWhiskCode());
        assertEquals(1, Status.APPLICATION_ERROR.openWhiskCode());
        assertEquals(2, Status.DEVELOPER_ERROR.openWhiskCode());
        assertEquals(2, Status.TIMEOUT.openWhiskCode());
        assertEquals(2, Status.MEMORY_LIMIT.openWhiskCode());
        assertEquals(3, Status.PLATFORM_ERROR.openWhiskCode());
        assertEquals("memory limit exceeded", Status.MEMORY_LIMIT.text());
        assertEquals("application error", Status.APPLICATION_ERROR.text());
        assertEquals("cold", StartKind.COLD.text());
        assertEquals("stem", StartKind.STEM.text());
        assertEquals("warm", StartKind.WARM.text());
        assertEquals(StartKind.STEM, StartKind.of(dev.flint.pool.HitKind.STEM));
    }
}
