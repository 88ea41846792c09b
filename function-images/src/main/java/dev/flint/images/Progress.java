package dev.flint.images;

import java.io.PrintStream;

/** Where a build reports its phases, one line each (with sizes and timings). */
@FunctionalInterface
public interface Progress {
    void report(String line);

    /** Reports nothing. */
    static Progress none() {
        return line -> {
        };
    }

    /** Prints each line as {@code flint: <line>}, e.g. to stderr. */
    static Progress to(PrintStream out) {
        return line -> {
            out.println("flint: " + line);
            out.flush();
        };
    }
}
