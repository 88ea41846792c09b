package dev.flint.images;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.regex.Pattern;

/**
 * A sha256 content digest, {@code sha256:<64 lower-case hex>}: the name of a layer, and also of any
 * other blob of the store (an image config, a manifest), as in the OCI image spec. Immutable;
 * {@link #parse} is the only way in from a string.
 */
public final class LayerDigest implements Comparable<LayerDigest> {
    private static final String PREFIX = "sha256:";
    private static final Pattern HEX = Pattern.compile("[0-9a-f]{64}");

    private final String hex;

    private LayerDigest(String hex) {
        this.hex = hex;
    }

    /** Parses {@code sha256:<64 hex>}; anything else is an {@link ImageException.InvalidDigest}. */
    public static LayerDigest parse(String text) {
        if (text == null || !text.startsWith(PREFIX)) {
            throw new ImageException.InvalidDigest(text, "a digest starts with 'sha256:'");
        }
        return ofHex(text.substring(PREFIX.length()));
    }

    /** The digest with these 64 lower-case hex digits. */
    public static LayerDigest ofHex(String hex) {
        if (hex == null || !HEX.matcher(hex).matches()) {
            throw new ImageException.InvalidDigest(PREFIX + hex, "expected 64 lower-case hex digits after 'sha256:'");
        }
        return new LayerDigest(hex);
    }

    /** The digest of a finished sha256 {@link MessageDigest}. */
    public static LayerDigest of(MessageDigest finished) {
        return new LayerDigest(HexFormat.of().formatHex(finished.digest()));
    }

    /** The digest of these bytes. */
    public static LayerDigest of(byte[] content) {
        MessageDigest md = sha256();
        md.update(content);
        return of(md);
    }

    /** A fresh sha256 {@link MessageDigest}. */
    public static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }

    /** The 64 hex digits, as used in store paths. */
    public String hex() {
        return hex;
    }

    /** The first 12 hex digits, for people. */
    public String shortHex() {
        return hex.substring(0, 12);
    }

    @Override
    public int compareTo(LayerDigest other) {
        return hex.compareTo(other.hex);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof LayerDigest d && d.hex.equals(hex);
    }

    @Override
    public int hashCode() {
        return hex.hashCode();
    }

    @Override
    public String toString() {
        return PREFIX + hex;
    }
}
