package dev.flint.invoker;

import dev.flint.pool.HitKind;

/** Where an activation's sandbox came from, fastest last: created for it, a stem cell, or warm. */
public enum StartKind {
    /** A sandbox was created on the request. */
    COLD("cold"),
    /** A pre-created, unbound sandbox of the image was bound to the function. */
    STEM("stem"),
    /** A sandbox already bound to the function was reused. */
    WARM("warm");

    private final String text;

    StartKind(String text) {
        this.text = text;
    }

    /** The pool's view of the same thing. */
    public static StartKind of(HitKind hit) {
        return switch (hit) {
            case COLD -> COLD;
            case STEM -> STEM;
            case WARM -> WARM;
        };
    }

    /** Lower-case, for records and metric tags. */
    public String text() {
        return text;
    }
}
