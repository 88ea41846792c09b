package dev.flint.invoker.internal;

import dev.flint.sandbox.SandboxException;
import dev.flint.sandbox.Zygote;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The zygote that Python sandboxes get their interpreters from (ADR 0015), one at a time: started
 * on first use and again after it died, given up after {@value #ATTEMPTS} failed starts in a row,
 * and retired after {@code maxCopies} copies or {@code maxAge} (copies of one zygote share its
 * address-space layout and hash seed: ADR 0015's addendum), whichever comes first.
 *
 * <p>Forks run outside this object's lock: {@link #lend} books one and {@link #giveBack} ends it,
 * and a retired zygote is closed only when no fork of it is under way. Zygotes are closed outside
 * the lock too (a close waits for the process and its cgroup), by whichever caller comes next.
 */
final class ZygoteSupply implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(ZygoteSupply.class.getName());
    /** Starts that may fail in a row before the supply stops trying (interpreters then start in their sandboxes). */
    static final int ATTEMPTS = 3;

    private final Supplier<Zygote> starter;
    private final int maxCopies;
    private final long maxAgeNanos;
    /** Guarded by this: the zygote that gives copies now, and how many it gave since when. */
    private Zygote current;
    private int copies;
    private long since;
    private int failures;
    private boolean closed;
    /** Guarded by this: forks under way, per zygote. */
    private final Map<Zygote, Integer> forking = new HashMap<>();
    /** Guarded by this: retired zygotes waiting for their forks under way to end. */
    private final List<Zygote> retired = new ArrayList<>();
    /** Guarded by this: zygotes to close, outside the lock, by the next caller. */
    private final List<Zygote> closing = new ArrayList<>();

    /** {@code starter} starts a zygote or throws {@link SandboxException}. */
    ZygoteSupply(Supplier<Zygote> starter, int maxCopies, Duration maxAge) {
        if (maxCopies < 1 || maxAge.isNegative() || maxAge.isZero()) {
            throw new IllegalArgumentException("a zygote must give at least one copy, for a positive time: "
                    + maxCopies + ", " + maxAge);
        }
        this.starter = starter;
        this.maxCopies = maxCopies;
        this.maxAgeNanos = maxAge.toNanos();
    }

    /** A zygote with one fork booked (end it with {@link #giveBack}), or null when there is none to have. */
    Zygote lend() {
        try {
            return book();
        } finally {
            closePending();
        }
    }

    /** The fork booked by {@link #lend} is over; {@code died}: it failed and the zygote is gone. */
    void giveBack(Zygote z, boolean died) {
        synchronized (this) {
            if (died && current == z) {
                drop("during a fork");
                failures++;
            }
            if (forking.merge(z, -1, Integer::sum) == 0) {
                forking.remove(z);
                if (retired.remove(z)) {
                    closing.add(z);
                }
            }
        }
        closePending();
    }

    /** The pid of the zygote that gives copies now, or 0. */
    synchronized int currentPid() {
        return current == null ? 0 : current.pid();
    }

    private synchronized Zygote book() {
        if (closed || failures >= ATTEMPTS) {
            return null;
        }
        if (current != null && current.alive()) {
            boolean spent = copies >= maxCopies;
            if (spent || System.nanoTime() - since >= maxAgeNanos) {
                retire(spent ? "after " + copies + " copies" : "after " + Duration.ofNanos(System.nanoTime() - since).toSeconds() + " s");
            }
        }
        if (current != null && !current.alive()) {
            drop("between forks");
        }
        if (current == null) {
            try {
                current = starter.get();
            } catch (SandboxException e) {
                failures++;
                LOG.log(System.Logger.Level.WARNING, "the Python zygote did not start (attempt " + failures + " of "
                        + ATTEMPTS + "); interpreters start in their sandboxes meanwhile: " + e.getMessage());
                return null;
            }
            failures = 0;
            copies = 0;
            since = System.nanoTime();
        }
        copies++;
        forking.merge(current, 1, Integer::sum);
        return current;
    }

    /** The current zygote gives no more copies: closed once no fork of it is under way. */
    private void retire(String when) {
        LOG.log(System.Logger.Level.DEBUG, "retiring the Python zygote (pid " + current.pid() + ") " + when
                + "; the next sandbox gets a new one's copy");
        (forking.containsKey(current) ? retired : closing).add(current);
        current = null;
    }

    /** The current zygote exited ({@code when} says when it was noticed); the next caller starts another. */
    private void drop(String when) {
        LOG.log(System.Logger.Level.WARNING, "the Python zygote (pid " + current.pid() + ") exited " + when + "; starting another");
        if (!forking.containsKey(current)) {
            closing.add(current);
        } else {
            retired.add(current);
        }
        current = null;
    }

    private void closePending() {
        List<Zygote> now;
        synchronized (this) {
            if (closing.isEmpty()) {
                return;
            }
            now = List.copyOf(closing);
            closing.clear();
        }
        now.forEach(ZygoteSupply::closeQuietly);
    }

    private static void closeQuietly(Zygote z) {
        try {
            z.close();
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "the Python zygote (pid " + z.pid() + ") did not close cleanly: " + e.getMessage());
        }
    }

    /** Closes every zygote, retired ones too, and gives no more; their copies live on in their sandboxes. */
    @Override
    public void close() {
        List<Zygote> all = new ArrayList<>();
        synchronized (this) {
            closed = true;
            if (current != null) {
                all.add(current);
                current = null;
            }
            all.addAll(retired);
            all.addAll(closing);
            retired.clear();
            closing.clear();
        }
        all.forEach(ZygoteSupply::closeQuietly);
    }
}
