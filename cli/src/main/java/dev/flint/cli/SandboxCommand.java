package dev.flint.cli;

import picocli.CommandLine.Command;

/** {@code flint sandbox ...}: the sandbox runtime as a debugging tool, like bwrap or crun run. */
@Command(name = "sandbox", mixinStandardHelpOptions = true,
        description = "Run commands in Flint sandboxes directly, without the server.",
        subcommands = {SandboxRunCommand.class})
final class SandboxCommand {
}
