package dev.flint.gateway.state;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Set;
import java.util.TreeSet;

/** What a test must not leave behind: threads that keep the JVM alive. */
final class Leftovers {
    private final Set<Thread> before = nonDaemon();

    static Leftovers snapshot() {
        return new Leftovers();
    }

    /** Fails if a non-daemon thread started since the snapshot is still alive after a few seconds. */
    void assertNoNewNonDaemonThreads() throws InterruptedException {
        Set<String> left = new TreeSet<>();
        for (int i = 0; i < 100; i++) {
            left.clear();
            for (Thread t : nonDaemon()) {
                if (!before.contains(t)) {
                    left.add(t.getName());
                }
            }
            if (left.isEmpty()) {
                return;
            }
            Thread.sleep(50);
        }
        assertEquals(Set.of(), left, "non-daemon threads left running");
    }

    private static Set<Thread> nonDaemon() {
        Set<Thread> threads = new java.util.HashSet<>();
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.isAlive() && !t.isDaemon()) {
                threads.add(t);
            }
        }
        return threads;
    }
}
