package dev.flint.gateway.feeds;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.flint.gateway.actions.KeyValues;
import dev.flint.gateway.api.ApiException;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * A trigger's Kafka feed (docs/gateway.md, "Kafka-fed triggers"): the trigger's annotation
 * {@code feed} is {@code kafka} and its parameters say what to consume. Immutable; two feeds are
 * equal when a consumer of one would do exactly what a consumer of the other does (so a trigger
 * update that changes none of them keeps its consumer running).
 *
 * @param topic the topic consumed
 * @param bootstrap Kafka's bootstrap servers (default: the server's own Kafka)
 * @param group the consumer group (default {@code flint.feed.<ns>.<trigger>})
 * @param start {@code earliest} or {@code latest}: where a new group starts
 * @param retries how many more attempts a failed record (or batch) gets before it goes to {@code dlq}
 * @param dlq the dead-letter topic (default {@code <topic>.dlq})
 * @param results where each successful result is published, or null for nowhere
 * @param batch the most records of one partition an activation gets: 1 is one record as the
 *     arguments, more is {@code {"messages": [...]}} ({@link RecordPayload})
 */
public record KafkaFeed(String topic, String bootstrap, String group, String start, int retries, String dlq, String results,
        int batch) {
    /** The value of the {@code feed} annotation that makes a trigger consume a Kafka topic. */
    public static final String NAME = "kafka";
    public static final int DEFAULT_RETRIES = 5;
    public static final int MAX_RETRIES = 20;
    public static final int DEFAULT_BATCH = 1;
    public static final int MAX_BATCH = 1000;
    private static final Pattern TOPIC = Pattern.compile("[a-zA-Z0-9._-]{1,249}");
    private static final Pattern BOOTSTRAP = Pattern.compile("[^\\s,:]+:[0-9]{1,5}(,[^\\s,:]+:[0-9]{1,5})*");

    /** Whether these annotations (OpenWhisk key-values, may be null) declare a Kafka feed. */
    public static boolean declaredBy(JsonNode annotations) {
        if (annotations == null) {
            return false;
        }
        for (JsonNode a : annotations) {
            if ("feed".equals(a.path("key").asText())) {
                return NAME.equals(a.path("value").asText().toLowerCase(Locale.ROOT));
            }
        }
        return false;
    }

    /**
     * Checks a Kafka feed's parameters (OpenWhisk key-values; null is none): 400 naming
     * {@code parameters.<field>} for the first one that is missing or wrong.
     */
    public static void validate(JsonNode parameters) {
        of("ns", "trigger", parameters, "127.0.0.1:9092");
    }

    /**
     * The feed of trigger {@code namespace/trigger} with these parameters, defaults filled in.
     *
     * @param serverBootstrap the server's own Kafka, the default bootstrap
     * @throws ApiException 400 naming {@code parameters.<field>} when one is missing or wrong
     */
    public static KafkaFeed of(String namespace, String trigger, JsonNode parameters, String serverBootstrap) {
        JsonNode p = KeyValues.toObject(parameters == null ? JsonNodeFactory.instance.arrayNode() : parameters);
        String topic = text(p, "topic");
        if (topic == null) {
            throw ApiException.badField("parameters.topic", "a kafka feed needs the topic to consume, such as --param topic orders");
        }
        requireTopic("topic", topic);
        String bootstrap = text(p, "bootstrap");
        if (bootstrap != null && !BOOTSTRAP.matcher(bootstrap).matches()) {
            throw ApiException.badField("parameters.bootstrap", "'" + bootstrap + "' is not a list of host:port such as"
                    + " \"kafka1:9092,kafka2:9092\" (leave it out for the server's own Kafka)");
        }
        String group = text(p, "group");
        if (group != null && (group.isBlank() || group.length() > 255)) {
            throw ApiException.badField("parameters.group", "must be a consumer group name of 1 to 255 characters");
        }
        String start = text(p, "start");
        if (start != null && !start.equals("earliest") && !start.equals("latest")) {
            throw ApiException.badField("parameters.start", "'" + start + "' is not earliest or latest");
        }
        int retries = wholeNumber("retries", p.get("retries"), DEFAULT_RETRIES, 0, MAX_RETRIES);
        int batch = wholeNumber("batch", p.get("batch"), DEFAULT_BATCH, 1, MAX_BATCH);
        String dlq = text(p, "dlq");
        if (dlq != null) {
            requireTopic("dlq", dlq);
        }
        String results = text(p, "results");
        if (results != null) {
            requireTopic("results", results);
        }
        if (topic.equals(dlq) || topic.equals(results)) {
            throw ApiException.badField(topic.equals(dlq) ? "parameters.dlq" : "parameters.results",
                    "must not be the consumed topic " + topic + " (each record would feed itself)");
        }
        return new KafkaFeed(topic, bootstrap != null ? bootstrap : serverBootstrap,
                group != null ? group : "flint.feed." + namespace + "." + trigger,
                start != null ? start : "latest", retries, dlq != null ? dlq : topic + ".dlq", results, batch);
    }

    /** A string, or a number's text ({@code --param topic 42} arrives as a number); null when absent. */
    private static String text(JsonNode p, String field) {
        JsonNode v = p.get(field);
        if (v == null || v.isNull()) {
            return null;
        }
        if (v.isTextual() || v.isNumber()) {
            return v.asText();
        }
        throw ApiException.badField("parameters." + field, "must be a string, got " + v.getNodeType().toString().toLowerCase(Locale.ROOT));
    }

    private static void requireTopic(String field, String name) {
        if (!TOPIC.matcher(name).matches() || name.equals(".") || name.equals("..")) {
            throw ApiException.badField("parameters." + field, "'" + name
                    + "' is not a Kafka topic name (1 to 249 of letters, digits, '.', '_' and '-')");
        }
    }

    /** A whole number from {@code min} to {@code max}, given as a number or as its digits; {@code absent} when not given. */
    private static int wholeNumber(String field, JsonNode v, int absent, int min, int max) {
        if (v == null || v.isNull()) {
            return absent;
        }
        long n;
        if (v.isIntegralNumber() && v.canConvertToLong()) {
            n = v.asLong();
        } else if (v.isTextual() && v.asText().matches("[0-9]{1,9}")) {
            n = Long.parseLong(v.asText());
        } else {
            n = Long.MIN_VALUE;
        }
        if (n < min || n > max) {
            throw ApiException.badField("parameters." + field, "must be a whole number from " + min + " to " + max + ", got " + v);
        }
        return (int) n;
    }
}
