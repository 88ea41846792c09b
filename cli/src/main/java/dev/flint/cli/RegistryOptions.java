package dev.flint.cli;

import dev.flint.images.Registries;
import picocli.CommandLine.Option;

/** {@code --user USER:PASS} and {@code --insecure} for {@code flint image pull|push}. */
final class RegistryOptions {
    @Option(names = {"-u", "--user"}, paramLabel = "USER:PASS",
            description = "Registry credentials (basic, or for a token service); default: the FLINT_REGISTRY_AUTH variable.")
    String user;

    @Option(names = "--insecure", description = "Plain http to the registry (loopback hosts get plain http anyway).")
    boolean insecure;

    Registries.Options options() {
        return Registries.Options.of(user, insecure);
    }
}
