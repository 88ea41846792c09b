package dev.flint.invoker;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class LogCollectorTest {
    private static final Instant T0 = Instant.parse("2026-11-24T23:01:02.123456789Z");
    private static final String MARKER = "XXX_THE_END_OF_A_WHISK_ACTIVATION_XXX";

    private final SteppingClock clock = new SteppingClock(T0);

    @Test
    void lines_splitAcrossChunks_areJoined_andStampedWhenTheirNewlineArrives() {
        LogCollector logs = new LogCollector(1 << 20, clock);
        logs.accept("stdout", bytes("hel"));
        clock.advance(Duration.ofMillis(5));
        logs.accept("stdout", bytes("lo\nwor"));
        clock.advance(Duration.ofMillis(5));
        logs.accept("stdout", bytes("ld\n"));

        assertEquals(List.of(
                new LogLine(T0.plusMillis(5), "stdout", "hello"),
                new LogLine(T0.plusMillis(10), "stdout", "world")), logs.lines());
    }

    @Test
    void aMarker_atTheEndOfAnUnterminatedLine_endsTheStream_andKeepsTheTextBeforeIt() {
        LogCollector logs = new LogCollector(1 << 20, clock);
        logs.accept("stdout", bytes("no newline" + MARKER.substring(0, 10)));
        logs.accept("stdout", bytes(MARKER.substring(10) + "\nnext activation\n"));

        assertTrue(logs.markerSeen("stdout"));
        assertEquals(List.of("no newline"), texts(logs));
    }

    @Test
    void aMarker_afterALineTooLongToKeep_stillEndsTheStream_andTheLogsAreMarkedTruncated() {
        LogCollector logs = new LogCollector(100, clock);
        logs.accept("stderr", bytes("x".repeat(5000) + MARKER + "\n"));

        assertTrue(logs.markerSeen("stderr"));
        assertTrue(logs.truncated());
    }

    @Test
    void oneChunk_withManyLines_givesEachLine_includingEmptyOnes() {
        LogCollector logs = new LogCollector(1 << 20, clock);
        byte[] chunk = bytes("xxa\nb\n\nc\nyy");
        logs.accept("stderr", chunk, 2, chunk.length - 4);
        assertEquals(List.of("a", "b", "", "c"), texts(logs));
        assertEquals(2 + 2 + 1 + 2, logs.bytes());
    }

    @Test
    void aUtf8Character_splitBetweenChunks_isDecodedWhole() {
        LogCollector logs = new LogCollector(1 << 20, clock);
        byte[] text = bytes("zürich 🙂\n");
        for (byte b : text) {
            logs.accept("stdout", new byte[] {b});
        }
        assertEquals(List.of("zürich 🙂"), texts(logs));
        assertEquals(text.length, logs.bytes());
    }

    @Test
    void lines_ofBothStreams_keepTheirArrivalOrder() {
        LogCollector logs = new LogCollector(1 << 20, clock);
        logs.accept("stdout", bytes("out 1\nout "));
        logs.accept("stderr", bytes("err 1\n"));
        logs.accept("stdout", bytes("2\n"));
        assertEquals(List.of("stdout", "stderr", "stdout"), logs.lines().stream().map(LogLine::stream).toList());
        assertEquals(List.of("out 1", "err 1", "out 2"), texts(logs));
    }

    @Test
    void theMarker_isNotALine_andEndsItsStreamForThisActivation() {
        LogCollector logs = new LogCollector(1 << 20, clock);
        logs.accept("stdout", bytes("result line\n" + MARKER + "\nnext activation\n"));
        logs.accept("stdout", bytes("more of the next\n"));
        assertTrue(logs.markerSeen("stdout"));
        assertFalse(logs.markerSeen("stderr"));
        assertFalse(logs.bothMarkersSeen());

        logs.accept("stderr", bytes("warn\nXXX_THE_END_OF_A_"));
        assertFalse(logs.markerSeen("stderr"));
        logs.accept("stderr", bytes("WHISK_ACTIVATION_XXX\nleftover"));
        logs.finish();

        assertTrue(logs.bothMarkersSeen());
        assertEquals(List.of("result line", "warn"), texts(logs));
        assertFalse(logs.truncated());
    }

    @Test
    void aLineEndingInTheMarker_isTheMarker_butNotOneWithTextAfterIt_orAShorterOne() {
        LogCollector logs = new LogCollector(1 << 20, clock);
        logs.accept("stdout", bytes(MARKER + "X\n" + MARKER.substring(1) + "\n"));
        assertFalse(logs.markerSeen("stdout"));
        logs.accept("stdout", bytes(" " + MARKER + "\n"));
        assertTrue(logs.markerSeen("stdout"));
        assertEquals(List.of(MARKER + "X", MARKER.substring(1), " "), texts(logs));
    }

    @Test
    void finish_flushesAnUnterminatedLastLineOfEachStream_onceOnly() {
        LogCollector logs = new LogCollector(1 << 20, clock);
        logs.accept("stdout", bytes("done\npartial"));
        logs.accept("stderr", bytes("oops"));
        clock.advance(Duration.ofSeconds(1));
        logs.finish();
        logs.finish();

        assertEquals(List.of("done", "partial", "oops"), texts(logs));
        assertEquals(T0.plusSeconds(1), logs.lines().get(2).time());
        assertEquals(5 + 8 + 5, logs.bytes());
        assertThrows(IllegalStateException.class, () -> logs.accept("stdout", bytes("late\n")));
    }

    @Test
    void theByteLimit_dropsTheFirstLineThatWouldExceedIt_andEveryLaterOne_withOpenWhisksNotice() {
        LogCollector logs = new LogCollector(10, clock);
        logs.accept("stdout", bytes("12345\n"));
        clock.advance(Duration.ofMillis(1));
        logs.accept("stdout", bytes("abcd\n"));
        clock.advance(Duration.ofMillis(1));
        logs.accept("stderr", bytes("x\n"));
        logs.finish();

        assertTrue(logs.truncated());
        assertEquals(6, logs.bytes());
        List<LogLine> lines = logs.lines();
        assertEquals(2, lines.size());
        assertEquals("12345", lines.get(0).text());
        assertEquals(new LogLine(T0.plusMillis(1), "stderr",
                "Logs were truncated because the total bytes size exceeds the limit of 10 bytes."), lines.get(1));
    }

    @Test
    void aLineThatFitsExactly_isKept_andNothingIsTruncated() {
        LogCollector logs = new LogCollector(6 + 3, clock);
        logs.accept("stdout", bytes("12345\né\n"));
        logs.finish();
        assertFalse(logs.truncated());
        assertEquals(9, logs.bytes());
        assertEquals(List.of("12345", "é"), texts(logs));
    }

    @Test
    void theLimit_countsUtf8Bytes_notCharacters() {
        LogCollector logs = new LogCollector(4, clock);
        logs.accept("stdout", bytes("éé\n"));
        assertTrue(logs.truncated());
        assertEquals(0, logs.bytes());
    }

    @Test
    void markers_stillCount_afterTheLimitWasReached() {
        LogCollector logs = new LogCollector(0, clock);
        logs.accept("stdout", bytes("a\n" + MARKER + "\n"));
        logs.accept("stderr", bytes(MARKER + "\n"));
        assertTrue(logs.bothMarkersSeen());
        assertTrue(logs.truncated());
        assertEquals(1, logs.lines().size());
        assertEquals(0, logs.bytes());
    }

    @Test
    void aHugeLineWithoutNewline_isDropped_andTheMarkerAfterItIsStillSeen() {
        LogCollector logs = new LogCollector(100, clock);
        logs.accept("stdout", bytes("small\n"));
        byte[] block = new byte[64 * 1024];
        Arrays.fill(block, (byte) 'y');
        for (int i = 0; i < 256; i++) {
            logs.accept("stdout", block);
        }
        logs.accept("stdout", bytes("\n" + MARKER + "\n"));

        assertTrue(logs.markerSeen("stdout"));
        assertTrue(logs.truncated());
        assertEquals(6, logs.bytes());
        assertEquals(List.of("small", "Logs were truncated because the total bytes size exceeds the limit of 100 bytes."),
                texts(logs));
    }

    @Test
    void execMode_keepsEverything_untilFinish() {
        LogCollector logs = new LogCollector(1 << 20, clock);
        logs.accept("stdout", bytes("{\"ok\": true}"));
        assertEquals(List.of(), logs.lines());
        logs.finish();
        assertEquals(List.of("{\"ok\": true}"), texts(logs));
        assertFalse(logs.bothMarkersSeen());
    }

    @Test
    void anUnknownStream_isInvalid() {
        LogCollector logs = new LogCollector(10, clock);
        InvokerException.Invalid e = assertThrows(InvokerException.Invalid.class, () -> logs.accept("stdin", bytes("x")));
        assertEquals("stream", e.field());
        assertThrows(InvokerException.Invalid.class, () -> new LogLine(T0, "out", "x"));
        assertThrows(InvokerException.Invalid.class, () -> new LogCollector(-1, clock));
    }

    @Test
    void logLine_format_isOpenWhisks_withNineFractionalDigitsInUtc() {
        assertEquals("2026-11-24T23:01:02.123456789Z stdout: hello", new LogLine(T0, "stdout", "hello").format());
        assertEquals("2026-11-24T23:01:02.000000000Z stderr: ",
                new LogLine(Instant.parse("2026-11-24T23:01:02Z"), "stderr", "").format());
        assertEquals("2026-01-02T03:04:05.000001000Z stdout: x",
                new LogLine(Instant.parse("2026-01-02T03:04:05.000001Z"), "stdout", "x").format());
    }

    private static byte[] bytes(String s) {
        return s.getBytes(UTF_8);
    }

    private static List<String> texts(LogCollector logs) {
        return logs.lines().stream().map(LogLine::text).toList();
    }

    /** A clock that moves only when told. */
    static final class SteppingClock extends Clock {
        private Instant now;

        SteppingClock(Instant start) {
            this.now = start;
        }

        void advance(Duration d) {
            now = now.plus(d);
        }

        @Override
        public Instant instant() {
            return now;
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }
    }
}
