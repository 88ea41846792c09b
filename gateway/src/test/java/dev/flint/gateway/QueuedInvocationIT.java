package dev.flint.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.flint.gateway.ServerProcess.Reply;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Non-blocking invocations go through Kafka (issue #9): a server killed with SIGKILL right after
 * its 202 loses nothing — the next start on the same data runs the invocation and records it, once.
 */
class QueuedInvocationIT {
    private static final String API = "/api/v1/namespaces/_";

    @Test
    void anInvocationAcceptedBeforeACrash_runsAfterTheRestart() throws Exception {
        Path data;
        String key;
        String id;
        try (ServerProcess first = ServerProcess.start("QueuedInvocationIT", Map.of())) {
            data = first.data;
            key = first.guestKey();
            assertEquals(200, first.send("PUT", API + "/actions/slow",
                    "{\"exec\":{\"kind\":\"python:3\",\"code\":\"import time\\ndef main(args):\\n    time.sleep(2)\\n"
                            + "    return {'n': args['n']}\\n\"}}", key).status());
            Reply accepted = first.send("POST", API + "/actions/slow", "{\"n\": 7}", key);
            assertEquals(202, accepted.status(), accepted.body());
            id = accepted.json().path("activationId").asText();
            first.crash(); // within the function's 2 s: the activation cannot have been recorded
            try (ServerProcess second = ServerProcess.start("QueuedInvocationIT", Map.of(), data)) {
                Reply record = null;
                for (int i = 0; i < 300; i++) {
                    record = second.get(API + "/activations/" + id, key);
                    if (record.status() == 200) {
                        break;
                    }
                    Thread.sleep(100);
                }
                assertEquals(200, record.status(), "the queued invocation ran after the restart: " + record.body());
                assertEquals("{\"n\":7}", record.json().path("response").path("result").toString());
                Reply list = second.get(API + "/activations?name=slow&count=true", key);
                assertEquals("{\"activations\":1}", list.json().toString(), "once, not twice");
            }
        }
    }
}
