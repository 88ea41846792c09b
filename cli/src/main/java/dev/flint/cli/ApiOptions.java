package dev.flint.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/**
 * Where the server is and who we are, for the verbs that talk to it: {@code --apihost}
 * (FLINT_APIHOST, default http://127.0.0.1:3233) and {@code --auth uuid:key} (FLINT_AUTH, else
 * the guest key the standalone server wrote under its data directory). A picocli mixin.
 */
final class ApiOptions {
    static final String DEFAULT_DATA = "/var/lib/flint";

    static final String DEFAULT_APIHOST = "http://127.0.0.1:3233";

    @Option(names = "--apihost", paramLabel = "URL", defaultValue = "${env:FLINT_APIHOST}",
            description = "The server (default: $FLINT_APIHOST, else `flint property set --apihost`, else " + DEFAULT_APIHOST + ").")
    String apihost;

    @Option(names = {"-u", "--auth"}, paramLabel = "UUID:KEY", defaultValue = "${env:FLINT_AUTH}",
            description = "The namespace's key (default: $FLINT_AUTH, else `flint property set --auth`, else the guest key "
                    + "in the server's data directory, $FLINT_DATA/auth/guest).")
    String auth;

    @Option(names = {"-n", "--namespace"}, paramLabel = "NS",
            description = "The namespace (default: `flint property set --namespace`, else _, the key's own).")
    String namespace;

    ApiClient client() {
        String host = apihost != null && !apihost.isBlank() ? apihost : orDefault(Props.get("APIHOST"), DEFAULT_APIHOST);
        String ns = namespace != null ? namespace : orDefault(Props.get("NAMESPACE"), "_");
        return new ApiClient(host, key(), ns);
    }

    private static String orDefault(String value, String fallback) {
        return value == null || value.isBlank() ? fallback : value;
    }

    private String key() {
        if (auth != null && !auth.isBlank()) {
            return auth.strip();
        }
        String saved = Props.get("AUTH");
        if (saved != null && !saved.isBlank()) {
            return saved;
        }
        String data = System.getenv().getOrDefault("FLINT_DATA", DEFAULT_DATA);
        Path guest = Path.of(data, "auth", "guest");
        try {
            return Files.readString(guest, StandardCharsets.UTF_8).strip();
        } catch (IOException e) {
            throw new ApiClient.ApiException("no key given and none readable at " + guest,
                    "pass --auth UUID:KEY (or set FLINT_AUTH), or run as root next to a standalone server (./flint server)");
        }
    }
}
