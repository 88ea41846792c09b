package dev.flint.cli;

import picocli.CommandLine.Command;

/** {@code flint image ...}: the image store (docs/images.md). */
@Command(name = "image", mixinStandardHelpOptions = true,
        description = "Build, import, export, pull, push, list, inspect and prune the images sandboxes run in.",
        subcommands = {ImageBuildCommand.class, ImageImportCommand.class, ImageExportCommand.class, ImagePullCommand.class, ImagePushCommand.class, ImageListCommand.class,
                ImageInspectCommand.class, ImageRemoveCommand.class, ImagePruneCommand.class})
final class ImageCommand {
}
