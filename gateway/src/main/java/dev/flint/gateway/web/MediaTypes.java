package dev.flint.gateway.web;

import java.util.Locale;

/**
 * The two questions web actions ask of a Content-Type (as OpenWhisk's Akka media types answer
 * them): is it JSON ({@code application/json}, {@code *+json}), and is it binary, so that its bytes
 * travel as base64 in a JSON string. Text is {@code text/*}, JSON, XML, JavaScript and form data;
 * everything else, and a missing type, is binary.
 */
public final class MediaTypes {
    private MediaTypes() {
    }

    /** The media type without parameters, lower case; empty for null. */
    public static String essence(String contentType) {
        return contentType == null ? "" : contentType.split(";", 2)[0].trim().toLowerCase(Locale.ROOT);
    }

    public static boolean isJson(String contentType) {
        String t = essence(contentType);
        return t.equals("application/json") || t.endsWith("+json");
    }

    public static boolean isForm(String contentType) {
        return essence(contentType).equals("application/x-www-form-urlencoded");
    }

    public static boolean isBinary(String contentType) {
        String t = essence(contentType);
        if (t.isEmpty() || !t.contains("/")) {
            return true;
        }
        return !(t.startsWith("text/") || isJson(t) || isForm(t) || t.equals("application/xml") || t.endsWith("+xml")
                || t.equals("application/javascript") || t.equals("application/ecmascript") || t.equals("application/graphql"));
    }

    /** Whether a type parses as {@code type/subtype}: a function's Content-Type header must. */
    public static boolean valid(String contentType) {
        String t = essence(contentType);
        int slash = t.indexOf('/');
        return slash > 0 && slash < t.length() - 1 && t.indexOf('/', slash + 1) < 0 && !t.contains(" ");
    }
}
