package dev.flint.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.TreeMap;

/**
 * The CLI's saved settings, as {@code wsk}'s {@code ~/.wskprops}: {@code KEY=VALUE} lines in
 * {@code ~/.flint/props} ({@code $FLINT_PROPS} to use another file), written with mode 600 since
 * it holds a key. Keys: {@code APIHOST}, {@code AUTH}, {@code NAMESPACE}.
 */
final class Props {
    static final java.util.List<String> KEYS = java.util.List.of("APIHOST", "AUTH", "NAMESPACE");

    private Props() {
    }

    static Path file() {
        String explicit = System.getenv("FLINT_PROPS");
        return explicit != null && !explicit.isBlank() ? Path.of(explicit)
                : Path.of(System.getProperty("user.home"), ".flint", "props");
    }

    static Map<String, String> read() {
        Map<String, String> props = new TreeMap<>();
        Path f = file();
        if (!Files.isRegularFile(f)) {
            return props;
        }
        try {
            for (String line : Files.readAllLines(f, StandardCharsets.UTF_8)) {
                int eq = line.indexOf('=');
                if (eq > 0 && !line.startsWith("#")) {
                    props.put(line.substring(0, eq).strip(), line.substring(eq + 1).strip());
                }
            }
        } catch (IOException e) {
            throw new ApiClient.ApiException("cannot read " + f + ": " + e.getMessage(), "check its permissions, or remove it");
        }
        return props;
    }

    static String get(String key) {
        return read().get(key);
    }

    static void write(Map<String, String> props) {
        Path f = file();
        StringBuilder text = new StringBuilder();
        props.forEach((k, v) -> text.append(k).append('=').append(v).append('\n'));
        try {
            Files.createDirectories(f.toAbsolutePath().getParent());
            Path tmp = f.resolveSibling(f.getFileName() + ".tmp");
            Files.writeString(tmp, text, StandardCharsets.UTF_8);
            Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-------"));
            Files.move(tmp, f, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new ApiClient.ApiException("cannot write " + f + ": " + e.getMessage(), "check that its directory is writable");
        }
    }
}
