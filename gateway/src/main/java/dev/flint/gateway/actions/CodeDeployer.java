package dev.flint.gateway.actions;

import dev.flint.gateway.api.ApiException;
import dev.flint.images.BaseImages;
import dev.flint.images.FunctionCode;
import dev.flint.images.FunctionImages;
import dev.flint.images.Image;
import dev.flint.images.ImageException;
import dev.flint.images.ImageRef;
import dev.flint.images.ImageStore;
import dev.flint.invoker.Kind;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Locale;

/**
 * Turns an action's exec into a {@link Deployment}: code (inline text, or a base64 zip) becomes a
 * function image, the base image plus one code layer, tagged {@code flint-fn/<ns>/<name>-<hash>:<version>}
 * so that a prune never removes deployed code; a blackbox action's image is looked up in the store.
 * Bad code or a missing image is a 400 naming the exec field.
 */
public final class CodeDeployer {
    /** The file inline code is written to: OpenWhisk's names for a Python action's and a native action's code. */
    static final String PYTHON_FILE = "main.py";
    public static final String SHELL_FILE = "exec";
    private static final String PYTHON_ZIP_ENTRY = "__main__.py";

    private CodeDeployer() {
    }

    public static Deployment deploy(ImageStore store, String namespace, String name, String version, ExecSpec exec) {
        if (exec.kind() == Kind.BLACKBOX) {
            return blackbox(store, exec);
        }
        ImageRef base = exec.kind() == Kind.PYTHON ? BaseImages.PYTHON : BaseImages.BUSYBOX;
        ImageRef target = target(namespace, name, version);
        Path staging;
        try {
            staging = Files.createTempDirectory("flint-action-");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a temporary directory for action code", e);
        }
        try {
            FunctionCode code;
            String entry;
            if (exec.binary()) {
                Path zip = staging.resolve("code.zip");
                Files.write(zip, Base64.getDecoder().decode(exec.code().trim()));
                code = FunctionCode.zip(zip);
                entry = exec.kind() == Kind.PYTHON ? "" : SHELL_FILE;
            } else {
                entry = exec.kind() == Kind.PYTHON ? PYTHON_FILE : SHELL_FILE;
                Path file = staging.resolve(entry);
                Files.writeString(file, exec.code(), StandardCharsets.UTF_8);
                code = FunctionCode.file(file, entry);
            }
            Image image = FunctionImages.withCode(store, base, code, target);
            Path top = image.layerDirs().get(0).resolve(FunctionImages.CODE_DIR);
            String needed = entry.isEmpty() ? PYTHON_ZIP_ENTRY : entry;
            if (!Files.isRegularFile(top.resolve(needed))) {
                store.remove(target);
                throw ApiException.badField("exec.code", "the zip has no " + needed + " at its top, which a " + exec.kindName()
                        + " action runs");
            }
            String digest = image.config().labels().getOrDefault(FunctionImages.CODE_LABEL, image.digest().toString());
            return new Deployment(target.toString(), digest, entry);
        } catch (IllegalArgumentException e) {
            throw ApiException.badField("exec.code", "is not valid base64: " + e.getMessage());
        } catch (ImageException.BadLayer | ImageException.BuildFailed e) {
            throw ApiException.badField("exec.code", "cannot be unpacked: " + e.getMessage());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot stage action code in " + staging, e);
        } finally {
            deleteTree(staging);
        }
    }

    private static Deployment blackbox(ImageStore store, ExecSpec exec) {
        ImageRef ref;
        try {
            ref = ImageRef.parse(exec.image());
        } catch (ImageException e) {
            throw ApiException.badField("exec.image", e.getMessage());
        }
        Image image = store.find(ref).orElseThrow(() -> ApiException.badField("exec.image",
                "no image " + ref + " in the server's image store " + store.root() + "; import or pull it there first"));
        if (image.config().cmd().isEmpty()) {
            throw ApiException.badField("exec.image", "the image " + ref + " has no command (cmd) to run");
        }
        return new Deployment(ref.toString(), image.digest().toString(), "");
    }

    /** The function image's tag: valid in ImageRef's grammar for any OpenWhisk name, distinct per exact name. */
    static ImageRef target(String namespace, String name, String version) {
        return ImageRef.of("flint-fn/" + component(namespace) + "/" + component(name), version);
    }

    private static String component(String name) {
        String slug = name.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "-").replaceAll("^-+|-+$", "");
        if (slug.length() > 60) {
            slug = slug.substring(0, 60).replaceAll("-+$", "");
        }
        String hash = HexFormat.of().formatHex(sha256(name)).substring(0, 8);
        return slug.isEmpty() ? hash : slug + "-" + hash;
    }

    private static byte[] sha256(String s) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void deleteTree(Path dir) {
        try (var walk = Files.walk(dir)) {
            walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // a temp directory left behind; the OS cleans /tmp
        }
    }
}
