package dev.flint.gateway.auth;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.flint.gateway.api.ApiException;
import dev.flint.gateway.platform.Platform;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Basic authentication against the namespaces in the state (OpenWhisk's: {@code uuid:key}), and
 * the namespace check of every URL: {@code _} is the caller's namespace, any other namespace than
 * the caller's is a 403. A header that matched is remembered until any entity changes (checked
 * against {@link dev.flint.gateway.state.StateStore#entityVersion}), so a request costs a map lookup
 * rather than a walk over every namespace, and a revoked key stops working at once. Thread-safe.
 */
@ApplicationScoped
public class Authenticator {
    /** OpenWhisk's realm, which its clients expect. */
    static final Map<String, String> CHALLENGE = Map.of("WWW-Authenticate", "Basic realm=\"OpenWhisk secure realm\"");
    private static final String MISSING = "The resource requires authentication, which was not supplied with the request.";
    private static final String INVALID = "The supplied authentication is invalid.";
    private static final String FORBIDDEN = "The supplied authentication is not authorized to access '%s'.";

    /** Most credentials remembered per entity version; beyond it the memory starts over. */
    private static final int REMEMBERED = 10_000;

    /** Namespaces of credentials that matched, valid while no entity changed (a key may have been revoked). */
    private record Remembered(long entityVersion, ConcurrentHashMap<String, String> namespaces) {}

    @Inject
    Platform platform;

    private volatile Remembered remembered = new Remembered(-1, new ConcurrentHashMap<>());

    /** The caller's namespace, from an {@code Authorization} header; 401 when it is missing or wrong. */
    public String authenticate(String authorization) {
        if (authorization == null || authorization.isBlank()) {
            throw new ApiException(401, MISSING, CHALLENGE);
        }
        String header = authorization.trim();
        long version = platform.state().entityVersion();
        Remembered known = remembered;
        if (known.entityVersion() == version) {
            String namespace = known.namespaces().get(header);
            if (namespace != null) {
                return namespace;
            }
        }
        if (!header.regionMatches(true, 0, "Basic ", 0, 6)) {
            throw new ApiException(401, INVALID, CHALLENGE);
        }
        String decoded;
        try {
            decoded = new String(Base64.getDecoder().decode(header.substring(6).trim()), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw new ApiException(401, INVALID, CHALLENGE);
        }
        Credentials credentials = Credentials.parse(decoded).orElseThrow(() -> new ApiException(401, INVALID, CHALLENGE));
        String namespace = namespaceOf(credentials).orElseThrow(() -> new ApiException(401, INVALID, CHALLENGE));
        remember(version, header, namespace);
        return namespace;
    }

    /** Remembers a match found at {@code version}: only keys that matched, so guessing fills nothing. */
    private void remember(long version, String header, String namespace) {
        Remembered known = remembered;
        if (known.entityVersion() != version || known.namespaces().size() >= REMEMBERED) {
            known = new Remembered(version, new ConcurrentHashMap<>());
            remembered = known;
        }
        known.namespaces().put(header, namespace);
    }

    /**
     * Authenticates and resolves the namespace of a URL: {@code _} or the caller's own gives the
     * caller's; another gives 403.
     */
    public String authorize(String authorization, String urlNamespace) {
        String caller = authenticate(authorization);
        if (urlNamespace == null || urlNamespace.equals("_") || urlNamespace.equals(caller)) {
            return caller;
        }
        throw new ApiException(403, String.format(FORBIDDEN, urlNamespace));
    }

    private Optional<String> namespaceOf(Credentials credentials) {
        for (ObjectNode ns : platform.state().list(Namespaces.PREFIX)) {
            for (JsonNode entry : ns.path("keys")) {
                if (Keys.matches(entry, credentials)) {
                    return Optional.of(ns.path("name").asText());
                }
            }
        }
        return Optional.empty();
    }
}
