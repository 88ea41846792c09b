package dev.flint.invoker;

import java.util.regex.Pattern;

/**
 * How a function's code is run. Parsed from the kind names OpenWhisk users write
 * ({@code python:3}, {@code blackbox}), with {@link #canonical()} the one name Flint writes back.
 */
public enum Kind {
    /** A shell script or executable run once per activation (exec mode). */
    SHELL("shell"),
    /** A Python 3 function loaded once per sandbox and called per activation (instance mode). */
    PYTHON("python:3"),
    /** A user's OCI image speaking the action protocol. */
    BLACKBOX("blackbox");

    private static final Pattern PYTHON_3 = Pattern.compile("python:(3|default|3\\.[0-9]{1,2})");

    private final String canonical;

    Kind(String canonical) {
        this.canonical = canonical;
    }

    /**
     * {@code shell} and {@code exec} are {@link #SHELL}; {@code python:3}, {@code python:default} and
     * {@code python:3.N} are {@link #PYTHON}; {@code blackbox} is {@link #BLACKBOX}; anything else is
     * an {@link InvokerException.Invalid} for the field {@code kind}.
     */
    public static Kind parse(String text) {
        if (text != null) {
            switch (text) {
                case "shell", "exec" -> {
                    return SHELL;
                }
                case "blackbox" -> {
                    return BLACKBOX;
                }
                default -> {
                    if (PYTHON_3.matcher(text).matches()) {
                        return PYTHON;
                    }
                }
            }
        }
        throw new InvokerException.Invalid("kind", "unknown kind '" + text + "'", "use one of shell, python:3, blackbox");
    }

    /** The name Flint writes: {@code shell}, {@code python:3} or {@code blackbox}. */
    public String canonical() {
        return canonical;
    }

    /**
     * Whether the runtime stays up between activations and marks each one's end on stdout and stderr
     * (true for Python only); otherwise each activation is a fresh process that ends by exiting.
     */
    public boolean instanceMode() {
        return this == PYTHON;
    }
}
