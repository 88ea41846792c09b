package dev.flint.images;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.flint.images.internal.InRoot;
import dev.flint.images.internal.LayerStreams;
import dev.flint.images.internal.LayerUnpacker;
import dev.flint.images.internal.StoreJson;
import dev.flint.images.internal.Trees;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Images in and out of the store as OCI image layouts and {@code docker save} archives
 * (docs/images.md "OCI import and export").
 *
 * <p><b>Import</b> takes a directory or a tar (gzip or not) holding an OCI image layout
 * ({@code oci-layout}, {@code index.json}, {@code blobs/}) or what {@code docker save} writes
 * ({@code manifest.json} and layer tars). A tar is unpacked first into the store's {@code tmp/}
 * with the same hostile-input unpacker layers get, and every file of either form is found with
 * {@link InRoot} (symlinks never lead outside it). Every digest is checked before anything is
 * unpacked: the manifest and config blobs against their descriptors, each layer blob against its
 * descriptor (compressed digest), and each uncompressed layer against the config's diff id as the
 * store takes it in. Layers are stored uncompressed and the image committed as Flint writes images
 * (its own manifest and config, so digests differ from the source's but are stable across an
 * export and re-import); {@code Entrypoint} is folded into the command. An image index picks
 * linux/amd64.
 *
 * <p><b>Export</b> writes an OCI image layout that skopeo, umoci and containerd read: the stored
 * manifest, config and layer blobs as they are (copies; a blob already there with its size is
 * skipped), and an {@code index.json} entry annotated with the tag
 * ({@code org.opencontainers.image.ref.name}) and the full reference
 * ({@code io.containerd.image.name}); other entries of an existing layout are kept.
 */
public final class OciImages {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String REF_NAME = "org.opencontainers.image.ref.name";
    private static final String FULL_NAME = "io.containerd.image.name";
    private static final Set<String> INDEX_TYPES = Set.of("application/vnd.oci.image.index.v1+json",
            "application/vnd.docker.distribution.manifest.list.v2+json");
    private static final Set<String> LAYER_TYPES = Set.of(Descriptor.LAYER_TAR, "application/vnd.oci.image.layer.v1.tar+gzip",
            "application/vnd.docker.image.rootfs.diff.tar", "application/vnd.docker.image.rootfs.diff.tar.gzip",
            "application/vnd.oci.image.layer.nondistributable.v1.tar", "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip");
    private static final Pattern HEX_NAME = Pattern.compile("(?:.*/)?(?:sha256/)?([0-9a-f]{64})(?:\\.json)?");

    private OciImages() {
    }

    /**
     * Imports every image of an OCI layout or docker save archive ({@code source}: a directory or a
     * tar file) and tags each under the reference the archive names, or under {@code tag} (which
     * needs an archive of one image). Returns the images in archive order.
     */
    public static List<Image> importFrom(ImageStore store, Path source, ImageRef tag, Progress progress) {
        if (Files.isDirectory(source)) {
            return importDir(store, source, baseName(source), tag, progress);
        }
        if (!Files.isRegularFile(source)) {
            throw new ImageException("no OCI layout or docker save archive at " + source, "give a directory or a .tar file");
        }
        Path tmp = store.newTemp("import");
        try {
            Files.createDirectories(tmp.getParent());
            try (InputStream in = LayerStreams.uncompressed(Files.newInputStream(source), source.toString(), store.limits())) {
                LayerUnpacker.unpack(in, tmp, store.limits());
            }
            progress.report("unpacked " + source.getFileName());
            return importDir(store, tmp, baseName(source), tag, progress);
        } catch (IOException e) {
            throw new ImageException.StoreFailed("cannot unpack archive " + source + " into", tmp, e);
        } finally {
            try {
                Trees.delete(tmp);
            } catch (IOException e) {
                // prune clears tmp/
            }
        }
    }

    private static List<Image> importDir(ImageStore store, Path root, String sourceName, ImageRef tag, Progress progress) {
        boolean oci = Files.isRegularFile(InRoot.resolve(root, "index.json"), LinkOption.NOFOLLOW_LINKS);
        boolean docker = Files.isRegularFile(InRoot.resolve(root, "manifest.json"), LinkOption.NOFOLLOW_LINKS);
        if (!oci && !docker) {
            throw new ImageException("no index.json (OCI image layout) or manifest.json (docker save) in " + sourceName,
                    "give an OCI image layout (umoci, skopeo copy oci:DIR) or a docker save tarball");
        }
        List<Pending> pending = oci ? fromOciLayout(root, sourceName) : fromDockerSave(root);
        if (tag != null && pending.size() != 1) {
            throw new ImageException("the archive holds " + pending.size() + " images; --tag names one", "import it without --tag");
        }
        List<Image> out = new ArrayList<>();
        try (ImageStore.Lease lease = store.lease()) {
            for (Pending p : pending) {
                ImageRef ref = tag != null ? tag : p.ref();
                if (ref == null) {
                    throw new ImageException("the archive names no reference for image " + p.name(), "give one with --tag REF");
                }
                out.add(commit(store, root, p, ref, progress));
            }
        }
        return out;
    }

    /** One image found in an archive, not imported yet: files relative to the archive root, expected digests. */
    private record Pending(String name, ImageRef ref, byte[] config, List<String> layerFiles, List<LayerDigest> layerDigests) {}

    private static Image commit(ImageStore store, Path root, Pending p, ImageRef ref, Progress progress) {
        ImageConfig config = parseConfig(p.config(), p.name());
        if (config.diffIds().size() != p.layerFiles().size()) {
            throw new ImageException("image " + p.name() + " has " + p.layerFiles().size() + " layers but its config lists "
                    + config.diffIds().size() + " diff ids", "the archive is damaged");
        }
        List<Layer> layers = new ArrayList<>();
        for (int i = 0; i < p.layerFiles().size(); i++) {
            Path file = InRoot.file(root, p.layerFiles().get(i));
            LayerDigest blobDigest = p.layerDigests().get(i);
            if (blobDigest != null) {
                LayerDigest actual = digestOf(file);
                if (!actual.equals(blobDigest)) {
                    throw new ImageException.DigestMismatch(blobDigest, actual);
                }
            }
            long start = System.nanoTime();
            try (InputStream in = Files.newInputStream(file)) {
                layers.add(store.importLayer(in, config.diffIds().get(i)));
            } catch (IOException e) {
                throw new ImageException.StoreFailed("cannot read layer", file, e);
            }
            progress.report(ref + ": layer " + (i + 1) + "/" + p.layerFiles().size() + " " + config.diffIds().get(i).shortHex()
                    + " (" + (System.nanoTime() - start) / 1_000_000 + " ms)");
        }
        Image img = store.commit(ref, config, layers);
        progress.report(ref + ": " + img.digest());
        return img;
    }

    // ---- OCI image layout

    private static List<Pending> fromOciLayout(Path root, String sourceName) {
        JsonNode index = json(read(root, "index.json", null), "index.json");
        List<Pending> out = new ArrayList<>();
        for (JsonNode d : index.path("manifests")) {
            JsonNode manifestDesc = pickPlatform(root, d);
            String refName = d.path("annotations").path(REF_NAME).asText("");
            String fullName = d.path("annotations").path(FULL_NAME).asText("");
            ImageRef ref = refFor(fullName, refName, sourceName);
            LayerDigest md = LayerDigest.parse(manifestDesc.path("digest").asText());
            JsonNode manifest = json(read(root, blobPath(md), md), "manifest " + md);
            JsonNode configDesc = manifest.path("config");
            LayerDigest cd = LayerDigest.parse(configDesc.path("digest").asText());
            byte[] config = read(root, blobPath(cd), cd);
            List<String> files = new ArrayList<>();
            List<LayerDigest> digests = new ArrayList<>();
            for (JsonNode l : manifest.path("layers")) {
                checkLayerType(l.path("mediaType").asText(), md.toString());
                LayerDigest ld = LayerDigest.parse(l.path("digest").asText());
                files.add(blobPath(ld));
                digests.add(ld);
            }
            out.add(new Pending(refName.isEmpty() ? md.toString() : refName, ref, config, files, digests));
        }
        return out;
    }

    /** The manifest descriptor itself, or from an image index the linux/amd64 one. */
    private static JsonNode pickPlatform(Path root, JsonNode d) {
        if (!INDEX_TYPES.contains(d.path("mediaType").asText())) {
            return d;
        }
        LayerDigest id = LayerDigest.parse(d.path("digest").asText());
        JsonNode index = json(read(root, blobPath(id), id), "image index " + id);
        for (JsonNode m : index.path("manifests")) {
            JsonNode p = m.path("platform");
            if ("linux".equals(p.path("os").asText()) && "amd64".equals(p.path("architecture").asText())) {
                return m;
            }
        }
        throw new ImageException("image index " + id + " has no linux/amd64 image", "Flint runs linux/amd64 images");
    }

    // ---- docker save

    private static List<Pending> fromDockerSave(Path root) {
        JsonNode manifests = jsonAny(read(root, "manifest.json", null), "manifest.json");
        List<Pending> out = new ArrayList<>();
        for (JsonNode m : manifests) {
            String configName = m.path("Config").asText();
            byte[] config = read(root, configName, digestInName(configName));
            ImageRef ref = null;
            for (JsonNode t : m.path("RepoTags")) {
                ref = ImageRef.parse(t.asText());
                break;
            }
            List<String> files = new ArrayList<>();
            List<LayerDigest> digests = new ArrayList<>();
            for (JsonNode l : m.path("Layers")) {
                files.add(l.asText());
                digests.add(digestInName(l.asText())); // blobs/sha256/<hex> (docker 25+); <id>/layer.tar has none: its diff id is checked
            }
            out.add(new Pending(configName, ref, config, files, digests));
        }
        return out;
    }

    /** The digest a docker save file name carries ({@code <hex>.json}, {@code blobs/sha256/<hex>}), or null. */
    private static LayerDigest digestInName(String name) {
        Matcher m = HEX_NAME.matcher(name);
        if (!m.matches() || name.endsWith("/layer.tar")) {
            return null;
        }
        return LayerDigest.parse("sha256:" + m.group(1));
    }

    // ---- export

    /** Writes {@code ref} into the OCI image layout at {@code dir} (created when missing) and returns the manifest digest. */
    public static LayerDigest export(ImageStore store, ImageRef ref, Path dir) {
        Image img = store.resolve(ref);
        try {
            Path blobs = dir.resolve("blobs/sha256");
            Files.createDirectories(blobs);
            Path layout = dir.resolve("oci-layout");
            if (!Files.exists(layout)) {
                Files.writeString(layout, "{\"imageLayoutVersion\":\"1.0.0\"}");
            }
            byte[] manifest = store.readBlob(img.digest());
            writeBlob(blobs, img.digest(), manifest);
            LayerDigest config = img.manifest().config().digest();
            writeBlob(blobs, config, store.readBlob(config));
            for (Descriptor l : img.manifest().layers()) {
                Path target = blobs.resolve(l.digest().hex());
                if (Files.isRegularFile(target, LinkOption.NOFOLLOW_LINKS) && Files.size(target) == l.size()) {
                    continue;
                }
                Path tmp = blobs.resolve(".tmp-" + l.digest().hex());
                try (InputStream in = store.openBlob(l.digest())) {
                    Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
                }
                if (!digestOf(tmp).equals(l.digest())) {
                    Files.delete(tmp);
                    throw new ImageException.Corrupt(l.digest(), "layer blob changed in the store", "flint image inspect --verify " + ref);
                }
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            }
            writeIndex(dir, ref, img.digest(), manifest.length);
            return img.digest();
        } catch (IOException e) {
            throw new ImageException.StoreFailed("cannot write OCI layout", dir, e);
        }
    }

    private static void writeIndex(Path dir, ImageRef ref, LayerDigest manifest, long size) throws IOException {
        Path indexFile = dir.resolve("index.json");
        ObjectNode index = JSON.createObjectNode();
        index.put("schemaVersion", 2);
        index.put("mediaType", "application/vnd.oci.image.index.v1+json");
        ArrayNode manifests = index.putArray("manifests");
        if (Files.isRegularFile(indexFile)) {
            for (JsonNode d : json(Files.readAllBytes(indexFile), indexFile.toString()).path("manifests")) {
                if (!ref.tag().equals(d.path("annotations").path(REF_NAME).asText())) {
                    manifests.add(d);
                }
            }
        }
        ObjectNode d = manifests.addObject();
        d.put("mediaType", Descriptor.MANIFEST);
        d.put("digest", manifest.toString());
        d.put("size", size);
        ObjectNode a = d.putObject("annotations");
        a.put(REF_NAME, ref.tag());
        a.put(FULL_NAME, ref.toString());
        Path tmp = dir.resolve(".index.json.tmp");
        Files.write(tmp, JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(index));
        Files.move(tmp, indexFile, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    private static void writeBlob(Path blobs, LayerDigest d, byte[] content) throws IOException {
        Path target = blobs.resolve(d.hex());
        if (!Files.isRegularFile(target, LinkOption.NOFOLLOW_LINKS) || Files.size(target) != content.length) {
            Path tmp = blobs.resolve(".tmp-" + d.hex());
            Files.write(tmp, content);
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    // ---- helpers

    /** The image's reference: the full name if the archive gives one, else its tag on the source's name. */
    static ImageRef refFor(String fullName, String refName, String sourceName) {
        if (!fullName.isEmpty()) {
            return ImageRef.parse(fullName);
        }
        if (refName.isEmpty()) {
            return null;
        }
        if (refName.contains("/") || refName.contains(":")) {
            return ImageRef.parse(refName);
        }
        return ImageRef.of(sourceName, refName);
    }

    /** A file or directory name as an image name: {@code busybox-oci.tar} gives {@code busybox-oci}. */
    private static String baseName(Path source) {
        String n = source.toAbsolutePath().normalize().getFileName().toString().toLowerCase(Locale.ROOT);
        n = n.replaceAll("\\.(tar|tar\\.gz|tgz)$", "").replaceAll("[^a-z0-9._-]", "-").replaceAll("^[^a-z0-9]+", "");
        return n.isEmpty() ? "imported" : n;
    }

    /** Refuses a layer media type other than tar and tar+gzip (e.g. zstd), naming the image. */
    static void checkLayerType(String type, String image) {
        if (!LAYER_TYPES.contains(type)) {
            throw new ImageException("layer media type " + type + " of " + image + " is not supported",
                    "Flint imports tar and tar+gzip layers; convert the image (skopeo copy --dest-compress-format gzip)");
        }
    }

    /** An image config as import reads it (Entrypoint folded into the command), for registry pulls. */
    static ImageConfig parseConfigBytes(byte[] bytes, String name) {
        return parseConfig(bytes, name);
    }

    private static ImageConfig parseConfig(byte[] bytes, String name) {
        try {
            ImageConfig c = StoreJson.parseConfig(bytes);
            JsonNode entrypoint = JSON.readTree(bytes).path("config").path("Entrypoint");
            if (entrypoint.isArray() && entrypoint.size() > 0) {
                List<String> cmd = new ArrayList<>();
                entrypoint.forEach(e -> cmd.add(e.asText()));
                cmd.addAll(c.cmd());
                c = new ImageConfig(c.architecture(), c.os(), c.env(), cmd, c.workingDir(), c.labels(), c.diffIds());
            }
            return c;
        } catch (IllegalArgumentException | IOException e) {
            throw new ImageException("config of image " + name + " is not an OCI image config: " + e.getMessage(), "the archive is damaged");
        }
    }

    private static String blobPath(LayerDigest d) {
        return "blobs/sha256/" + d.hex();
    }

    /** A small file of the archive (a manifest, a config, an index), checked against its digest when one is known. */
    private static byte[] read(Path root, String name, LayerDigest expected) {
        Path p = InRoot.file(root, name);
        try {
            if (Files.size(p) > 16 << 20) {
                throw new ImageException.BadLayer(ImageException.BadLayer.Kind.LIMIT, name, "a JSON document over 16 MiB", "the archive is damaged");
            }
            byte[] b = Files.readAllBytes(p);
            if (expected != null && !LayerDigest.of(b).equals(expected)) {
                throw new ImageException.DigestMismatch(expected, LayerDigest.of(b));
            }
            return b;
        } catch (IOException e) {
            throw new ImageException.StoreFailed("cannot read", p, e);
        }
    }

    private static LayerDigest digestOf(Path file) {
        MessageDigest md = LayerDigest.sha256();
        try (InputStream in = new DigestInputStream(Files.newInputStream(file), md)) {
            in.transferTo(OutputStream.nullOutputStream());
        } catch (IOException e) {
            throw new ImageException.StoreFailed("cannot read", file, e);
        }
        return LayerDigest.of(md);
    }

    private static JsonNode json(byte[] b, String what) {
        JsonNode n = jsonAny(b, what);
        if (!n.isObject()) {
            throw new ImageException(what + " is not a JSON object", "the archive is damaged");
        }
        return n;
    }

    private static JsonNode jsonAny(byte[] b, String what) {
        try {
            return JSON.readTree(b);
        } catch (IOException e) {
            throw new ImageException(what + " is not JSON: " + e.getMessage(), "the archive is damaged");
        }
    }
}
