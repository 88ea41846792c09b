package dev.flint.invoker;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Turns one activation's stdout and stderr bytes into {@link LogLine}s, the way OpenWhisk does.
 *
 * <p>Bytes arrive in chunks of any size: a line may span chunks, a chunk may hold many lines, and a
 * UTF-8 character may be split between chunks (bytes are kept until their newline, then decoded).
 * Each completed line is stamped with the clock's instant when its newline arrived; {@link #finish()}
 * turns an unterminated last line of each stream into a line too.
 *
 * <p>In instance mode a runtime ends each activation with the line {@value #MARKER} on both streams.
 * That line is not a log line: it sets {@link #markerSeen(String)} (also at the end of a line, where
 * output without a final newline puts it; the text before it is kept), and whatever follows it on that
 * stream is dropped (it would belong to the next activation, which is not ours to keep). In exec mode
 * there are no markers: the caller accepts everything and calls {@link #finish()} when the process
 * has exited.
 *
 * <p>The kept lines' texts, as UTF-8 plus one byte per line for its newline, never exceed the
 * limit. The first line that would is dropped whole, {@link #truncated()} becomes true, every later
 * line is dropped too (markers still count), and {@link #lines()} ends with one stderr line saying
 * so, in OpenWhisk's words. A line that never ends cannot grow memory without bound: its pending
 * bytes are kept only up to what could still fit, since past that it is dropped anyway.
 *
 * <p>One collector per activation; not thread-safe (one reader thread per stream must hand its
 * chunks over under the caller's own lock, or a single thread must read both).
 */
public final class LogCollector {
    /** The line an instance-mode runtime writes on stdout and stderr at the end of an activation. */
    public static final String MARKER = "XXX_THE_END_OF_A_WHISK_ACTIVATION_XXX";

    private static final byte[] MARKER_BYTES = MARKER.getBytes(StandardCharsets.UTF_8);
    private static final int INITIAL_PENDING = 256;

    private final long limitBytes;
    private final Clock clock;
    private final StreamState stdout = new StreamState(LogLine.STDOUT);
    private final StreamState stderr = new StreamState(LogLine.STDERR);
    private final List<LogLine> lines = new ArrayList<>();
    private long bytes;
    private Instant truncatedAt;
    private boolean finished;

    /**
     * @param limitBytes most bytes of lines kept (texts as UTF-8, plus one per line), at least 0
     * @param clock stamps each line; tests pass a fixed or stepping clock
     */
    public LogCollector(long limitBytes, Clock clock) {
        if (limitBytes < 0) {
            throw new InvokerException.Invalid("logs", limitBytes + " bytes is negative", "give a log limit of 0 or more");
        }
        if (clock == null) {
            throw new InvokerException.Invalid("clock", "a log collector needs a clock", "pass Clock.systemUTC()");
        }
        this.limitBytes = limitBytes;
        this.clock = clock;
    }

    /** Takes the next {@code length} bytes of {@code chunk} from {@code offset}, read from the stream. */
    public void accept(String stream, byte[] chunk, int offset, int length) {
        if (finished) {
            throw new IllegalStateException("the log collector is finished");
        }
        StreamState state = state(stream);
        if (state.markerSeen) {
            return;
        }
        int end = offset + length;
        if (offset < 0 || length < 0 || end > chunk.length || end < 0) {
            throw new IndexOutOfBoundsException("offset " + offset + ", length " + length + ", chunk " + chunk.length);
        }
        int from = offset;
        while (from < end) {
            int newline = indexOf(chunk, (byte) '\n', from, end);
            if (newline < 0) {
                state.append(chunk, from, end - from, pendingCap());
                return;
            }
            state.append(chunk, from, newline - from, pendingCap());
            completeLine(state);
            if (state.markerSeen) {
                return;
            }
            from = newline + 1;
        }
    }

    /** Takes a whole chunk read from the stream. */
    public void accept(String stream, byte[] chunk) {
        accept(stream, chunk, 0, chunk.length);
    }

    /**
     * Ends the activation's logs: the unterminated last line of each stream, if any, becomes a line
     * (or counts as the marker if it ends with the marker). Nothing may be accepted afterwards;
     * calling it again does nothing.
     */
    public void finish() {
        if (finished) {
            return;
        }
        finished = true;
        for (StreamState state : List.of(stdout, stderr)) {
            if (!state.markerSeen && (state.length > 0 || state.overflowed)) {
                completeLine(state);
            }
        }
    }

    /** Whether the end-of-activation marker arrived on the stream ({@code stdout} or {@code stderr}). */
    public boolean markerSeen(String stream) {
        return state(stream).markerSeen;
    }

    /** Whether the marker arrived on both streams: the activation's logs are complete. */
    public boolean bothMarkersSeen() {
        return stdout.markerSeen && stderr.markerSeen;
    }

    /** The kept lines in arrival order across both streams, then the truncation notice if any. */
    public List<LogLine> lines() {
        if (truncatedAt == null) {
            return List.copyOf(lines);
        }
        List<LogLine> all = new ArrayList<>(lines.size() + 1);
        all.addAll(lines);
        all.add(new LogLine(truncatedAt, LogLine.STDERR, "Logs were truncated because the total bytes size exceeds the limit of "
                + limitBytes + " bytes."));
        return List.copyOf(all);
    }

    /** Whether a line was dropped for the byte limit. */
    public boolean truncated() {
        return truncatedAt != null;
    }

    /** Bytes of the kept lines: their texts as UTF-8 plus one per line; never above the limit. */
    public long bytes() {
        return bytes;
    }

    private void completeLine(StreamState state) {
        Instant now = clock.instant();
        boolean overflowed = state.overflowed;
        boolean marker = state.endsWithMarker();
        byte[] pending = state.take();
        if (marker) {
            // The marker ends the stream's logs; output without a final newline puts it at the end
            // of the function's last line, which still counts.
            state.markerSeen = true;
            if (overflowed) {
                pending = Arrays.copyOf(pending, 0); // the line before it was too long to keep anyway
            } else {
                pending = Arrays.copyOf(pending, pending.length - MARKER_BYTES.length);
            }
            if (pending.length == 0 && !overflowed) {
                return;
            }
        }
        if (truncatedAt != null) {
            return;
        }
        String text = new String(pending, StandardCharsets.UTF_8);
        // Counted from the decoded text, so the bound holds for what is kept even if bytes were not valid UTF-8.
        long lineBytes = overflowed ? Long.MAX_VALUE : (long) utf8Length(text) + 1;
        if (lineBytes > limitBytes - bytes) {
            truncatedAt = now;
            return;
        }
        bytes += lineBytes;
        lines.add(new LogLine(now, state.name, text));
    }

    /**
     * How many bytes of an unfinished line are worth keeping: a line of {@code remaining} bytes or
     * more cannot fit with its newline, so it is dropped whatever follows; but at least the marker's
     * length, so a marker is still recognised once the limit is reached.
     */
    private long pendingCap() {
        long remaining = truncatedAt != null ? 0 : limitBytes - bytes;
        return Math.max(remaining, MARKER_BYTES.length) + 1;
    }

    private StreamState state(String stream) {
        return LogLine.STDOUT.equals(LogLine.checkStream(stream)) ? stdout : stderr;
    }

    private static int indexOf(byte[] chunk, byte b, int from, int end) {
        for (int i = from; i < end; i++) {
            if (chunk[i] == b) {
                return i;
            }
        }
        return -1;
    }

    private static int utf8Length(String text) {
        int n = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c < 0x80) {
                n += 1;
            } else if (c < 0x800) {
                n += 2;
            } else if (Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
                n += 4;
                i++;
            } else {
                n += 3;
            }
        }
        return n;
    }

    /** One stream's unfinished line and marker. */
    private static final class StreamState {
        final String name;
        byte[] pending = new byte[0];
        int length;
        boolean overflowed;
        boolean markerSeen;
        /** The last bytes of the pending line, kept even past the cap, to find a marker at its end. */
        final byte[] tail = new byte[MARKER_BYTES.length];
        int tailLength;

        StreamState(String name) {
            this.name = name;
        }

        /** Appends up to {@code cap} pending bytes in all; past that only notes that bytes were lost. */
        void append(byte[] chunk, int from, int count, long cap) {
            keepTail(chunk, from, count);
            int limit = (int) Math.min(cap, Integer.MAX_VALUE - 8);
            int room = Math.max(0, limit - length);
            int kept = Math.min(count, room);
            if (kept < count) {
                overflowed = true;
            }
            if (kept == 0) {
                return;
            }
            if (length + kept > pending.length) {
                long grown = Math.max((long) pending.length * 2, INITIAL_PENDING);
                pending = Arrays.copyOf(pending, (int) Math.min(Math.max(grown, length + kept), limit));
            }
            System.arraycopy(chunk, from, pending, length, kept);
            length += kept;
        }

        private void keepTail(byte[] chunk, int from, int count) {
            int n = tail.length;
            if (count >= n) {
                System.arraycopy(chunk, from + count - n, tail, 0, n);
                tailLength = n;
                return;
            }
            int keep = Math.min(tailLength, n - count);
            System.arraycopy(tail, tailLength - keep, tail, 0, keep);
            System.arraycopy(chunk, from, tail, keep, count);
            tailLength = keep + count;
        }

        boolean endsWithMarker() {
            return tailLength == tail.length && Arrays.equals(tail, MARKER_BYTES);
        }

        /** The pending line's bytes, leaving nothing pending. */
        byte[] take() {
            byte[] line = Arrays.copyOf(pending, length);
            tailLength = 0;
            length = 0;
            overflowed = false;
            if (pending.length > INITIAL_PENDING * 16) {
                pending = new byte[0];
            }
            return line;
        }
    }
}
