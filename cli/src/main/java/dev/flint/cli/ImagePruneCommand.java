package dev.flint.cli;

import dev.flint.images.PruneReport;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code flint image prune}: removes what no tag references and says what that freed. */
@Command(name = "prune", mixinStandardHelpOptions = true,
        description = "Remove blobs and layer trees no tagged image references, and what interrupted builds left; print what was freed.")
final class ImagePruneCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    StoreOption store;

    @Override
    public Integer call() {
        PruneReport report = store.openExisting().prune();
        PrintWriter out = spec.commandLine().getOut();
        for (PruneReport.Removed r : report.removed()) {
            out.println("removed " + r.kind() + " " + r.what() + " (" + ImageListCommand.mb(r.bytes()) + ")");
        }
        out.println("freed " + ImageListCommand.mb(report.freedBytes()) + " in " + report.removed().size() + " entries");
        out.flush();
        return 0;
    }
}
