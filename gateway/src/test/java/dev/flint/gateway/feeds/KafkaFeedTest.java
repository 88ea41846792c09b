package dev.flint.gateway.feeds;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.flint.gateway.api.ApiException;
import dev.flint.gateway.triggers.TriggerRequest;
import org.junit.jupiter.api.Test;

class KafkaFeedTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static JsonNode params(String json) throws Exception {
        return JSON.readTree(json);
    }

    private static String error(String parameters) {
        ApiException e = assertThrows(ApiException.class, () -> KafkaFeed.validate(params(parameters)));
        assertEquals(400, e.status());
        return e.getMessage();
    }

    @Test
    void defaults_areFilledIn() throws Exception {
        KafkaFeed f = KafkaFeed.of("guest", "orders", params("[{\"key\":\"topic\",\"value\":\"orders\"}]"), "127.0.0.1:1234");
        assertEquals(new KafkaFeed("orders", "127.0.0.1:1234", "flint.feed.guest.orders", "latest", 5, "orders.dlq", null, 1), f);
    }

    @Test
    void givenParameters_areKept_numbersAndNumericStringsToo() throws Exception {
        KafkaFeed f = KafkaFeed.of("guest", "t", params("[{\"key\":\"topic\",\"value\":\"in\"},{\"key\":\"bootstrap\",\"value\":\"k1:9092,k2:9093\"},"
                + "{\"key\":\"group\",\"value\":\"g\"},{\"key\":\"start\",\"value\":\"earliest\"},{\"key\":\"retries\",\"value\":\"2\"},"
                + "{\"key\":\"dlq\",\"value\":\"dead\"},{\"key\":\"results\",\"value\":\"out\"},{\"key\":\"batch\",\"value\":\"100\"}]"), "x:1");
        assertEquals(new KafkaFeed("in", "k1:9092,k2:9093", "g", "earliest", 2, "dead", "out", 100), f);
        assertEquals(0, KafkaFeed.of("guest", "t", params("[{\"key\":\"topic\",\"value\":7},{\"key\":\"retries\",\"value\":0}]"), "x:1").retries());
    }

    @Test
    void batch_isAWholeNumberFrom1To1000() throws Exception {
        assertEquals(1, KafkaFeed.of("guest", "t", params("[{\"key\":\"topic\",\"value\":\"in\"},{\"key\":\"batch\",\"value\":1}]"), "x:1").batch());
        assertEquals(1000, KafkaFeed.of("guest", "t", params("[{\"key\":\"topic\",\"value\":\"in\"},{\"key\":\"batch\",\"value\":1000}]"), "x:1")
                .batch());
        for (String bad : new String[] {"0", "-1", "1001", "2.5", "\"ten\"", "\"\"", "true", "[1]", "99999999999999999999"}) {
            String message = error("[{\"key\":\"topic\",\"value\":\"t\"},{\"key\":\"batch\",\"value\":" + bad + "}]");
            assertTrue(message.startsWith("parameters.batch: must be a whole number from 1 to 1000"), bad + ": " + message);
        }
    }

    @Test
    void eachBadParameter_is400NamingIt() {
        assertTrue(error("[]").startsWith("parameters.topic:"));
        assertTrue(error("null").startsWith("parameters.topic:"));
        assertTrue(error("[{\"key\":\"topic\",\"value\":\"a b\"}]").startsWith("parameters.topic:"));
        assertTrue(error("[{\"key\":\"topic\",\"value\":{\"x\":1}}]").startsWith("parameters.topic:"));
        assertTrue(error("[{\"key\":\"topic\",\"value\":\"t\"},{\"key\":\"bootstrap\",\"value\":\"nohost\"}]").startsWith("parameters.bootstrap:"));
        assertTrue(error("[{\"key\":\"topic\",\"value\":\"t\"},{\"key\":\"group\",\"value\":\" \"}]").startsWith("parameters.group:"));
        assertTrue(error("[{\"key\":\"topic\",\"value\":\"t\"},{\"key\":\"start\",\"value\":\"middle\"}]").startsWith("parameters.start:"));
        assertTrue(error("[{\"key\":\"topic\",\"value\":\"t\"},{\"key\":\"retries\",\"value\":-1}]").startsWith("parameters.retries:"));
        assertTrue(error("[{\"key\":\"topic\",\"value\":\"t\"},{\"key\":\"retries\",\"value\":1.5}]").startsWith("parameters.retries:"));
        assertTrue(error("[{\"key\":\"topic\",\"value\":\"t\"},{\"key\":\"retries\",\"value\":21}]").startsWith("parameters.retries:"));
        assertTrue(error("[{\"key\":\"topic\",\"value\":\"t\"},{\"key\":\"dlq\",\"value\":\"a/b\"}]").startsWith("parameters.dlq:"));
        assertTrue(error("[{\"key\":\"topic\",\"value\":\"t\"},{\"key\":\"results\",\"value\":\"t\"}]").startsWith("parameters.results:"));
        assertTrue(error("[{\"key\":\"topic\",\"value\":\"t\"},{\"key\":\"dlq\",\"value\":\"t\"}]").startsWith("parameters.dlq:"));
    }

    @Test
    void triggerRequest_withKafkaFeed_checksItsParameters_andOtherFeedsAreLeftAlone() throws Exception {
        ApiException e = assertThrows(ApiException.class, () -> TriggerRequest.parse(JSON.readTree(
                "{\"annotations\":[{\"key\":\"feed\",\"value\":\"kafka\"}]}")));
        assertTrue(e.getMessage().startsWith("parameters.topic:"), e.getMessage());
        TriggerRequest.parse(JSON.readTree("{\"annotations\":[{\"key\":\"feed\",\"value\":\"kafka\"}],"
                + "\"parameters\":[{\"key\":\"topic\",\"value\":\"orders\"}]}"));
        TriggerRequest.parse(JSON.readTree("{\"annotations\":[{\"key\":\"feed\",\"value\":\"/whisk.system/alarms/alarm\"}]}"));
        assertFalse(KafkaFeed.declaredBy(JSON.readTree("[{\"key\":\"feed\",\"value\":\"/whisk.system/alarms/alarm\"}]")));
        assertFalse(KafkaFeed.declaredBy(null));
    }
}
