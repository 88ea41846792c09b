package dev.flint.cli;

import picocli.CommandLine.Command;

/** {@code flint local ...}: functions run by an invoker inside this process, without the server. */
@Command(name = "local", mixinStandardHelpOptions = true,
        description = "Run functions through a local invoker, without the server: for debugging, benchmarks and checks.",
        subcommands = {LocalInvokeCommand.class})
final class LocalCommand {
}
