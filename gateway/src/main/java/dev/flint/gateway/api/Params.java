package dev.flint.gateway.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.List;
import java.util.function.IntSupplier;

/** Query parameters, Content-Type and JSON bodies, each checked with a 400 (or 415) naming what is wrong. */
public final class Params {
    private static final ObjectMapper JSON = new ObjectMapper().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    private Params() {
    }

    /** {@code true}/{@code false} (any case); absent or empty gives {@code absent}. */
    public static boolean bool(String name, String value, boolean absent) {
        if (value == null || value.isEmpty()) {
            return absent;
        }
        if (value.equalsIgnoreCase("true")) {
            return true;
        }
        if (value.equalsIgnoreCase("false")) {
            return false;
        }
        throw ApiException.badField(name, "must be true or false, got '" + value + "'");
    }

    /** A whole number in {@code [min, max]}; absent or empty gives {@code absent}. */
    public static long number(String name, String value, long absent, long min, long max) {
        if (value == null || value.isEmpty()) {
            return absent;
        }
        long n;
        try {
            n = Long.parseLong(value.trim());
        } catch (NumberFormatException e) {
            throw ApiException.badField(name, "must be a whole number, got '" + value + "'");
        }
        if (n < min || n > max) {
            throw ApiException.badField(name, n + " is outside " + min + ".." + max);
        }
        return n;
    }

    /** OpenWhisk's page size: default 30, 0 means 200, above 200 is a 400. */
    public static int limit(String value) {
        long n = number("limit", value, 30, 0, 200);
        return n == 0 ? 200 : (int) n;
    }

    public static int skip(String value) {
        return (int) number("skip", value, 0, 0, Integer.MAX_VALUE);
    }

    /** One page of a namespace's entities for a list request. */
    @FunctionalInterface
    public interface Page {
        List<ObjectNode> of(int skip, int limit);
    }

    /**
     * A list request's answer, OpenWhisk's shape: {@code limit} and {@code skip} checked first, then
     * {@code {"<collection>": N}} for {@code count=true}, else the page as an array.
     */
    public static JsonNode listing(String collection, String limit, String skip, String count, IntSupplier total, Page page) {
        int l = limit(limit);
        int s = skip(skip);
        if (bool("count", count, false)) {
            return JsonNodeFactory.instance.objectNode().put(collection, total.getAsInt());
        }
        ArrayNode out = JsonNodeFactory.instance.arrayNode();
        page.of(s, l).forEach(out::add);
        return out;
    }

    /** 415 unless the Content-Type is absent or JSON ({@code application/json}, {@code *+json}). */
    public static void requireJson(String contentType) {
        if (contentType == null || contentType.isBlank()) {
            return;
        }
        String type = contentType.split(";", 2)[0].trim().toLowerCase(java.util.Locale.ROOT);
        if (!type.equals("application/json") && !type.endsWith("+json")) {
            throw new ApiException(415, "Content-Type: '" + contentType + "' is not supported; send application/json");
        }
    }

    /** The body as JSON; an empty body is {@code {}}; 400 naming the body and the position when it does not parse. */
    public static JsonNode json(byte[] body) {
        if (body == null || body.length == 0 || new String(body, java.nio.charset.StandardCharsets.UTF_8).isBlank()) {
            return JsonNodeFactory.instance.objectNode();
        }
        try {
            return JSON.readTree(body);
        } catch (JsonProcessingException e) {
            throw ApiException.badField("body", "malformed JSON: " + e.getOriginalMessage()
                    + (e.getLocation() != null ? " at line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr() : ""));
        } catch (IOException e) {
            throw ApiException.badField("body", "cannot be read: " + e.getMessage());
        }
    }
}
