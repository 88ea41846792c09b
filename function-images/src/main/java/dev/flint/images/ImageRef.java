package dev.flint.images;

import java.util.regex.Pattern;

/**
 * An image reference, {@code name[:tag]}, in the grammar of the OCI distribution spec: an optional
 * registry host ({@code localhost:5000/}) then lower-case path components separated by {@code /}
 * ({@code flint/python}); the tag defaults to {@code latest}. Digest references ({@code @sha256:...})
 * come with registry pulls and are rejected for now. Immutable; {@link #parse} validates.
 */
public final class ImageRef implements Comparable<ImageRef> {
    public static final String DEFAULT_TAG = "latest";
    private static final int MAX_NAME = 255;
    private static final String DOMAIN_COMPONENT = "(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])";
    private static final Pattern DOMAIN = Pattern.compile(
            DOMAIN_COMPONENT + "(?:\\." + DOMAIN_COMPONENT + ")*(?::[0-9]+)?");
    private static final Pattern PATH_COMPONENT = Pattern.compile("[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*");
    private static final Pattern TAG = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}");

    private final String name;
    private final String tag;

    private ImageRef(String name, String tag) {
        this.name = name;
        this.tag = tag;
    }

    /** Parses {@code name[:tag]}; a bad reference is an {@link ImageException.InvalidReference} saying which part. */
    public static ImageRef parse(String text) {
        if (text == null || text.isEmpty()) {
            throw invalid(text, "empty reference");
        }
        if (text.contains("@")) {
            throw new ImageException.InvalidReference(text, "digest references (@sha256:...) are not supported yet",
                    "refer to the image by name and tag, e.g. flint/python:3");
        }
        int slash = text.lastIndexOf('/');
        int colon = text.lastIndexOf(':');
        String name = text;
        String tag = DEFAULT_TAG;
        if (colon > slash) { // a colon before the last slash belongs to a registry port
            name = text.substring(0, colon);
            tag = text.substring(colon + 1);
        }
        return of(name, tag);
    }

    /** The reference with this name and tag, both validated. */
    public static ImageRef of(String name, String tag) {
        if (tag == null || !TAG.matcher(tag).matches()) {
            throw invalid(name + ":" + tag, "tag '" + tag + "' must be letters, digits, '_', '.' or '-' (at most 128, not starting with '.' or '-')");
        }
        if (name == null || name.isEmpty()) {
            throw invalid(name + ":" + tag, "empty name");
        }
        if (name.length() > MAX_NAME) {
            throw invalid(name, "name is longer than " + MAX_NAME + " characters");
        }
        String[] parts = name.split("/", -1);
        for (int i = 0; i < parts.length; i++) {
            String part = parts[i];
            boolean domain = i == 0 && parts.length > 1 && isDomain(part);
            if (domain ? !DOMAIN.matcher(part).matches() : !PATH_COMPONENT.matcher(part).matches()) {
                throw invalid(name + ":" + tag, domain ? "registry host '" + part + "' is not a host[:port]"
                        : "name component '" + part + "' must be lower-case letters and digits, separated by '.', '_', '__' or '-'");
            }
        }
        return new ImageRef(name, tag);
    }

    /** As docker does: a first component with '.' or ':', or "localhost", names a registry host. */
    private static boolean isDomain(String first) {
        return first.contains(".") || first.contains(":") || first.equals("localhost") || !first.equals(first.toLowerCase(java.util.Locale.ROOT));
    }

    private static ImageException.InvalidReference invalid(String text, String why) {
        return new ImageException.InvalidReference(text, why, "references look like flint/python:3 or localhost:5000/team/fn:v1");
    }

    /** The repository name, registry host included when there is one, e.g. {@code flint/python}. */
    public String name() {
        return name;
    }

    public String tag() {
        return tag;
    }

    public ImageRef withTag(String newTag) {
        return of(name, newTag);
    }

    @Override
    public int compareTo(ImageRef o) {
        int c = name.compareTo(o.name);
        return c != 0 ? c : tag.compareTo(o.tag);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ImageRef r && r.name.equals(name) && r.tag.equals(tag);
    }

    @Override
    public int hashCode() {
        return name.hashCode() * 31 + tag.hashCode();
    }

    /** {@code name:tag}, always with the tag. */
    @Override
    public String toString() {
        return name + ":" + tag;
    }
}
