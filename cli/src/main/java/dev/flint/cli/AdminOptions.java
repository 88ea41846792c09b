package dev.flint.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/**
 * Where the server is and the admin token, for {@code flint admin}: {@code --apihost} (FLINT_APIHOST,
 * default http://127.0.0.1:3233) and {@code --token} (FLINT_ADMIN_TOKEN, else the token the server
 * wrote to {@code $FLINT_DATA/auth/admin-token}, readable by root). A picocli mixin.
 */
final class AdminOptions {
    @Option(names = "--apihost", paramLabel = "URL", defaultValue = "${env:FLINT_APIHOST:-http://127.0.0.1:3233}",
            description = "The server (default: $FLINT_APIHOST, else http://127.0.0.1:3233).")
    String apihost;

    @Option(names = "--token", paramLabel = "TOKEN", defaultValue = "${env:FLINT_ADMIN_TOKEN}",
            description = "The admin token (default: $FLINT_ADMIN_TOKEN, else $FLINT_DATA/auth/admin-token).")
    String token;

    AdminClient client() {
        return new AdminClient(apihost, token());
    }

    private String token() {
        if (token != null && !token.isBlank()) {
            return token.strip();
        }
        String data = System.getenv().getOrDefault("FLINT_DATA", ApiOptions.DEFAULT_DATA);
        Path file = Path.of(data, "auth", "admin-token");
        try {
            return Files.readString(file, StandardCharsets.UTF_8).strip();
        } catch (IOException e) {
            throw new ApiClient.ApiException("no admin token given and none readable at " + file,
                    "pass --token (or set FLINT_ADMIN_TOKEN), or run as root next to the server (sudo ./flint admin ...)");
        }
    }
}
