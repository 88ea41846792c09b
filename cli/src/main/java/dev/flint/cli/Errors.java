package dev.flint.cli;

import dev.flint.sandbox.SandboxException;

/** Turns exceptions into the one line a user reads. */
final class Errors {
    private Errors() {
    }

    static String describe(Throwable e) {
        if (e instanceof SandboxException s) {
            return s.describe();
        }
        return e.getClass().getSimpleName() + ": " + e.getMessage();
    }
}
