package dev.flint.invoker;

import dev.flint.pool.FunctionKey;
import dev.flint.pool.ImageLayers;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * A deployed function as the invoker runs it: what it is, where its layers are on the host, and
 * its limits. Immutable; the constructor checks every field and names the bad one.
 *
 * @param key its name, such as {@code guest/hello}
 * @param revision what tells deployments of the same name apart (a code digest, a version): a warm
 *     sandbox of one revision is never used for another
 * @param kind how it runs ({@link Kind})
 * @param image the read-only layers of its base image, topmost first: flint/busybox for shell,
 *     flint/python:3 for Python, the image itself for blackbox
 * @param code the host directory of its code, shown read-only at {@code /function} in its sandbox,
 *     or null when the image holds it (blackbox)
 * @param entry shell: the script in {@code /function}; Python: the {@code .py} file in
 *     {@code /function}, or empty for a directory with {@code __main__.py}; blackbox: unused
 * @param command blackbox: the image's command (exec mode); empty otherwise
 * @param cwd the working directory of the function's process
 * @param env extra environment of the function's process
 * @param limits its limits
 */
public record FunctionSpec(
        FunctionKey key,
        String revision,
        Kind kind,
        ImageLayers image,
        Path code,
        String entry,
        List<String> command,
        String cwd,
        Map<String, String> env,
        Limits limits) {

    /** Where a function's code shows inside its sandbox. */
    public static final String CODE_PATH = "/function";

    /** Where the code's file {@code entry} shows inside the sandbox; the code's directory for no entry. */
    public static String codePath(String entry) {
        return entry.isEmpty() ? CODE_PATH : CODE_PATH + "/" + entry;
    }
    private static final Pattern REVISION = Pattern.compile("[A-Za-z0-9_.-]{1,64}");
    private static final Pattern ENTRY = Pattern.compile("[A-Za-z0-9_.-]{0,255}");

    public FunctionSpec {
        require("key", key);
        require("kind", kind);
        require("image", image);
        require("limits", limits);
        if (revision == null || !REVISION.matcher(revision).matches()) {
            throw new InvokerException.Invalid("revision", "'" + revision + "' is not a revision",
                    "1 to 64 letters, digits and _ . -, such as a digest's first 12 hex digits");
        }
        entry = entry == null ? "" : entry;
        if (!ENTRY.matcher(entry).matches() || entry.equals(".") || entry.equals("..")) {
            throw new InvokerException.Invalid("entry", "'" + entry + "' is not a file name in " + CODE_PATH, "e.g. main.py");
        }
        if (kind == Kind.SHELL && entry.isEmpty()) {
            throw new InvokerException.Invalid("entry", "a shell function needs its script's name", "e.g. main.sh");
        }
        if (kind != Kind.BLACKBOX && code == null) {
            throw new InvokerException.Invalid("code", "a " + kind.canonical() + " function needs its code",
                    "give the directory of its code layer");
        }
        if (code != null && !code.isAbsolute()) {
            throw new InvokerException.Invalid("code", code + " is relative", "give an absolute directory");
        }
        command = List.copyOf(command == null ? List.of() : command);
        if (kind == Kind.BLACKBOX && command.isEmpty()) {
            throw new InvokerException.Invalid("command", "a blackbox function needs its image's command",
                    "take it from the image's config (entrypoint and cmd)");
        }
        cwd = cwd == null || cwd.isEmpty() ? (code != null ? CODE_PATH : "/") : cwd;
        if (!cwd.startsWith("/")) {
            throw new InvokerException.Invalid("cwd", "'" + cwd + "' is not absolute", "e.g. /function");
        }
        env = Map.copyOf(env == null ? Map.of() : env);
    }

    /** A shell function: {@code sh /function/<script>} per invocation. */
    public static FunctionSpec shell(FunctionKey key, String revision, ImageLayers busybox, Path code, String script, Limits limits) {
        return new FunctionSpec(key, revision, Kind.SHELL, busybox, code, script, List.of(), null, Map.of(), limits);
    }

    /** A Python function: {@code main(args)} of {@code /function/<file>} (or its {@code __main__.py}). */
    public static FunctionSpec python(FunctionKey key, String revision, ImageLayers python, Path code, String file, Limits limits) {
        return new FunctionSpec(key, revision, Kind.PYTHON, python, code, file, List.of(), null, Map.of(), limits);
    }

    /** A blackbox function: an image whose command speaks the exec-mode protocol. */
    public static FunctionSpec blackbox(FunctionKey key, String revision, ImageLayers image, List<String> command, String cwd,
            Map<String, String> env, Limits limits) {
        return new FunctionSpec(key, revision, Kind.BLACKBOX, image, null, "", command, cwd, env, limits);
    }

    /** The key the pool keeps its warm sandboxes under: the name and the revision. */
    public FunctionKey poolKey() {
        String text = key + "@" + revision;
        FunctionKey k = POOL_KEYS.get(text);
        if (k == null) {
            if (POOL_KEYS.size() > MAX_CACHED_POOL_KEYS) {
                POOL_KEYS.clear(); // a bound, not a policy: parsing again is only slower
            }
            k = FunctionKey.parse(text);
            POOL_KEYS.put(text, k);
        }
        return k;
    }

    /** Parsed pool keys: parsing (a regex per segment) showed in a warm invocation's profile. */
    private static final java.util.concurrent.ConcurrentHashMap<String, FunctionKey> POOL_KEYS =
            new java.util.concurrent.ConcurrentHashMap<>();
    private static final int MAX_CACHED_POOL_KEYS = 100_000;

    /** The function's namespace: the first segment of its key. */
    public String namespace() {
        String k = key.toString();
        int slash = k.indexOf('/');
        return slash < 0 ? k : k.substring(0, slash);
    }

    /** OpenWhisk's fully qualified name, such as {@code /guest/hello}. */
    public String qualifiedName() {
        return "/" + key;
    }

    private static void require(String field, Object value) {
        if (value == null) {
            throw new InvokerException.Invalid(field, field + " is missing", "give a " + field);
        }
    }
}
