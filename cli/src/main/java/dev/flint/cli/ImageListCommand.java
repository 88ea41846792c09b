package dev.flint.cli;

import dev.flint.images.ImageSummary;
import java.io.PrintWriter;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code flint image list}: one line per tag with sizes and the part shared with other images. */
@Command(name = "list", aliases = "ls", mixinStandardHelpOptions = true,
        description = "List the images of the store: reference, digest, layers, size, and how much of it other images share.")
final class ImageListCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    StoreOption store;

    @Override
    public Integer call() {
        List<ImageSummary> images = store.openExisting().list();
        PrintWriter out = spec.commandLine().getOut();
        out.printf(Locale.ROOT, "%-32s %-19s %6s %10s %10s%n", "REF", "DIGEST", "LAYERS", "SIZE", "SHARED");
        for (ImageSummary s : images) {
            if (s.usable()) {
                out.printf(Locale.ROOT, "%-32s %-19s %6d %10s %10s%n", s.ref(), "sha256:" + s.digest().shortHex(), s.layers(),
                        mb(s.size()), mb(s.sharedSize()));
            } else {
                out.printf(Locale.ROOT, "%-32s %-19s DAMAGED: %s%n", s.ref(), "sha256:" + s.digest().shortHex(), s.problem());
            }
        }
        out.flush();
        return 0;
    }

    static String mb(long bytes) {
        return String.format(Locale.ROOT, "%.1f MB", bytes / 1e6);
    }
}
