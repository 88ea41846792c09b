package dev.flint.gateway.admin;

import dev.flint.gateway.GatewayConfig;
import dev.flint.gateway.api.ApiException;
import io.quarkus.runtime.StartupEvent;
import jakarta.annotation.Priority;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Map;
import org.jboss.logging.Logger;

/**
 * The admin token: 32 random bytes in hex at {@code <data-dir>/auth/admin-token} (mode 600, in a
 * directory of mode 700), made on the first start and kept across restarts, so only who can read
 * the server's data directory (root) can use {@code /admin}. Requests send it as
 * {@code Authorization: Bearer <token>}; the check compares in constant time. Thread-safe.
 */
@Singleton
public class AdminToken {
    private static final Logger LOG = Logger.getLogger(AdminToken.class);
    static final String FILE = "admin-token";
    private static final Map<String, String> CHALLENGE = Map.of("WWW-Authenticate", "Bearer realm=\"Flint admin\"");

    @Inject
    GatewayConfig config;

    private volatile byte[] token;

    /** Before the platform starts (priority below the default), so the file is there once the server is ready. */
    void onStart(@Observes @Priority(100) StartupEvent event) {
        Path file = config.dataDir().resolve("auth").resolve(FILE);
        token = loadOrCreate(file).getBytes(StandardCharsets.UTF_8);
        LOG.infof("flint: the admin token is in %s", file);
    }

    /** Nothing when {@code authorization} is {@code Bearer <the token>}; else 401. */
    public void require(String authorization) {
        byte[] expected = token;
        String given = authorization == null ? "" : authorization.trim();
        boolean bearer = given.regionMatches(true, 0, "Bearer ", 0, 7);
        byte[] presented = bearer ? given.substring(7).trim().getBytes(StandardCharsets.UTF_8) : new byte[0];
        if (expected == null || !bearer || !MessageDigest.isEqual(expected, presented)) {
            throw new ApiException(401, "The admin API wants Authorization: Bearer <the token in DATA/auth/admin-token>.", CHALLENGE);
        }
    }

    static String loadOrCreate(Path file) {
        try {
            if (Files.isRegularFile(file)) {
                String existing = Files.readString(file, StandardCharsets.UTF_8).strip();
                if (!existing.isEmpty()) {
                    return existing;
                }
            }
            byte[] random = new byte[32];
            new SecureRandom().nextBytes(random);
            String fresh = HexFormat.of().formatHex(random);
            Files.createDirectories(file.getParent());
            Files.setPosixFilePermissions(file.getParent(), PosixFilePermissions.fromString("rwx------"));
            Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
            Files.deleteIfExists(tmp);
            Files.createFile(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            Files.writeString(tmp, fresh + "\n", StandardCharsets.UTF_8);
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            return fresh;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read or write the admin token at " + file, e);
        }
    }
}
