package dev.flint.pool;

/** Where the sandbox of a lease came from, fastest first. */
public enum HitKind {
    /** A warm sandbox already bound to the same function. */
    WARM,
    /** A pre-created, unbound sandbox of the function's image (a stem cell), now bound to it. */
    STEM,
    /** Nothing was ready: a sandbox was created on the request (slower, never an error). */
    COLD
}
