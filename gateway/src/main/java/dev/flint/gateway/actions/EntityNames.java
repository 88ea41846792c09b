package dev.flint.gateway.actions;

import dev.flint.gateway.api.ApiException;
import java.util.regex.Pattern;

/** OpenWhisk's entity names ({@code ent/EntityPath.scala}): a word character, then up to 255 of {@code \w@ .&-}, not ending in a space. */
public final class EntityNames {
    private static final Pattern NAME = Pattern.compile("\\A(\\w|\\w[\\w@ .&-]{0,254}[\\w@.&-])\\z");

    private EntityNames() {
    }

    public static boolean valid(String name) {
        return name != null && NAME.matcher(name).matches();
    }

    /** The name if valid, else 400 naming {@code field}. */
    public static String require(String field, String name) {
        if (!valid(name)) {
            throw ApiException.badField(field, "'" + name + "' is not a valid name: it must start with a letter, digit or _,"
                    + " then letters, digits, spaces and _ @ . & -, at most 256 characters, not ending in a space");
        }
        return name;
    }
}
