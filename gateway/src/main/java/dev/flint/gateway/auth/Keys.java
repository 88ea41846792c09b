package dev.flint.gateway.auth;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.UUID;

/**
 * API keys, OpenWhisk's shape ({@code uuid:key}: a UUID and 64 letters and digits), and the only
 * form in which the state keeps them: {@code {"uuid", "salt", "sha256"}} where {@code sha256} is the
 * hash of the salt followed by the key. Checking compares hashes in constant time.
 */
public final class Keys {
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final char[] KEY_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789".toCharArray();
    private static final HexFormat HEX = HexFormat.of();

    private Keys() {
    }

    /** A new credential pair; {@link Credentials#toString()} is the {@code uuid:key} to hand out. */
    public static Credentials generate() {
        char[] key = new char[64];
        for (int i = 0; i < key.length; i++) {
            key[i] = KEY_CHARS[RANDOM.nextInt(KEY_CHARS.length)];
        }
        return new Credentials(UUID.randomUUID().toString(), new String(key));
    }

    /** The stored form of a key: uuid, random salt and salted hash; never the key itself. */
    public static ObjectNode hashed(Credentials credentials) {
        byte[] salt = new byte[16];
        RANDOM.nextBytes(salt);
        ObjectNode entry = JsonNodeFactory.instance.objectNode();
        entry.put("uuid", credentials.uuid());
        entry.put("salt", HEX.formatHex(salt));
        entry.put("sha256", HEX.formatHex(hash(salt, credentials.key())));
        return entry;
    }

    /** Whether {@code entry} (a {@link #hashed} form) is of these credentials; constant time in the key. */
    public static boolean matches(JsonNode entry, Credentials credentials) {
        if (!credentials.uuid().equals(entry.path("uuid").asText())) {
            return false;
        }
        try {
            byte[] salt = HEX.parseHex(entry.path("salt").asText());
            byte[] expected = HEX.parseHex(entry.path("sha256").asText());
            return MessageDigest.isEqual(expected, hash(salt, credentials.key()));
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    private static byte[] hash(byte[] salt, String key) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            md.update(salt);
            md.update(key.getBytes(StandardCharsets.UTF_8));
            return md.digest();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }
}
