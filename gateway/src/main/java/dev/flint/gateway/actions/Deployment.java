package dev.flint.gateway.actions;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Where a deployed action's code is, kept in its document under {@code flint} (never shown to
 * clients): the image (for code kinds the function image tagged per version, whose top layer is the
 * code; for blackbox the user's image), the digest that tells code apart (the code layer's, or the
 * blackbox image's manifest's), and the entry file in {@code /function}.
 */
public record Deployment(String image, String digest, String entry) {
    static final String FIELD = "flint";

    public ObjectNode toJson() {
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        o.put("image", image);
        o.put("digest", digest);
        o.put("entry", entry);
        return o;
    }

    public static Deployment of(JsonNode json) {
        return new Deployment(json.path("image").asText(), json.path("digest").asText(), json.path("entry").asText());
    }

    /** The first 12 hex digits of the digest. */
    public String shortDigest() {
        String d = digest.startsWith("sha256:") ? digest.substring(7) : digest;
        return d.length() > 12 ? d.substring(0, 12) : d;
    }
}
