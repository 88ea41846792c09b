package dev.flint.gateway.auth;

import java.util.Optional;

/**
 * An API key as a client sends it: {@code uuid:key}. Immutable. {@link #toString()} gives the secret
 * form, so never log one.
 *
 * @param uuid the public half
 * @param key the secret half
 */
public record Credentials(String uuid, String key) {

    /** {@code uuid:key} split at the first colon; empty when there is no colon or either half is empty. */
    public static Optional<Credentials> parse(String text) {
        int colon = text == null ? -1 : text.indexOf(':');
        if (colon <= 0 || colon == text.length() - 1) {
            return Optional.empty();
        }
        return Optional.of(new Credentials(text.substring(0, colon), text.substring(colon + 1)));
    }

    @Override
    public String toString() {
        return uuid + ":" + key;
    }
}
