package dev.flint.gateway.activations;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * What an invoke answers: its HTTP status (200, 202, 500, 502), the body (the record, its result,
 * or {@code {"activationId"}}) and the activation id for the {@code x-openwhisk-activation-id}
 * header.
 */
public record InvokeOutcome(int status, JsonNode body, String activationId) {
}
