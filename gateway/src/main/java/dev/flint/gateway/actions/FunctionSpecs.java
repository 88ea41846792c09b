package dev.flint.gateway.actions;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.flint.gateway.platform.Platform;
import dev.flint.images.Image;
import dev.flint.images.ImageRef;
import dev.flint.images.ImageStore;
import dev.flint.invoker.FunctionSpec;
import dev.flint.invoker.Kind;
import dev.flint.pool.FunctionKey;
import dev.flint.pool.ImageLayers;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * The invoker's {@link FunctionSpec} of an action document: the <em>base</em> image's layers (so
 * the pool's stem cells of that image fit), the code layer's {@code function/} directory, the
 * entry file, a revision of code digest and version, and the action's limits. Cached per action
 * until it changes ({@link #forget}). Thread-safe.
 */
@ApplicationScoped
public class FunctionSpecs {
    private static final Pattern KEY_SEGMENT = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.@-]{0,127}");

    private record Cached(String revision, FunctionSpec spec) {
    }

    private final ConcurrentHashMap<String, Cached> cache = new ConcurrentHashMap<>();

    @Inject
    Platform platform;

    public FunctionSpec of(ObjectNode doc) {
        String namespace = doc.path("namespace").asText();
        String name = doc.path("name").asText();
        Deployment d = ActionDocs.deployment(doc);
        String revision = d.shortDigest() + "-" + doc.path("version").asText();
        String cacheKey = namespace + "/" + name;
        Cached c = cache.get(cacheKey);
        if (c != null && c.revision().equals(revision)) {
            return c.spec();
        }
        FunctionSpec spec = build(doc, namespace, name, d, revision);
        cache.put(cacheKey, new Cached(revision, spec));
        return spec;
    }

    /** Drops the cached spec of an action that changed or went away. */
    public void forget(String namespace, String name) {
        cache.remove(namespace + "/" + name);
    }

    private FunctionSpec build(ObjectNode doc, String namespace, String name, Deployment d, String revision) {
        ExecSpec exec = ExecSpec.of(doc.get("exec"));
        FunctionKey key = FunctionKey.parse(segment(namespace) + "/" + segment(name));
        var limits = ActionLimits.of(doc.path("limits")).toInvoker();
        ImageStore images = platform.images();
        Image image = images.resolve(ImageRef.parse(d.image()));
        if (exec.kind() == Kind.BLACKBOX) {
            return FunctionSpec.blackbox(key, revision, ImageLayers.of(image), image.config().cmd(),
                    image.config().workingDir(), image.config().envMap(), limits);
        }
        var code = image.layerDirs().get(0).resolve(dev.flint.images.FunctionImages.CODE_DIR);
        if (exec.kind() == Kind.PYTHON) {
            return FunctionSpec.python(key, revision, ImageLayers.of(platform.python()), code, d.entry(), limits);
        }
        return FunctionSpec.shell(key, revision, ImageLayers.of(platform.busybox()), code, d.entry(), limits);
    }

    /** A namespace or name as a pool key segment: itself when it fits, else a slug and a hash of the exact name. */
    static String segment(String name) {
        if (KEY_SEGMENT.matcher(name).matches()) {
            return name;
        }
        String slug = name.replaceAll("[^A-Za-z0-9_.@-]+", "_");
        if (slug.length() > 100) {
            slug = slug.substring(0, 100);
        }
        if (!Character.isLetterOrDigit(slug.charAt(0)) && slug.charAt(0) != '_') {
            slug = "_" + slug;
        }
        try {
            byte[] h = MessageDigest.getInstance("SHA-256").digest(name.getBytes(StandardCharsets.UTF_8));
            return slug + "-" + HexFormat.of().formatHex(h).substring(0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
