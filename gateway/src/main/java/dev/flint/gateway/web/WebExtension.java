package dev.flint.gateway.web;

import java.util.Optional;

/**
 * The response type a web action's URL asks for, by the extension of its last name segment
 * (OpenWhisk's {@code WhiskWebActionsApi.mediaTranscoders}): {@code .http} (also no extension),
 * {@code .json}, {@code .text}, {@code .html}, {@code .svg}.
 */
public enum WebExtension {
    HTTP(".http"), JSON(".json"), TEXT(".text"), HTML(".html"), SVG(".svg");

    private final String suffix;

    WebExtension(String suffix) {
        this.suffix = suffix;
    }

    /** The action's name and extension of a URL segment such as {@code hello.json}. */
    public record Split(String action, WebExtension extension) {}

    /** {@code name.ext} for a known extension; any other name is the action's whole name, answered as {@code .http}. */
    public static Split split(String segment) {
        for (WebExtension e : values()) {
            if (segment.endsWith(e.suffix) && segment.length() > e.suffix.length()) {
                return new Split(segment.substring(0, segment.length() - e.suffix.length()), e);
            }
        }
        return new Split(segment, HTTP);
    }

    /** The extension named by a suffix such as {@code .json}. */
    public static Optional<WebExtension> of(String suffix) {
        for (WebExtension e : values()) {
            if (e.suffix.equals(suffix)) {
                return Optional.of(e);
            }
        }
        return Optional.empty();
    }
}
