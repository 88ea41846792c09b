package dev.flint.images;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The store the integration tests share ({@code target/it-store}, kept between runs so the
 * downloaded packages are too), and the base images built into it once per test JVM: the python
 * build downloads and compiles, so every IT class uses the same one.
 */
final class ItImages {
    /** Every progress line of the builds, to check that each phase reports. */
    static final List<String> PROGRESS = Collections.synchronizedList(new ArrayList<>());
    private static Image busybox;
    private static Image python;

    private ItImages() {
    }

    static void assumeRoot() throws IOException {
        assumeTrue((Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid") == 0, "needs root");
    }

    static ImageStore store() {
        return ImageStore.open(Path.of(System.getProperty("flint.it.store", "target/it-store")));
    }

    static Progress progress() {
        PrintStream err = System.err;
        return line -> {
            PROGRESS.add(line);
            err.println("flint: " + line);
        };
    }

    static synchronized Image busybox() {
        if (busybox == null) {
            busybox = BaseImages.buildBusybox(store(), progress());
        }
        return busybox;
    }

    static synchronized Image python() {
        if (python == null) {
            busybox();
            python = BaseImages.buildPython(store(), progress());
        }
        return python;
    }
}
