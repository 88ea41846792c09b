package dev.flint.cli;

import dev.flint.images.ImageException;
import dev.flint.images.ImageRef;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code flint image rm REF}: removes a tag; prune frees what nothing references then. */
@Command(name = "rm", mixinStandardHelpOptions = true,
        description = "Remove an image's tag. Its layers stay until 'flint image prune' finds nothing else uses them.")
final class ImageRemoveCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    StoreOption store;

    @Parameters(paramLabel = "REF", description = "The image, e.g. tools/jq:1.")
    ImageRef ref;

    @Override
    public Integer call() {
        if (!store.openExisting().remove(ref)) {
            throw new ImageException.NotFound(ref, store.dir);
        }
        spec.commandLine().getOut().println("removed " + ref);
        spec.commandLine().getOut().flush();
        return 0;
    }
}
