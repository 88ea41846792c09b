package dev.flint.invoker.internal;

import dev.flint.common.FlintException;

/** A function runtime that could not be started or broke its protocol: the platform's failure. */
public final class RuntimeFailure extends FlintException {
    public RuntimeFailure(String message, String hint) {
        super(message, hint, null);
    }
}
