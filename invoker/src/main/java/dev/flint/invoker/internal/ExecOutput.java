package dev.flint.invoker.internal;

import dev.flint.invoker.LogCollector;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;

/**
 * The two output streams of an exec-mode process: every stderr line and every stdout line but the
 * last go to the activation's logs as they arrive; the last non-empty stdout line is kept apart, as
 * the result. A line longer than the result limit is kept only up to it (and marked), so a
 * runaway process cannot grow the JVM's memory.
 */
public final class ExecOutput {
    private final LogCollector logs;
    private final long maxResultBytes;
    private final ByteArrayOutputStream current = new ByteArrayOutputStream();
    private byte[] last;
    private boolean currentTooLong;
    private boolean lastTooLong;

    public ExecOutput(LogCollector logs, long maxResultBytes) {
        this.logs = logs;
        this.maxResultBytes = maxResultBytes;
    }

    /** Where the process's stdout goes. */
    public OutputStream stdout() {
        return sink(this::stdoutBytes);
    }

    /** Where the process's stderr goes. */
    public OutputStream stderr() {
        return sink((b, off, len) -> logs.accept("stderr", b, off, len));
    }

    private interface Bytes {
        void write(byte[] b, int off, int len);
    }

    private static OutputStream sink(Bytes target) {
        return new OutputStream() {
            @Override
            public void write(int b) {
                target.write(new byte[] {(byte) b}, 0, 1);
            }

            @Override
            public void write(byte[] b, int off, int len) {
                target.write(b, off, len);
            }
        };
    }

    private void stdoutBytes(byte[] b, int off, int len) {
        int start = off;
        for (int i = off; i < off + len; i++) {
            if (b[i] == '\n') {
                append(b, start, i - start);
                endLine();
                start = i + 1;
            }
        }
        append(b, start, off + len - start);
    }

    private void append(byte[] b, int off, int len) {
        int room = (int) Math.max(0, Math.min(len, maxResultBytes + 1 - current.size()));
        current.write(b, off, room);
        if (room < len) {
            currentTooLong = true;
        }
    }

    private void endLine() {
        if (current.size() == 0 && !currentTooLong) {
            return; // blank lines are neither logs nor results
        }
        if (last != null) {
            logs.accept("stdout", last, 0, last.length);
            logs.accept("stdout", new byte[] {'\n'}, 0, 1);
        }
        last = current.toByteArray();
        lastTooLong = currentTooLong;
        current.reset();
        currentTooLong = false;
    }

    /** Ends the output: an unterminated last line counts as a line; flushes the logs. */
    public void finish() {
        endLine();
        logs.finish();
    }

    /** The last non-empty stdout line, or null when there was none. */
    public byte[] resultLine() {
        return last;
    }

    /** Whether that line was longer than the result limit (and so cut). */
    public boolean resultTooLong() {
        return lastTooLong;
    }
}
