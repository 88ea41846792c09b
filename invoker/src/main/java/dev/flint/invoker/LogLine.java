package dev.flint.invoker;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/**
 * One line a function wrote, without its newline: when it arrived, on which stream, and its text.
 * {@link #format()} gives the line as OpenWhisk shows it in an activation's logs.
 *
 * @param time when the line's newline arrived (or the activation ended, for an unterminated line)
 * @param stream {@value #STDOUT} or {@value #STDERR}
 * @param text the line's text, without the newline
 */
public record LogLine(Instant time, String stream, String text) {
    public static final String STDOUT = "stdout";
    public static final String STDERR = "stderr";

    private static final DateTimeFormatter FORMAT =
            DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSSSSSSSS'Z'").withZone(ZoneOffset.UTC);

    public LogLine {
        if (time == null) {
            throw new InvokerException.Invalid("time", "a log line needs a time", "stamp it with the clock's instant");
        }
        checkStream(stream);
        if (text == null) {
            throw new InvokerException.Invalid("text", "a log line needs a text", "use the empty string for an empty line");
        }
    }

    /**
     * OpenWhisk's format: {@code 2026-11-24T23:01:02.123456789Z stdout: text}, the time in UTC with
     * exactly nine fractional digits, no trailing newline.
     */
    public String format() {
        return FORMAT.format(time) + " " + stream + ": " + text;
    }

    /** Returns the stream if it is {@value #STDOUT} or {@value #STDERR}, else throws. */
    static String checkStream(String stream) {
        if (!STDOUT.equals(stream) && !STDERR.equals(stream)) {
            throw new InvokerException.Invalid("stream", "unknown stream '" + stream + "'", "use stdout or stderr");
        }
        return stream;
    }
}
