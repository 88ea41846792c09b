package dev.flint.cli;

import dev.flint.common.FlintException;

/** Turns exceptions into the one line a user reads. */
final class Errors {
    private Errors() {
    }

    static String describe(Throwable e) {
        if (e instanceof FlintException f) {
            return f.describe(); // every module's boundary error: message and hint
        }
        return e.getClass().getSimpleName() + ": " + e.getMessage();
    }
}
