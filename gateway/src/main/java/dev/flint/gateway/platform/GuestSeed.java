package dev.flint.gateway.platform;

import dev.flint.gateway.auth.Credentials;
import dev.flint.gateway.auth.Namespaces;
import dev.flint.gateway.state.StateStore;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import org.jboss.logging.Logger;

/**
 * The first start's namespace: when the state has none, creates {@code guest} with a new key and
 * writes {@code uuid:key} to {@code <data-dir>/auth/guest} (mode 600), the only place the key is
 * kept in clear. Logs the file's path, never the key.
 */
final class GuestSeed {
    private static final Logger LOG = Logger.getLogger(GuestSeed.class);
    static final String NAMESPACE = "guest";

    private GuestSeed() {
    }

    static void ensure(StateStore state, Path dataDir) {
        Path file = dataDir.resolve("auth").resolve(NAMESPACE);
        if (Namespaces.any(state)) {
            LOG.infof("flint: namespaces exist; the guest key (if this server made it) is in %s", file);
            return;
        }
        Credentials credentials = Namespaces.create(state, NAMESPACE);
        write(file, credentials.toString());
        LOG.infof("flint: created namespace %s; its API key is in %s", NAMESPACE, file);
    }

    private static void write(Path file, String secret) {
        try {
            Files.createDirectories(file.getParent());
            Files.setPosixFilePermissions(file.getParent(), PosixFilePermissions.fromString("rwx------"));
            Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
            Files.deleteIfExists(tmp);
            Files.createFile(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            Files.writeString(tmp, secret + "\n", StandardCharsets.UTF_8);
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the guest key to " + file, e);
        }
    }
}
