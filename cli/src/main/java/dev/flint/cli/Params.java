package dev.flint.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.List;

/** {@code -p KEY VALUE} pairs: VALUE is JSON when it parses as JSON, else a string (as {@code wsk} does). */
final class Params {
    private Params() {
    }

    static JsonNode value(String text) {
        try {
            JsonNode n = ApiClient.JSON.readTree(text);
            return n == null || n.isMissingNode() ? ApiClient.JSON.getNodeFactory().textNode(text) : n;
        } catch (IOException e) {
            return ApiClient.JSON.getNodeFactory().textNode(text);
        }
    }

    /** As one JSON object (an invoke's payload). */
    static ObjectNode object(List<String> pairs) {
        ObjectNode o = ApiClient.JSON.createObjectNode();
        for (int i = 0; i + 1 < pairs.size(); i += 2) {
            o.set(pairs.get(i), value(pairs.get(i + 1)));
        }
        return o;
    }

    /** As OpenWhisk's key/value array (an action's parameters or annotations). */
    static ArrayNode keyValues(List<String> pairs) {
        ArrayNode a = ApiClient.JSON.createArrayNode();
        for (int i = 0; i + 1 < pairs.size(); i += 2) {
            a.addObject().put("key", pairs.get(i)).set("value", value(pairs.get(i + 1)));
        }
        return a;
    }
}
