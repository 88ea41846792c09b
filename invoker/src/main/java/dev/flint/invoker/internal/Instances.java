package dev.flint.invoker.internal;

import dev.flint.sandbox.Instance;
import dev.flint.sandbox.Sandbox;
import java.time.Duration;

/** Helpers for a sandbox's instance (a process that stays up across invocations). */
final class Instances {
    private static final Duration END_WAIT = Duration.ofSeconds(5);

    private Instances() {
    }

    /** Ends the sandbox's instance, if one is up, and waits until init reports it gone. */
    static void end(Sandbox sandbox) {
        Instance instance = sandbox.instance().orElse(null);
        if (instance == null) {
            return;
        }
        sandbox.kill();
        if (instance.converse(new byte[0], END_WAIT, Discard.INSTANCE) != Instance.Result.ENDED) {
            sandbox.destroy(); // init did not end it in time: this sandbox serves nothing more
        }
    }

    /** A listener that drops everything and is never complete. */
    enum Discard implements Instance.Listener {
        INSTANCE;

        @Override
        public void channel(byte[] data, int offset, int length) {
        }

        @Override
        public void output(boolean stderr, byte[] data, int offset, int length) {
        }

        @Override
        public boolean complete() {
            return false;
        }
    }
}
