package dev.flint.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import dev.flint.gateway.ServerProcess.Reply;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A second start on the same data directory finds everything the first acknowledged: the guest
 * key, actions (and their code, which still runs) and activations, all read back from the embedded
 * Kafka broker's log.
 */
class RestartIT {
    private static final String API = "/api/v1/namespaces/_";

    @Test
    void restart_onTheSameDataDir_keepsKeysActionsAndActivations() throws Exception {
        Path data;
        String key;
        String activationId;
        try (ServerProcess first = ServerProcess.start("RestartIT-first", Map.of())) {
            data = first.data;
            key = first.guestKey();
            assertEquals(200, first.send("PUT", API + "/actions/kept",
                    "{\"exec\":{\"kind\":\"python:3\",\"code\":\"def main(args):\\n    return {'kept': True}\\n\"}}", key).status());
            Reply r = first.send("POST", API + "/actions/kept?blocking=true", "{}", key);
            assertEquals(200, r.status(), r.body());
            activationId = r.json().path("activationId").asText();
            first.stop(); // the data directory stays
            try (ServerProcess second = ServerProcess.start("RestartIT-second", Map.of(), data)) {
                assertEquals(key, second.guestKey(), "no new guest key on a second start");
                assertEquals("[\"guest\"]", second.get("/api/v1/namespaces", key).json().toString());
                JsonNode action = second.get(API + "/actions/kept", key).json();
                assertEquals("0.0.1", action.path("version").asText(), action.toString());
                JsonNode activation = second.get(API + "/activations/" + activationId, key).json();
                assertEquals("{\"kept\":true}", activation.path("response").path("result").toString());
                Reply again = second.send("POST", API + "/actions/kept?blocking=true&result=true", "{}", key);
                assertEquals(200, again.status(), again.body());
                assertEquals("{\"kept\":true}", again.json().toString());
            }
        }
    }
}
