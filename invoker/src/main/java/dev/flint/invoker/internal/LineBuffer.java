package dev.flint.invoker.internal;

import java.io.ByteArrayOutputStream;

/**
 * Collects the bytes of one protocol line from a runtime's channel, up to a limit: past it the
 * line is marked too long and the rest of it dropped (a runaway runtime cannot grow the JVM).
 */
final class LineBuffer {
    private final long limit;
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private boolean complete;
    private boolean tooLong;
    private boolean trailing;

    LineBuffer(long limit) {
        this.limit = limit;
    }

    void accept(byte[] data, int offset, int length) {
        for (int i = offset; i < offset + length; i++) {
            if (complete) {
                trailing = true; // more than one line: the runtime broke the protocol
                return;
            }
            if (data[i] == '\n') {
                complete = true;
            } else if (bytes.size() < limit) {
                bytes.write(data[i]);
            } else {
                tooLong = true;
            }
        }
    }

    boolean complete() {
        return complete;
    }

    boolean tooLong() {
        return tooLong;
    }

    /** Whether bytes came after the line's end, which the protocol does not allow. */
    boolean trailing() {
        return trailing;
    }

    byte[] bytes() {
        return bytes.toByteArray();
    }
}
