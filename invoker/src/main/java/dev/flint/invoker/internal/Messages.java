package dev.flint.invoker.internal;

import dev.flint.invoker.Limits;

/** The error texts of activations that hit a limit, worded as OpenWhisk's (its clients match them). */
final class Messages {
    private Messages() {
    }

    static String timedOut(Limits limits) {
        return "The action exceeded its time limits of " + limits.timeout().toMillis() + " milliseconds.";
    }

    static String outOfMemory(Limits limits) {
        return "The action exhausted its memory and was aborted (limit " + (limits.memoryBytes() >> 20) + " MB).";
    }
}
