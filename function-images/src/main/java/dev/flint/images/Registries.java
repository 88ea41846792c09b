package dev.flint.images;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Pull from and push to an OCI distribution registry (docs/images.md "Registries"), a thin client
 * on the JDK {@link HttpClient} (ADR 0008 says why not jib-core).
 *
 * <p><b>Pull</b> fetches the manifest (an image index or docker manifest list picks linux/amd64),
 * the config and each layer blob; every one is checked against its digest before it is used, and
 * each uncompressed layer against the config's diff id as the store takes it in. A layer whose diff
 * id the store already has is not downloaded. The image is committed as Flint writes images (as
 * {@link OciImages} import does). <b>Push</b> sends each layer and the config unless the registry
 * answers a {@code HEAD} for it, then the manifest under the tag.
 *
 * <p>The registry is the reference's first component when that names a host ({@code
 * 127.0.0.1:5000/flint/busybox}), else Docker Hub. Auth: anonymous first; on a 401, basic auth or
 * a bearer token from the realm the registry names (Docker Hub style), with the credentials given.
 * Plain http is used for loopback hosts and with {@code insecure}; https otherwise.
 */
public final class Registries {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json";
    private static final String ACCEPT = String.join(",", Descriptor.MANIFEST, DOCKER_MANIFEST,
            "application/vnd.oci.image.index.v1+json", "application/vnd.docker.distribution.manifest.list.v2+json");
    private static final Set<String> INDEX_TYPES = Set.of("application/vnd.oci.image.index.v1+json",
            "application/vnd.docker.distribution.manifest.list.v2+json");
    private static final Pattern CHALLENGE_PARAM = Pattern.compile("(\\w+)=\"([^\"]*)\"");
    private static final long MAX_JSON = 16 << 20;
    /** Where a 206's Content-Range starts: {@code bytes START-END/SIZE}. */
    private static final Pattern CONTENT_RANGE = Pattern.compile("bytes (\\d+)-");
    /** A registry's answer to how much of an upload it has: {@code 0-END}, END inclusive. */
    private static final Pattern RANGE = Pattern.compile("(?:bytes=)?0-(\\d+)");

    private Registries() {
    }

    /**
     * Credentials and transport. {@code userPass} is {@code USER:PASS} or null (anonymous);
     * {@code chunkBytes} the size of each PATCH of a blob upload, the most a dropped connection
     * makes a push send again ({@link #DEFAULT_CHUNK_BYTES}).
     */
    public record Options(String userPass, boolean insecure, long chunkBytes) {
        public static final long DEFAULT_CHUNK_BYTES = 16L << 20;

        public Options {
            if (chunkBytes < 1 || chunkBytes > (1L << 30)) {
                throw new ImageException("upload chunk size must be 1 byte to 1 GiB, got " + chunkBytes, "use the default");
            }
        }

        public Options(String userPass, boolean insecure) {
            this(userPass, insecure, DEFAULT_CHUNK_BYTES);
        }

        public Options withChunkBytes(long bytes) {
            return new Options(userPass, insecure, bytes);
        }

        public static Options anonymous() {
            return new Options(null, false);
        }

        /** {@code --user} when given, else {@code FLINT_REGISTRY_AUTH}. */
        public static Options of(String user, boolean insecure) {
            String u = user != null ? user : System.getenv("FLINT_REGISTRY_AUTH");
            if (u != null && !u.isEmpty() && !u.contains(":")) {
                throw new ImageException("credentials must be USER:PASS", "give --user USER:PASS or FLINT_REGISTRY_AUTH=USER:PASS");
            }
            return new Options(u == null || u.isEmpty() ? null : u, insecure);
        }
    }

    /**
     * Bytes received by a registry's {@code Range: 0-END}, END inclusive. "0-0" is ambiguous
     * (nothing or one byte, as Docker's registry writes both): taken as nothing, so that byte
     * is sent again and a registry that had it answers 416, which starts a new session.
     */
    static long rangeEnd(String range) {
        Matcher m = RANGE.matcher(range.trim());
        if (!m.matches()) {
            return 0;
        }
        long end = Long.parseLong(m.group(1));
        return end == 0 ? 0 : end + 1;
    }

    /** Pulls {@code ref} into the store and tags it as {@code ref}. */
    public static Image pull(ImageStore store, ImageRef ref, Options options, Progress progress) {
        Client c = new Client(ref, options);
        byte[] manifestBytes = c.manifest(ref.tag(), null);
        JsonNode manifest = json(manifestBytes, "manifest of " + ref);
        if (INDEX_TYPES.contains(manifest.path("mediaType").asText()) || (manifest.has("manifests") && !manifest.has("layers"))) {
            JsonNode picked = null;
            for (JsonNode m : manifest.path("manifests")) {
                JsonNode p = m.path("platform");
                if ("linux".equals(p.path("os").asText()) && "amd64".equals(p.path("architecture").asText())) {
                    picked = m;
                    break;
                }
            }
            if (picked == null) {
                throw new ImageException("image index of " + ref + " has no linux/amd64 image", "Flint runs linux/amd64 images");
            }
            LayerDigest d = LayerDigest.parse(picked.path("digest").asText());
            progress.report(ref + ": index, linux/amd64 manifest " + d.shortHex());
            manifestBytes = c.manifest(d.toString(), d);
            manifest = json(manifestBytes, "manifest " + d);
        }
        LayerDigest cd = LayerDigest.parse(manifest.path("config").path("digest").asText());
        byte[] configBytes = c.smallBlob(cd);
        ImageConfig config = OciImages.parseConfigBytes(configBytes, ref.toString());
        JsonNode layerDescs = manifest.path("layers");
        if (config.diffIds().size() != layerDescs.size()) {
            throw new ImageException("image " + ref + " has " + layerDescs.size() + " layers but its config lists "
                    + config.diffIds().size() + " diff ids", "the registry holds a damaged image");
        }
        List<Layer> layers = new ArrayList<>();
        try (ImageStore.Lease lease = store.lease()) {
            for (int i = 0; i < layerDescs.size(); i++) {
                JsonNode l = layerDescs.get(i);
                OciImages.checkLayerType(l.path("mediaType").asText(), ref.toString());
                LayerDigest blob = LayerDigest.parse(l.path("digest").asText());
                LayerDigest diffId = config.diffIds().get(i);
                long start = System.nanoTime();
                String how;
                Layer kept = store.hasBlob(diffId) ? reuse(store, diffId) : null;
                if (kept != null) {
                    layers.add(kept);
                    how = "already in the store";
                } else {
                    String layer = ref + ": layer " + (i + 1) + "/" + layerDescs.size() + " " + diffId.shortHex();
                    Pulled p = pullLayer(store, c, blob, diffId, l.path("size").asLong(-1), layer, progress);
                    layers.add(p.layer());
                    how = p.how();
                }
                progress.report(ref + ": layer " + (i + 1) + "/" + layerDescs.size() + " " + diffId.shortHex() + " " + how
                        + " (" + (System.nanoTime() - start) / 1_000_000 + " ms)");
            }
            Image img = store.commit(ref, config, layers);
            progress.report(ref + ": " + img.digest());
            return img;
        }
    }

    /** The store's copy of a layer, re-checked as it is imported again; null when it is damaged (it is downloaded then). */
    private static Layer reuse(ImageStore store, LayerDigest diffId) {
        try (InputStream in = store.openBlob(diffId)) {
            return store.importLayer(in, diffId);
        } catch (ImageException.Corrupt | ImageException.DigestMismatch damaged) {
            return null;
        } catch (IOException e) {
            throw new ImageException.StoreFailed("cannot read layer " + diffId + " in", store.root(), e);
        }
    }

    /** A layer a pull took in, and how, for its progress line. */
    private record Pulled(Layer layer, String how) {}

    /**
     * Downloads blob {@code d} into the store's partial download for it, resuming what an earlier,
     * interrupted pull left there (once more from byte 0 when those bytes were not the blob's), and
     * imports it as layer {@code diffId}, all under the blob's download lock: a concurrent pull of
     * the same blob waits, then finds the layer stored.
     */
    private static Pulled pullLayer(ImageStore store, Client c, LayerDigest d, LayerDigest diffId, long size, String what,
            Progress progress) {
        if (size <= 0) {
            throw new ImageException("manifest gives layer " + d + " no size", "the registry holds a damaged image");
        }
        Path partial = store.partialDownload(d);
        try (ImageStore.Lease one = store.downloadLock(d)) {
            Layer meanwhile = store.hasBlob(diffId) ? reuse(store, diffId) : null;
            if (meanwhile != null) {
                return new Pulled(meanwhile, "stored by another pull meanwhile");
            }
            Files.createDirectories(partial.getParent());
            Progress p = line -> progress.report(what + ": " + line);
            boolean resumed = Files.exists(partial);
            try {
                c.blobToFile(d, size, partial, p);
            } catch (ImageException.DigestMismatch e) {
                if (!resumed) {
                    throw e;
                }
                p.report("the bytes kept from an interrupted pull were not the blob's; downloading it whole");
                c.blobToFile(d, size, partial, p); // the damaged partial file is gone: from byte 0
            }
            try (InputStream in = Files.newInputStream(partial)) {
                return new Pulled(store.importLayer(in, diffId), "pulled " + Files.size(partial) + " bytes");
            } finally {
                Files.deleteIfExists(partial); // imported, or a layer the store refused: either way done with
            }
        } catch (IOException e) {
            throw new ImageException.StoreFailed("cannot write layer", partial, e);
        }
    }

    /** Pushes the stored image {@code ref} to the registry its name says, under its tag; returns the manifest digest. */
    public static LayerDigest push(ImageStore store, ImageRef ref, Options options, Progress progress) {
        return push(store, ref, ref, options, progress);
    }

    /** Pushes the stored image {@code source} as {@code ref} (registry, repository and tag from {@code ref}). */
    public static LayerDigest push(ImageStore store, ImageRef source, ImageRef ref, Options options, Progress progress) {
        Image img = store.resolve(source);
        Client c = new Client(ref, options);
        List<Descriptor> blobs = new ArrayList<>(img.manifest().layers());
        blobs.add(img.manifest().config());
        for (Descriptor d : blobs) {
            long start = System.nanoTime();
            if (c.hasBlob(d.digest())) {
                progress.report(ref + ": blob " + d.digest().shortHex() + " already in the registry");
                continue;
            }
            if (d.mediaType().equals(Descriptor.LAYER_TAR)) {
                store.verifyBlob(d.digest());
            }
            Path file = store.blobFile(d.digest());
            c.upload(d.digest(), file != null ? () -> Client.chunksOf(file) : () -> Client.chunksOf(store.readBlob(d.digest())),
                    d.size());
            progress.report(ref + ": blob " + d.digest().shortHex() + " pushed, " + d.size() + " bytes ("
                    + (System.nanoTime() - start) / 1_000_000 + " ms)");
        }
        byte[] manifest = store.readBlob(img.digest());
        c.putManifest(ref.tag(), manifest);
        progress.report(ref + ": manifest " + img.digest() + " pushed");
        return img.digest();
    }

    private static JsonNode json(byte[] b, String what) {
        try {
            JsonNode n = JSON.readTree(b);
            if (n == null || !n.isObject()) {
                throw new ImageException(what + " is not a JSON object", "the registry holds a damaged image");
            }
            return n;
        } catch (IOException e) {
            throw new ImageException(what + " is not JSON: " + e.getMessage(), "the registry holds a damaged image");
        }
    }

    /** One registry repository's HTTP API, with the auth it negotiated. */
    static final class Client {
        private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10))
                .followRedirects(HttpClient.Redirect.NORMAL).build();
        private final String registry;
        private final String repository;
        private final String base;
        private final Options options;
        private String authorization;

        Client(ImageRef ref, Options options) {
            String name = ref.name();
            int slash = name.indexOf('/');
            String first = slash < 0 ? "" : name.substring(0, slash);
            boolean host = slash > 0 && (first.contains(".") || first.contains(":") || first.equals("localhost"));
            if (host) {
                registry = first;
                repository = name.substring(slash + 1);
            } else {
                registry = "registry-1.docker.io";
                repository = name.contains("/") ? name : "library/" + name;
            }
            String h = registry.replaceFirst(":[0-9]+$", "").toLowerCase(Locale.ROOT);
            boolean loopback = h.equals("localhost") || h.startsWith("127.") || h.equals("[::1]");
            base = (options.insecure() || loopback ? "http://" : "https://") + registry + "/v2/" + repository;
            this.options = options;
        }

        byte[] manifest(String reference, LayerDigest expected) {
            HttpResponse<InputStream> r = send(HttpRequest.newBuilder(URI.create(base + "/manifests/" + reference)).header("Accept", ACCEPT).GET(), "manifest " + reference);
            expectOk(r, "manifest " + repository + ":" + reference);
            byte[] b = readSmall(r, "manifest " + reference);
            if (expected != null && !LayerDigest.of(b).equals(expected)) {
                throw new ImageException.DigestMismatch(expected, LayerDigest.of(b));
            }
            String header = r.headers().firstValue("Docker-Content-Digest").orElse(null);
            if (expected == null && header != null && header.startsWith("sha256:") && !LayerDigest.parse(header).equals(LayerDigest.of(b))) {
                throw new ImageException.DigestMismatch(LayerDigest.parse(header), LayerDigest.of(b));
            }
            return b;
        }

        byte[] smallBlob(LayerDigest d) {
            HttpResponse<InputStream> r = send(HttpRequest.newBuilder(URI.create(base + "/blobs/" + d)).GET(), "blob " + d);
            expectOk(r, "blob " + d);
            byte[] b = readSmall(r, "blob " + d);
            if (!LayerDigest.of(b).equals(d)) {
                throw new ImageException.DigestMismatch(d, LayerDigest.of(b));
            }
            return b;
        }

        /** How often a long download reports how far it got. */
        private static final long REPORT_EVERY = 16L << 20;

        /**
         * Downloads blob {@code d} of {@code size} bytes (as its descriptor says) into {@code partial},
         * appending to what is there already: the request asks for the rest with a Range header. A
         * connection dropped on the way or a 5xx resumes the same way, at most {@value #MAX_RESUMES}
         * times; a registry that ignores Range (200) sends it all again. What arrived stays in
         * {@code partial} when this gives up, for the next pull. More bytes than {@code size} is an
         * error, and a finished file with another digest is a {@link ImageException.DigestMismatch}
         * (and is deleted).
         */
        void blobToFile(LayerDigest d, long size, Path partial, Progress progress) throws IOException {
            String what = "blob " + d;
            MessageDigest md = LayerDigest.sha256();
            long have = hashKept(partial, size, md);
            if (have > 0) {
                progress.report("resuming at byte " + have + " of " + size + ", kept from an interrupted pull");
            }
            int resumes = 0;
            while (have < size) {
                HttpRequest.Builder get = HttpRequest.newBuilder(URI.create(base + "/blobs/" + d)).GET();
                if (have > 0) {
                    get.header("Range", "bytes=" + have + "-");
                }
                HttpResponse<InputStream> r = sendOrNull(get, what);
                if (r != null && r.statusCode() == 416 && have > 0) { // the registry will not serve our place: start over
                    drain(r);
                    md.reset();
                    have = 0;
                    Files.deleteIfExists(partial);
                } else if (r != null && (r.statusCode() == 200 || (r.statusCode() == 206 && rangeStart(r) == have && have > 0))) {
                    boolean append = r.statusCode() == 206;
                    if (!append) {
                        md.reset();
                    }
                    have = receive(r.body(), partial, append ? have : 0, size, md, what, progress);
                } else if (r != null && r.statusCode() < 500) {
                    throw failed(r, what);
                } else if (r != null) {
                    drain(r);
                }
                if (have < size && ++resumes > MAX_RESUMES) {
                    throw new ImageException.RegistryFailed("download of " + what + " from " + registry + " broke off "
                            + resumes + " times, at byte " + have + " of " + size, r == null ? 0 : r.statusCode(),
                            "check the registry and the network, then pull again: it resumes from the bytes kept");
                }
                if (have < size) {
                    progress.report("broke off at byte " + have + " of " + size + (r == null ? "" : " (HTTP " + r.statusCode() + ")")
                            + ", resuming");
                }
            }
            LayerDigest actual = LayerDigest.of(md);
            if (!actual.equals(d)) {
                Files.deleteIfExists(partial);
                throw new ImageException.DigestMismatch(d, actual);
            }
        }

        /** Hashes what an earlier pull kept in {@code partial} into {@code md}; drops it when it is longer than the blob. */
        private static long hashKept(Path partial, long size, MessageDigest md) throws IOException {
            if (!Files.exists(partial)) {
                return 0;
            }
            if (Files.size(partial) > size) {
                Files.delete(partial);
                return 0;
            }
            try (InputStream in = new DigestInputStream(Files.newInputStream(partial), md)) {
                return in.transferTo(OutputStream.nullOutputStream());
            }
        }

        /**
         * Writes a response body into {@code partial} from byte {@code at}, hashing it; returns how
         * many bytes the file then holds. A read that fails (the connection dropped) ends it early;
         * a write that fails is the store's error.
         */
        private static long receive(InputStream body, Path partial, long at, long size, MessageDigest md, String what,
                Progress progress) throws IOException {
            long have = at;
            long reported = at / REPORT_EVERY;
            java.nio.file.OpenOption mode = at > 0 ? java.nio.file.StandardOpenOption.APPEND : java.nio.file.StandardOpenOption.TRUNCATE_EXISTING;
            try (InputStream in = body; OutputStream out = Files.newOutputStream(partial, java.nio.file.StandardOpenOption.CREATE,
                    java.nio.file.StandardOpenOption.WRITE, mode)) {
                byte[] buf = new byte[64 * 1024];
                while (true) {
                    int n;
                    try {
                        n = in.read(buf);
                    } catch (IOException dropped) {
                        return have;
                    }
                    if (n < 0) {
                        return have;
                    }
                    if (have + n > size) {
                        throw new ImageException.RegistryFailed(what + " is longer than the " + size + " bytes its manifest says",
                                200, "the registry holds a damaged image");
                    }
                    out.write(buf, 0, n);
                    md.update(buf, 0, n);
                    have += n;
                    if (have / REPORT_EVERY > reported && have < size) {
                        reported = have / REPORT_EVERY;
                        progress.report((have >> 20) + " of " + (size >> 20) + " MiB");
                    }
                }
            }
        }

        /** The first byte a 206's Content-Range ("bytes 100-199/200") covers, or -1. */
        private static long rangeStart(HttpResponse<InputStream> r) {
            Matcher m = CONTENT_RANGE.matcher(r.headers().firstValue("Content-Range").orElse(""));
            return m.lookingAt() ? Long.parseLong(m.group(1)) : -1;
        }

        boolean hasBlob(LayerDigest d) {
            HttpResponse<InputStream> r = send(HttpRequest.newBuilder(URI.create(base + "/blobs/" + d)).method("HEAD", HttpRequest.BodyPublishers.noBody()), "blob " + d);
            drain(r);
            if (r.statusCode() == 404) {
                return false;
            }
            expectOk(r, "blob " + d);
            return true;
        }

        /** How many times a download or an upload resumes after a dropped connection or a 5xx. */
        private static final int MAX_RESUMES = 3;

        /** Where an upload reads its chunks: a stored blob's file, or a small blob's bytes. */
        interface Chunks extends AutoCloseable {
            byte[] read(long at, int length) throws IOException;

            @Override
            void close() throws IOException;
        }

        /** Opens a blob's {@link Chunks} when its upload starts. */
        @FunctionalInterface
        interface ChunkSource {
            Chunks open() throws IOException;
        }

        static Chunks chunksOf(Path file) throws IOException {
            java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(file);
            return new Chunks() {
                @Override
                public byte[] read(long at, int length) throws IOException {
                    return readChunk(ch, at, length);
                }

                @Override
                public void close() throws IOException {
                    ch.close();
                }
            };
        }

        static Chunks chunksOf(byte[] blob) {
            return new Chunks() {
                @Override
                public byte[] read(long at, int length) throws IOException {
                    if (at + length > blob.length) {
                        throw new IOException("blob shorter than its manifest says");
                    }
                    return java.util.Arrays.copyOfRange(blob, (int) at, (int) at + length);
                }

                @Override
                public void close() {
                }
            };
        }

        /**
         * Uploads a blob in PATCHes of {@code chunkBytes} and a closing PUT with its digest. When a
         * PATCH fails on the way (a dropped connection, a 5xx), the upload resumes from what the
         * registry says it has (a GET of the upload's URL: its Range), at most
         * {@value #MAX_RESUMES} times; a registry that lost the session (404, 416) gets a new one.
         */
        void upload(LayerDigest d, ChunkSource source, long size) {
            String what = "upload of " + d;
            try (Chunks ch = source.open()) {
                URI location = startUpload(what);
                long sent = 0;
                int resumes = 0;
                while (sent < size) {
                    byte[] chunk = ch.read(sent, (int) Math.min(options.chunkBytes(), size - sent));
                    HttpResponse<InputStream> r = sendOrNull(HttpRequest.newBuilder(location)
                            .header("Content-Type", "application/octet-stream")
                            .header("Content-Range", sent + "-" + (sent + chunk.length - 1))
                            .method("PATCH", HttpRequest.BodyPublishers.ofByteArray(chunk)), what);
                    if (r != null) {
                        drain(r);
                    }
                    if (r != null && r.statusCode() == 202) {
                        location = next(r, location, what);
                        sent += chunk.length;
                        continue;
                    }
                    if (r != null && r.statusCode() < 500 && r.statusCode() != 404 && r.statusCode() != 416) {
                        throw failed(r, what);
                    }
                    if (++resumes > MAX_RESUMES) {
                        throw new ImageException.RegistryFailed(what + " to " + registry + " failed " + resumes
                                + " times at byte " + sent + " of " + size, r == null ? 0 : r.statusCode(),
                                "check the registry and the network, then push again: blobs it has are skipped");
                    }
                    Resumed at = r != null && r.statusCode() == 416 ? null : resume(location, what);
                    if (at == null) { // the registry lost the session or our place in it: start over
                        location = startUpload(what);
                        sent = 0;
                    } else {
                        location = at.location();
                        sent = at.bytes();
                    }
                }
                String sep = location.toString().contains("?") ? "&" : "?";
                URI put = URI.create(location + sep + "digest=" + URLEncoder.encode(d.toString(), StandardCharsets.UTF_8));
                HttpResponse<InputStream> r = send(HttpRequest.newBuilder(put).header("Content-Type", "application/octet-stream")
                        .PUT(HttpRequest.BodyPublishers.noBody()), what);
                drain(r);
                if (r.statusCode() != 201) {
                    throw failed(r, what);
                }
            } catch (java.nio.file.NoSuchFileException e) {
                throw new ImageException.Corrupt(d, "blob missing from the store", "rebuild or re-import the image");
            } catch (IOException e) {
                throw new ImageException.RegistryFailed("cannot read blob " + d + " from the store: " + e, 0,
                        "check the store's disk");
            }
        }

        private URI startUpload(String what) {
            HttpResponse<InputStream> start = send(HttpRequest.newBuilder(URI.create(base + "/blobs/uploads/"))
                    .POST(HttpRequest.BodyPublishers.noBody()), what);
            drain(start);
            if (start.statusCode() != 202) {
                throw failed(start, what);
            }
            return next(start, start.uri(), what);
        }

        private URI next(HttpResponse<InputStream> r, URI current, String what) {
            String location = r.headers().firstValue("Location").orElseThrow(() -> failed(r, what + " (no Location)"));
            return current.resolve(location);
        }

        /** Where an upload goes on, and how much of it the registry has. */
        private record Resumed(URI location, long bytes) {}

        /** What the registry has of an upload (a GET of its URL), or null when it no longer knows it. */
        private Resumed resume(URI location, String what) {
            HttpResponse<InputStream> r = send(HttpRequest.newBuilder(location).GET(), what + " (status)");
            drain(r);
            if (r.statusCode() == 404) {
                return null;
            }
            if (r.statusCode() != 204 && r.statusCode() != 200) {
                throw failed(r, what + " (status)");
            }
            URI next = r.headers().firstValue("Location").map(location::resolve).orElse(location);
            return new Resumed(next, rangeEnd(r.headers().firstValue("Range").orElse("0-0")));
        }

        private static byte[] readChunk(java.nio.channels.FileChannel ch, long at, int length) throws IOException {
            java.nio.ByteBuffer buf = java.nio.ByteBuffer.allocate(length);
            while (buf.hasRemaining()) {
                if (ch.read(buf, at + buf.position()) < 0) {
                    throw new IOException("blob shorter than its manifest says");
                }
            }
            return buf.array();
        }

        void putManifest(String tag, byte[] manifest) {
            HttpResponse<InputStream> r = send(HttpRequest.newBuilder(URI.create(base + "/manifests/" + tag))
                    .header("Content-Type", Descriptor.MANIFEST).PUT(HttpRequest.BodyPublishers.ofByteArray(manifest)), "manifest " + tag);
            drain(r);
            if (r.statusCode() != 201) {
                throw failed(r, "manifest " + repository + ":" + tag);
            }
        }

        /** Like {@link #send}, but null when the connection failed on the way (the caller resumes). */
        private HttpResponse<InputStream> sendOrNull(HttpRequest.Builder b, String what) {
            try {
                return send(b, what);
            } catch (ImageException.RegistryFailed e) {
                if (e.getCause() instanceof IOException) {
                    return null;
                }
                throw e;
            }
        }

        private HttpResponse<InputStream> send(HttpRequest.Builder b, String what) {
            try {
                HttpResponse<InputStream> r = once(b);
                // No authorization yet, or a bearer token that expired (they last minutes; a long
                // pull or a resumed one outlives them): negotiate once more and retry.
                if (r.statusCode() == 401 && (authorization == null || authorization.startsWith("Bearer "))) {
                    String challenge = r.headers().firstValue("WWW-Authenticate").orElse("");
                    drain(r);
                    authorization = null;
                    authenticate(challenge);
                    r = once(b);
                }
                if (r.statusCode() == 401 || r.statusCode() == 403) {
                    drain(r);
                    throw new ImageException.Unauthorized(registry, r.statusCode(), options.userPass() != null);
                }
                return r;
            } catch (IOException e) {
                throw new ImageException.RegistryFailed("cannot reach registry " + registry + " for " + what + ": " + e,
                        "check that the registry runs and its address; plain http needs a loopback host or --insecure", e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new ImageException.RegistryFailed("interrupted talking to " + registry, "try again", e);
            }
        }

        private HttpResponse<InputStream> once(HttpRequest.Builder b) throws IOException, InterruptedException {
            HttpRequest.Builder copy = b.copy().timeout(Duration.ofMinutes(10));
            if (authorization != null) {
                copy.setHeader("Authorization", authorization);
            }
            return http.send(copy.build(), HttpResponse.BodyHandlers.ofInputStream());
        }

        /** Sets {@link #authorization} from a 401's challenge: basic with the credentials, or a bearer token from the realm. */
        private void authenticate(String challenge) throws IOException, InterruptedException {
            String basic = options.userPass() == null ? null
                    : "Basic " + Base64.getEncoder().encodeToString(options.userPass().getBytes(StandardCharsets.UTF_8));
            String scheme = challenge.split(" ", 2)[0].toLowerCase(Locale.ROOT);
            if (scheme.equals("basic")) {
                if (basic == null) {
                    throw new ImageException.Unauthorized(registry, 401, false);
                }
                authorization = basic;
                return;
            }
            if (!scheme.equals("bearer")) {
                throw new ImageException.RegistryFailed("registry " + registry + " asks for auth scheme '" + scheme + "'", 401,
                        "Flint speaks basic and bearer token auth");
            }
            java.util.Map<String, String> p = new java.util.HashMap<>();
            Matcher m = CHALLENGE_PARAM.matcher(challenge);
            while (m.find()) {
                p.put(m.group(1), m.group(2));
            }
            String realm = p.get("realm");
            if (realm == null) {
                throw new ImageException.RegistryFailed("registry " + registry + " sent a bearer challenge without a realm", 401, "the registry is misconfigured");
            }
            StringBuilder url = new StringBuilder(realm).append(realm.contains("?") ? "&" : "?");
            if (p.containsKey("service")) {
                url.append("service=").append(URLEncoder.encode(p.get("service"), StandardCharsets.UTF_8)).append('&');
            }
            url.append("scope=").append(URLEncoder.encode(p.getOrDefault("scope", "repository:" + repository + ":pull,push"), StandardCharsets.UTF_8));
            HttpRequest.Builder tb = HttpRequest.newBuilder(URI.create(url.toString())).timeout(Duration.ofSeconds(30)).GET();
            if (basic != null) {
                tb.header("Authorization", basic);
            }
            HttpResponse<InputStream> r = http.send(tb.build(), HttpResponse.BodyHandlers.ofInputStream());
            if (r.statusCode() == 401 || r.statusCode() == 403) {
                drain(r);
                throw new ImageException.Unauthorized(registry, r.statusCode(), basic != null);
            }
            expectOk(r, "token from " + realm);
            JsonNode t = json(readSmall(r, "token"), "token from " + realm);
            String token = t.path("token").asText(t.path("access_token").asText(""));
            if (token.isEmpty()) {
                throw new ImageException.RegistryFailed("token service " + realm + " sent no token", 200, "the registry is misconfigured");
            }
            authorization = "Bearer " + token;
        }

        private void expectOk(HttpResponse<InputStream> r, String what) {
            if (r.statusCode() != 200) {
                throw failed(r, what);
            }
        }

        private ImageException.RegistryFailed failed(HttpResponse<InputStream> r, String what) {
            String body = "";
            try (InputStream in = r.body()) {
                body = new String(in.readNBytes(512), StandardCharsets.UTF_8).strip();
            } catch (IOException e) {
                // the status says enough
            }
            String hint = r.statusCode() == 404 ? "check the reference: the registry has no such repository, tag or blob" : "see the registry's answer";
            return new ImageException.RegistryFailed("registry " + registry + " answered HTTP " + r.statusCode() + " for " + what
                    + (body.isEmpty() ? "" : ": " + body), r.statusCode(), hint);
        }

        private static byte[] readSmall(HttpResponse<InputStream> r, String what) {
            try (InputStream in = r.body()) {
                byte[] b = in.readNBytes((int) MAX_JSON + 1);
                if (b.length > MAX_JSON) {
                    throw new ImageException.BadLayer(ImageException.BadLayer.Kind.LIMIT, what, "a JSON document over 16 MiB", "the registry holds a damaged image");
                }
                return b;
            } catch (IOException e) {
                throw new ImageException.RegistryFailed("cannot read " + what + ": " + e, "try again", e);
            }
        }

        private static void drain(HttpResponse<InputStream> r) {
            try (InputStream in = r.body()) {
                in.transferTo(OutputStream.nullOutputStream());
            } catch (IOException e) {
                // nothing to read
            }
        }
    }
}
