package dev.flint.sandbox.internal;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * One datagram of the flint-init protocol (src/main/c/flint-init.h): an op byte, then
 * NUL-terminated {@code key=value} fields, where a key may repeat (arg, env, lower, cgroup).
 * Immutable once built.
 */
public final class NativeMessage {
    /** The largest datagram flint-init accepts. */
    public static final int MAX_BYTES = 65536;

    public static final char CREATE = 'C';
    public static final char CREATED = 'P';
    public static final char READY = 'R';
    public static final char ERROR = 'E';
    public static final char EXEC = 'X';
    public static final char KILL = 'K';
    public static final char DONE = 'D';
    public static final char ATTACH = 'A';
    public static final char ATTACHED = 'B';
    public static final char ZYGOTE = 'Z';
    public static final char LEND = 'L';
    public static final char LENT = 'N';
    public static final char PRESTART = 'S';
    public static final char START = 'T';
    /** To a zygote: fork a copy into the namespaces that come with the request. */
    public static final char FORK = 'F';

    private final char op;
    private final List<String[]> fields;

    private NativeMessage(char op, List<String[]> fields) {
        this.op = op;
        this.fields = List.copyOf(fields);
    }

    public static Builder builder(char op) {
        return new Builder(op);
    }

    public char op() {
        return op;
    }

    public Optional<String> get(String key) {
        for (String[] f : fields) {
            if (f[0].equals(key)) {
                return Optional.of(f[1]);
            }
        }
        return Optional.empty();
    }

    public List<String> all(String key) {
        List<String> values = new ArrayList<>();
        for (String[] f : fields) {
            if (f[0].equals(key)) {
                values.add(f[1]);
            }
        }
        return values;
    }

    public long getLong(String key, long otherwise) {
        return get(key).map(Long::parseLong).orElse(otherwise);
    }

    public byte[] encode() {
        ByteArrayOutputStream out = new ByteArrayOutputStream(256);
        out.write(op);
        for (String[] f : fields) {
            byte[] b = (f[0] + "=" + f[1]).getBytes(StandardCharsets.UTF_8);
            out.write(b, 0, b.length);
            out.write(0);
        }
        return out.toByteArray();
    }

    public static NativeMessage decode(byte[] buffer, int length) {
        if (length < 1) {
            throw new IllegalArgumentException("empty message");
        }
        List<String[]> fields = new ArrayList<>();
        int start = 1;
        for (int i = 1; i <= length; i++) {
            if (i == length || buffer[i] == 0) {
                if (i > start) {
                    String field = new String(buffer, start, i - start, StandardCharsets.UTF_8);
                    int eq = field.indexOf('=');
                    fields.add(eq < 0 ? new String[] {field, ""}
                            : new String[] {field.substring(0, eq), field.substring(eq + 1)});
                }
                start = i + 1;
            }
        }
        return new NativeMessage((char) (buffer[0] & 0xff), fields);
    }

    @Override
    public String toString() {
        StringBuilder s = new StringBuilder().append(op);
        for (String[] f : fields) {
            s.append(' ').append(f[0]).append('=').append(f[1]);
        }
        return s.toString();
    }

    /** Collects fields in order; values must not contain NUL. */
    public static final class Builder {
        private final char op;
        private final List<String[]> fields = new ArrayList<>();

        private Builder(char op) {
            this.op = op;
        }

        public Builder put(String key, Object value) {
            String text = String.valueOf(value);
            if (text.indexOf('\0') >= 0 || key.indexOf('=') >= 0) {
                throw new IllegalArgumentException("field " + key + " contains a NUL byte");
            }
            fields.add(new String[] {key, text});
            return this;
        }

        public Builder putAll(String key, Iterable<?> values) {
            for (Object v : values) {
                put(key, v);
            }
            return this;
        }

        public NativeMessage build() {
            return new NativeMessage(op, fields);
        }
    }
}
