package dev.flint.cli;

import dev.flint.images.ImageException;
import dev.flint.sandbox.SandboxException;

/** Turns exceptions into the one line a user reads. */
final class Errors {
    private Errors() {
    }

    static String describe(Throwable e) {
        if (e instanceof SandboxException s) {
            return s.describe();
        }
        if (e instanceof ImageException i) {
            return i.describe();
        }
        return e.getClass().getSimpleName() + ": " + e.getMessage();
    }
}
