package dev.flint.pool;

import java.util.regex.Pattern;

/**
 * Names the function a warm sandbox is bound to, such as {@code guest/hello} (namespace, then
 * name). A warm sandbox is reused only for the same key. Immutable; built by {@link #parse},
 * which rejects a bad key with {@link PoolException.Invalid}.
 */
public final class FunctionKey implements Comparable<FunctionKey> {
    private static final Pattern SEGMENT = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.@-]{0,127}");
    private static final int MAX_SEGMENTS = 4;

    private final String value;

    private FunctionKey(String value) {
        this.value = value;
    }

    /** One to four segments separated by '/', each of letters, digits and {@code _ . @ -}. */
    public static FunctionKey parse(String text) {
        if (text == null || text.isEmpty()) {
            throw new PoolException.Invalid("function", "empty function key", "name a function, e.g. guest/hello");
        }
        String[] segments = text.split("/", -1);
        if (segments.length > MAX_SEGMENTS) {
            throw new PoolException.Invalid("function", "'" + text + "' has more than " + MAX_SEGMENTS + " segments",
                    "use namespace/name");
        }
        for (String s : segments) {
            if (!SEGMENT.matcher(s).matches()) {
                throw new PoolException.Invalid("function", "'" + text + "' has a bad segment '" + s + "'",
                        "letters, digits and _ . @ -, at most 128, not starting with . @ or -");
            }
        }
        return new FunctionKey(text);
    }

    @Override
    public int compareTo(FunctionKey o) {
        return value.compareTo(o.value);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof FunctionKey k && k.value.equals(value);
    }

    @Override
    public int hashCode() {
        return value.hashCode();
    }

    @Override
    public String toString() {
        return value;
    }
}
