package dev.flint.gateway.triggers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.flint.gateway.activations.ActivationJson;
import dev.flint.gateway.api.ApiException;
import java.util.List;
import org.junit.jupiter.api.Test;

class TriggerModelTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static JsonNode json(String text) throws Exception {
        return JSON.readTree(text);
    }

    private static String errorOf(Runnable r) {
        ApiException e = assertThrows(ApiException.class, r::run);
        assertEquals(400, e.status());
        return e.getMessage();
    }

    @Test
    void entityRef_resolvesUnderscoreAndBareNames_andRejectsPackagesAndBadNames() throws Exception {
        assertEquals(new EntityRef("guest", "t"), EntityRef.parse("trigger", json("\"/_/t\""), "guest"));
        assertEquals(new EntityRef("other", "t"), EntityRef.parse("trigger", json("\"/other/t\""), "guest"));
        assertEquals(new EntityRef("guest", "t"), EntityRef.parse("trigger", json("\"guest/t\""), "guest"));
        assertEquals(new EntityRef("guest", "a b"), EntityRef.parse("action", json("\"a b\""), "guest"));
        assertEquals(new EntityRef("guest", "a"), EntityRef.parse("action", json("{\"path\": \"_\", \"name\": \"a\"}"), "guest"));
        assertTrue(errorOf(() -> EntityRef.parse("action", JSON.valueToTree("/ns/pkg/a"), "guest")).startsWith("action:"));
        assertTrue(errorOf(() -> EntityRef.parse("trigger", JSON.valueToTree("/t"), "guest")).startsWith("trigger:"));
        assertTrue(errorOf(() -> EntityRef.parse("trigger", JSON.valueToTree("/_/-x"), "guest")).startsWith("trigger:"));
        assertTrue(errorOf(() -> EntityRef.parse("trigger", JSON.valueToTree(5), "guest")).startsWith("trigger:"));
        EntityRef r = new EntityRef("guest", "t");
        assertEquals("{\"path\":\"guest\",\"name\":\"t\"}", r.toJson().toString());
        assertEquals(r, EntityRef.of(r.toJson()));
        assertEquals("guest/t", r.asString());
        assertEquals("/guest/t", r.withLeadingSlash());
    }

    @Test
    void ruleStatus_acceptsOnlyActiveAndInactive() throws Exception {
        assertEquals(RuleStatus.ACTIVE, RuleStatus.parse(json("{\"status\": \"active\"}")));
        assertEquals(RuleStatus.INACTIVE, RuleStatus.parse(json("{\"status\": \"inactive\"}")));
        assertTrue(errorOf(() -> RuleStatus.parse(JSON.createObjectNode().put("status", "paused"))).startsWith("status: 'paused'"));
        assertTrue(errorOf(() -> RuleStatus.parse(JSON.createObjectNode())).startsWith("status:"));
        assertTrue(errorOf(() -> RuleStatus.parse(JSON.createArrayNode())).startsWith("status:"));
    }

    @Test
    void triggerRequest_validatesEachField_andTheFeedAnnotation() throws Exception {
        TriggerRequest empty = TriggerRequest.parse(json("{}"));
        assertNull(empty.parameters());
        assertNull(empty.version());
        TriggerRequest full = TriggerRequest.parse(json("{\"parameters\": [{\"key\": \"k\", \"value\": 1}], \"limits\": {},"
                + " \"annotations\": [{\"key\": \"feed\", \"value\": \"/whisk.system/kafka/feed\"}], \"version\": \"1.2.3\", \"publish\": true}"));
        assertEquals("[{\"key\":\"k\",\"value\":1}]", full.parameters().toString());
        assertEquals("1.2.3", full.version());
        assertTrue(full.publish());
        assertTrue(errorOf(() -> parse("{\"parameters\": {\"k\": 1}}")).startsWith("parameters:"));
        assertTrue(errorOf(() -> parse("{\"limits\": 3}")).startsWith("limits:"));
        assertTrue(errorOf(() -> parse("{\"version\": \"one\"}")).startsWith("version:"));
        assertTrue(errorOf(() -> parse("{\"publish\": \"yes\"}")).startsWith("publish:"));
        assertTrue(errorOf(() -> parse("[]")).startsWith("body:"));
        assertTrue(errorOf(() -> parse("{\"annotations\": [{\"key\": \"feed\", \"value\": \"a/b/c/d\"}]}"))
                .startsWith("annotations.feed:"));
    }

    private static TriggerRequest parse(String body) {
        try {
            return TriggerRequest.parse(JSON.readTree(body));
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void ruleRequest_resolvesReferences_andLeavesAbsentFieldsNull() throws Exception {
        RuleRequest r = RuleRequest.parse(json("{\"trigger\": \"/_/t\", \"action\": \"/guest/a\"}"), "guest");
        assertEquals(new EntityRef("guest", "t"), r.trigger());
        assertEquals(new EntityRef("guest", "a"), r.action());
        RuleRequest partial = RuleRequest.parse(json("{\"version\": \"0.0.9\"}"), "guest");
        assertNull(partial.trigger());
        assertNull(partial.action());
        assertEquals("0.0.9", partial.version());
    }

    @Test
    void triggerDocs_linksAndStatus_comeFromTheRulesMap() throws Exception {
        JsonNode doc = json("{\"rules\": {\"guest/r1\": {\"action\": {\"path\": \"guest\", \"name\": \"a1\"}, \"status\": \"active\"},"
                + " \"guest/r2\": {\"action\": {\"path\": \"guest\", \"name\": \"a2\"}, \"status\": \"inactive\"}}}");
        var links = TriggerDocs.links(doc);
        assertEquals(List.of("guest/r1", "guest/r2"), List.copyOf(links.keySet()));
        assertEquals(new EntityRef("guest", "a1"), links.get("guest/r1").action());
        assertEquals(RuleStatus.ACTIVE, TriggerDocs.statusOf(doc, new EntityRef("guest", "r1")));
        assertEquals(RuleStatus.INACTIVE, TriggerDocs.statusOf(doc, new EntityRef("guest", "r2")));
        assertEquals(RuleStatus.INACTIVE, TriggerDocs.statusOf(doc, new EntityRef("guest", "r3")));
        assertEquals(RuleStatus.INACTIVE, TriggerDocs.statusOf(null, new EntityRef("guest", "r1")));
        ObjectNode summary = TriggerDocs.summary((ObjectNode) json("{\"namespace\": \"guest\", \"name\": \"t\", \"version\": \"0.0.1\","
                + " \"publish\": false, \"parameters\": [], \"limits\": {}, \"annotations\": [], \"rules\": {}, \"updated\": 5}"));
        assertEquals("{\"namespace\":\"guest\",\"name\":\"t\",\"version\":\"0.0.1\",\"publish\":false,\"annotations\":[],\"updated\":5}",
                summary.toString());
    }

    @Test
    void triggerActivation_hasThePayloadAsResult_noEnd_andOneLogPerRule() throws Exception {
        ObjectNode trigger = (ObjectNode) json("{\"namespace\": \"guest\", \"name\": \"t\", \"version\": \"0.0.2\"}");
        TriggerFiring.RuleOutcome ok = new TriggerFiring.RuleOutcome(new EntityRef("guest", "r1"), new EntityRef("guest", "a1"), 0,
                "0".repeat(32), null);
        TriggerFiring.RuleOutcome failed = new TriggerFiring.RuleOutcome(new EntityRef("guest", "r2"), new EntityRef("guest", "a2"), 1,
                null, "The requested resource does not exist.");
        ObjectNode a = ActivationJson.ofTrigger(trigger, "1".repeat(32), 42, json("{\"n\": 1}"), List.of(ok.logLine(), failed.logLine()));
        assertEquals("t", a.path("name").asText());
        assertEquals("guest", a.path("subject").asText());
        assertEquals("0.0.2", a.path("version").asText());
        assertEquals(42, a.path("start").asLong());
        assertTrue(!a.has("end") && !a.has("duration"), a.toString());
        assertEquals("{\"n\":1}", a.path("response").path("result").toString());
        assertEquals("success", a.path("response").path("status").asText());
        assertEquals("{\"statusCode\":0,\"success\":true,\"activationId\":\"" + "0".repeat(32) + "\",\"rule\":\"guest/r1\","
                + "\"action\":\"guest/a1\"}", a.path("logs").get(0).asText());
        assertEquals("{\"statusCode\":1,\"success\":false,\"error\":\"The requested resource does not exist.\",\"rule\":\"guest/r2\","
                + "\"action\":\"guest/a2\"}", a.path("logs").get(1).asText());
        assertEquals(0, ActivationJson.summary(a).path("statusCode").asInt());
    }
}
