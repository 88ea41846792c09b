package dev.flint.invoker;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

class LimitsTest {
    private static final long MIB = 1L << 20;
    private static final long GIB = 1L << 30;

    @Test
    void defaults_areOpenWhisks() {
        Limits d = Limits.defaults();
        assertEquals(Duration.ofSeconds(60), d.timeout());
        assertEquals(256 * MIB, d.memoryBytes());
        assertEquals(10 * MIB, d.logBytes());
        assertEquals(1, d.concurrency());
    }

    @Test
    void withers_changeOneFieldEach() {
        Limits l = Limits.defaults().withTimeout(Duration.ofSeconds(5)).withMemoryBytes(512 * MIB)
                .withLogBytes(0).withConcurrency(8);
        assertEquals(new Limits(Duration.ofSeconds(5), 512 * MIB, 0, 8), l);
    }

    @Test
    void bounds_areInclusive() {
        assertDoesNotThrow(() -> new Limits(Duration.ofMillis(1), 16 * MIB, 0, 1));
        assertDoesNotThrow(() -> new Limits(Duration.ofHours(24), 64 * GIB, GIB, 1000));
    }

    @Test
    void timeout_outsideOneMillisecondTo24Hours_isInvalid() {
        Limits d = Limits.defaults();
        assertInvalid("timeout", () -> d.withTimeout(Duration.ofNanos(999_999)));
        assertInvalid("timeout", () -> d.withTimeout(Duration.ZERO));
        assertInvalid("timeout", () -> d.withTimeout(Duration.ofSeconds(-1)));
        assertInvalid("timeout", () -> d.withTimeout(Duration.ofHours(24).plusNanos(1)));
        assertInvalid("timeout", () -> d.withTimeout(null));
    }

    @Test
    void memory_outside16MiBTo64GiB_isInvalid() {
        assertInvalid("memory", () -> Limits.defaults().withMemoryBytes(16 * MIB - 1));
        assertInvalid("memory", () -> Limits.defaults().withMemoryBytes(64 * GIB + 1));
    }

    @Test
    void logs_outside0To1GiB_isInvalid() {
        assertInvalid("logs", () -> Limits.defaults().withLogBytes(-1));
        assertInvalid("logs", () -> Limits.defaults().withLogBytes(GIB + 1));
    }

    @Test
    void concurrency_outside1To1000_isInvalid() {
        assertInvalid("concurrency", () -> Limits.defaults().withConcurrency(0));
        assertInvalid("concurrency", () -> Limits.defaults().withConcurrency(1001));
    }

    private static void assertInvalid(String field, Executable build) {
        InvokerException.Invalid e = assertThrows(InvokerException.Invalid.class, build);
        assertEquals(field, e.field());
        assertEquals(false, e.hint().isEmpty());
    }
}
