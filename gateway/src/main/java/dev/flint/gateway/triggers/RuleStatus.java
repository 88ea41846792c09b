package dev.flint.gateway.triggers;

import com.fasterxml.jackson.databind.JsonNode;
import dev.flint.gateway.api.ApiException;

/** A rule's status, kept on its trigger's link to it: {@code active} (fires its action) or {@code inactive}. */
public enum RuleStatus {
    ACTIVE("active"),
    INACTIVE("inactive");

    private final String text;

    RuleStatus(String text) {
        this.text = text;
    }

    /** The {@code status} of a rule's POST body; 400 naming the field for anything else. */
    public static RuleStatus parse(JsonNode body) {
        JsonNode s = body.path("status");
        for (RuleStatus status : values()) {
            if (s.isTextual() && s.asText().equals(status.text)) {
                return status;
            }
        }
        throw ApiException.badField("status", "'" + (s.isMissingNode() ? "" : s.asText(s.toString()))
                + "' is not a recognized rule state, must be one of ['active', 'inactive']");
    }

    /** Reads the stored text; anything but {@code active} is inactive. */
    public static RuleStatus of(JsonNode text) {
        return ACTIVE.text.equals(text.asText()) ? ACTIVE : INACTIVE;
    }

    public String text() {
        return text;
    }

    @Override
    public String toString() {
        return text;
    }
}
