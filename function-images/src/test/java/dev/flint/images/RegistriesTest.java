package dev.flint.images;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Pull and push against a small in-process registry that wants Docker Hub style bearer tokens
 * (a token service behind basic auth), with an image index of two platforms and a blob it can
 * damage on request. No root needed; the real registry is cli's RegistryIT.
 */
class RegistriesTest {
    private static final String USER_PASS = "alice:pw";
    private static final ImageConfig CONFIG = new ImageConfig("amd64", "linux", List.of(ImageConfig.DEFAULT_PATH),
            List.of("/bin/sh"), "/", Map.of(), List.of());

    @TempDir
    Path tmp;
    private HttpServer server;
    private final java.util.concurrent.ExecutorService serving = java.util.concurrent.Executors.newCachedThreadPool();
    private final Map<String, byte[]> blobs = new ConcurrentHashMap<>();
    private final Map<String, byte[]> manifests = new ConcurrentHashMap<>();
    private final Map<String, String> manifestTypes = new ConcurrentHashMap<>();
    private final AtomicInteger uploads = new AtomicInteger();
    private final AtomicInteger blobGets = new AtomicInteger();
    private volatile String tamper;
    /** The one token the registry accepts now; a new one makes those handed out before expire. */
    private volatile String token = "t0k";
    /** How long a blob GET of over 10 KB waits before it answers. */
    private volatile long slowBlobMillis;
    /** Blob GETs after which the token expires (-1: never). */
    private final AtomicInteger expireTokenAfterGets = new AtomicInteger(-1);
    /** Upload sessions: what each has received so far. */
    private final Map<String, java.io.ByteArrayOutputStream> sessions = new ConcurrentHashMap<>();
    /** PATCHes to fail by keeping half the chunk and dropping the connection without an answer. */
    private final AtomicInteger dropPatches = new AtomicInteger();
    /** Blob GETs (of over 10 KB of body) to cut off half-way through the body. */
    private final AtomicInteger cutBlobGets = new AtomicInteger();
    /** The first byte each ranged blob GET asked for. */
    private final List<Integer> rangedGets = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final java.util.concurrent.atomic.AtomicLong patchedBytes = new java.util.concurrent.atomic.AtomicLong();
    private String host;

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        host = "127.0.0.1:" + server.getAddress().getPort();
        server.createContext("/token", ex -> {
            String auth = ex.getRequestHeaders().getFirst("Authorization");
            String want = "Basic " + Base64.getEncoder().encodeToString(USER_PASS.getBytes(StandardCharsets.UTF_8));
            if (!want.equals(auth)) {
                reply(ex, 401, new byte[0]);
                return;
            }
            reply(ex, 200, ("{\"token\":\"" + token + "\"}").getBytes(StandardCharsets.UTF_8));
        });
        server.createContext("/v2/", this::registry);
        server.setExecutor(serving); // two pulls at once are served at once
        server.start();
    }

    @AfterEach
    void stop() {
        server.stop(0);
        serving.shutdownNow();
    }

    private void registry(HttpExchange ex) throws IOException {
        if (!("Bearer " + token).equals(ex.getRequestHeaders().getFirst("Authorization"))) {
            ex.getResponseHeaders().add("WWW-Authenticate",
                    "Bearer realm=\"http://" + host + "/token\",service=\"fake\",scope=\"repository:team/app:pull,push\"");
            reply(ex, 401, new byte[0]);
            return;
        }
        String path = ex.getRequestURI().getPath();
        String method = ex.getRequestMethod();
        byte[] body = ex.getRequestBody().readAllBytes();
        String prefix = "/v2/team/app/";
        if (!path.startsWith(prefix)) {
            reply(ex, 404, new byte[0]);
            return;
        }
        String rest = path.substring(prefix.length());
        if (rest.equals("blobs/uploads/") && method.equals("POST")) {
            String id = "u" + uploads.incrementAndGet();
            sessions.put(id, new java.io.ByteArrayOutputStream());
            ex.getResponseHeaders().add("Location", "/v2/team/app/blobs/uploads/" + id);
            reply(ex, 202, new byte[0]);
        } else if (rest.startsWith("blobs/uploads/")) {
            upload(ex, rest.substring("blobs/uploads/".length()), method, body);
        } else if (rest.startsWith("blobs/")) {
            String d = rest.substring("blobs/".length());
            byte[] b = blobs.get(d);
            if (b == null) {
                reply(ex, 404, new byte[0]);
            } else if (method.equals("HEAD")) {
                ex.sendResponseHeaders(200, -1);
                ex.close();
            } else {
                blobGets.incrementAndGet();
                if (expireTokenAfterGets.decrementAndGet() == 0) {
                    token = "t0k-renewed"; // this answer still goes out; the next request's token is stale
                }
                byte[] out = d.equals(tamper) ? damaged(b) : b;
                String range = ex.getRequestHeaders().getFirst("Range");
                int from = 0;
                if (range != null) {
                    from = Integer.parseInt(range.replaceAll("bytes=(\\d+)-", "$1"));
                    rangedGets.add(from);
                    ex.getResponseHeaders().add("Content-Range", "bytes " + from + "-" + (out.length - 1) + "/" + out.length);
                }
                byte[] part = java.util.Arrays.copyOfRange(out, from, out.length);
                if (part.length > 10_000 && slowBlobMillis > 0) {
                    try {
                        Thread.sleep(slowBlobMillis);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
                if (part.length > 10_000 && cutBlobGets.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                    ex.sendResponseHeaders(range == null ? 200 : 206, part.length);
                    ex.getResponseBody().write(part, 0, part.length / 2);
                    ex.getResponseBody().flush();
                    throw new IOException("cut on purpose"); // the connection closes half-way through the body
                }
                reply(ex, range == null ? 200 : 206, part);
            }
        } else if (rest.startsWith("manifests/")) {
            String ref = rest.substring("manifests/".length());
            if (method.equals("PUT")) {
                manifests.put(ref, body);
                manifests.put(LayerDigest.of(body).toString(), body);
                manifestTypes.put(ref, ex.getRequestHeaders().getFirst("Content-Type"));
                reply(ex, 201, new byte[0]);
            } else {
                byte[] m = manifests.get(ref);
                if (m == null) {
                    reply(ex, 404, new byte[0]);
                } else {
                    ex.getResponseHeaders().add("Docker-Content-Digest", LayerDigest.of(m).toString());
                    reply(ex, 200, m);
                }
            }
        } else {
            reply(ex, 404, new byte[0]);
        }
    }

    /** The distribution API's chunked upload: PATCH with Content-Range, GET for the status, PUT with the digest. */
    private void upload(HttpExchange ex, String id, String method, byte[] body) throws IOException {
        java.io.ByteArrayOutputStream got = sessions.get(id);
        if (got == null) {
            reply(ex, 404, new byte[0]);
            return;
        }
        switch (method) {
            case "PATCH" -> {
                String[] range = ex.getRequestHeaders().getFirst("Content-Range").split("-");
                if (Long.parseLong(range[0]) != got.size() || Long.parseLong(range[1]) - Long.parseLong(range[0]) + 1 != body.length) {
                    reply(ex, 416, new byte[0]);
                    return;
                }
                if (dropPatches.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                    got.write(body, 0, body.length / 2);
                    throw new IOException("dropped on purpose"); // the server closes the connection unanswered
                }
                got.write(body, 0, body.length);
                patchedBytes.addAndGet(body.length);
                ex.getResponseHeaders().add("Location", "/v2/team/app/blobs/uploads/" + id);
                ex.getResponseHeaders().add("Range", "0-" + Math.max(0, got.size() - 1));
                reply(ex, 202, new byte[0]);
            }
            case "GET" -> {
                ex.getResponseHeaders().add("Range", "0-" + Math.max(0, got.size() - 1));
                ex.getResponseHeaders().add("Location", "/v2/team/app/blobs/uploads/" + id);
                reply(ex, 204, new byte[0]);
            }
            case "PUT" -> {
                got.write(body, 0, body.length);
                byte[] blob = got.toByteArray();
                String digest = ex.getRequestURI().getQuery().replace("digest=", "").replace("%3A", ":");
                if (!digest.equals(LayerDigest.of(blob).toString())) {
                    reply(ex, 400, "{\"errors\":[{\"code\":\"DIGEST_INVALID\"}]}".getBytes(StandardCharsets.UTF_8));
                    return;
                }
                blobs.put(digest, blob);
                sessions.remove(id);
                reply(ex, 201, new byte[0]);
            }
            default -> reply(ex, 405, new byte[0]);
        }
    }

    @Test
    void aDroppedConnection_midUpload_resumesFromWhatTheRegistryHas() throws IOException {
        ImageStore store = ImageStore.open(tmp.resolve("src"));
        byte[] big = new byte[300_000];
        new java.util.Random(7).nextBytes(big);
        Layer layer = store.importLayer(new ByteArrayInputStream(TestLayers.tar(tmp.resolve("big"), Map.of("data.bin", new String(big, StandardCharsets.ISO_8859_1)))), null);
        Image img = store.commit(ImageRef.parse("team/app:big"), CONFIG, List.of(layer));
        dropPatches.set(2); // the first two PATCHes are cut off half-way
        Registries.Options creds = new Registries.Options(USER_PASS, false).withChunkBytes(64 * 1024);
        Registries.push(store, img.ref(), ImageRef.parse(host + "/team/app:big"), creds, Progress.none());
        assertEquals(0, dropPatches.get());
        byte[] stored = blobs.get(layer.digest().toString());
        assertNotNull(stored, "the layer arrived whole (its digest checked by the registry)");
        assertEquals(layer.size(), stored.length);
        assertTrue(patchedBytes.get() < layer.size() + 64 * 1024,
                "resumed, not restarted: " + patchedBytes.get() + " bytes in whole PATCHes for " + layer.size());
        assertEquals(2, uploads.get(), "one session per blob (layer and config), the layer's resumed in place");
    }

    @Test
    void aDroppedConnection_midDownload_resumesWithARange() throws IOException {
        Image img = pushedBigImage();
        cutBlobGets.set(2); // the whole GET and the first resumed one are cut half-way
        ImageStore dst = ImageStore.open(tmp.resolve("dst"));
        List<String> lines = new ArrayList<>();
        Image pulled = Registries.pull(dst, remote, creds, lines::add);
        assertEquals(0, cutBlobGets.get());
        assertEquals(img.digest(), pulled.digest());
        long size = img.manifest().layers().get(0).size();
        assertEquals(2, rangedGets.size(), "one ranged GET per cut: " + rangedGets);
        assertTrue(0 < rangedGets.get(0) && rangedGets.get(0) < rangedGets.get(1) && rangedGets.get(1) < size,
                "each resumed GET asks for the bytes after those that arrived: " + rangedGets + " of " + size);
        dst.verify(remote);
        assertEquals(List.of(), leftIn(dst.root().resolve("tmp")), "no partial download stays behind");
    }

    @Test
    void aPullThatGivesUp_keepsWhatArrived_andTheNextPullResumesFromIt() throws IOException {
        Image img = pushedBigImage();
        ImageStore dst = ImageStore.open(tmp.resolve("dst"));
        cutBlobGets.set(4); // more cuts than one pull retries
        ImageException.RegistryFailed e = assertThrows(ImageException.RegistryFailed.class,
                () -> Registries.pull(dst, remote, creds, Progress.none()));
        assertTrue(e.getMessage().contains("broke off 4 times"), e.getMessage());
        assertFalse(dst.find(remote).isPresent());
        Path partial = dst.partialDownload(img.manifest().layers().get(0).digest());
        assertEquals(List.of(partial), leftIn(dst.root().resolve("tmp")), "the partial download is kept");
        long kept = Files.size(partial);
        assertTrue(kept > 0, "bytes arrived before it gave up");
        int gets = rangedGets.size();

        List<String> lines = new ArrayList<>();
        Image pulled = Registries.pull(dst, remote, creds, lines::add);
        assertEquals(img.digest(), pulled.digest());
        assertEquals(kept, (long) rangedGets.get(gets), "the next pull starts where the last one stopped");
        assertEquals(gets + 1, rangedGets.size(), "and needs one GET for the rest");
        assertTrue(lines.stream().anyMatch(l -> l.contains("resuming at byte " + kept)), lines.toString());
        dst.verify(remote);
    }

    @Test
    void twoPullsOfOneImageAtOnce_downloadItsLayerOnce() throws Exception {
        Image img = pushedBigImage();
        ImageStore dst = ImageStore.open(tmp.resolve("dst"));
        slowBlobMillis = 400; // the first pull holds the layer's download lock that long at least
        int before = blobGets.get();
        List<String> first = new java.util.concurrent.CopyOnWriteArrayList<>();
        List<String> second = new java.util.concurrent.CopyOnWriteArrayList<>();
        Thread a = new Thread(() -> Registries.pull(dst, remote, creds, first::add));
        a.start();
        Thread.sleep(150);
        Image pulled = Registries.pull(ImageStore.open(tmp.resolve("dst")), remote, creds, second::add);
        a.join(30_000);
        assertEquals(img.digest(), pulled.digest());
        assertTrue(first.stream().anyMatch(l -> l.contains("pulled")), first.toString());
        assertTrue(second.stream().anyMatch(l -> l.contains("stored by another pull meanwhile")), second.toString());
        assertEquals(before + 3, blobGets.get(), "the layer once, the config twice");
    }

    @Test
    void aTokenThatExpiresDuringAPull_isRenewed_andThePullGoesOn() {
        Image img = pushedBigImage();
        cutBlobGets.set(1); // the layer's download breaks off ...
        expireTokenAfterGets.set(1); // ... and the token expires with it: the resumed GET needs a new one
        ImageStore dst = ImageStore.open(tmp.resolve("dst"));
        assertEquals(img.digest(), Registries.pull(dst, remote, creds, Progress.none()).digest());
        assertEquals("t0k-renewed", token);
        assertEquals(1, rangedGets.size(), "resumed with the renewed token: " + rangedGets);
    }

    @Test
    void aDamagedPartialDownload_isDroppedAndTheBlobDownloadedWhole() throws IOException {
        Image img = pushedBigImage();
        ImageStore dst = ImageStore.open(tmp.resolve("dst"));
        LayerDigest layer = img.manifest().layers().get(0).digest();
        Path partial = dst.partialDownload(layer);
        Files.write(partial, new byte[1000]); // not the blob's first bytes
        List<String> lines = new ArrayList<>();
        assertEquals(img.digest(), Registries.pull(dst, remote, creds, lines::add).digest());
        assertTrue(lines.stream().anyMatch(l -> l.contains("were not the blob's; downloading it whole")), lines.toString());
        assertFalse(Files.exists(partial));
    }

    private final Registries.Options creds = new Registries.Options(USER_PASS, false);
    private ImageRef remote;

    /** A 300 KB layer's image (a file blob, over the pack's limit), pushed to the registry as {@link #remote}. */
    private Image pushedBigImage() {
        return pushed(bigImage(tmp.resolve("src")), "big");
    }

    /** {@code img} (in the store at tmp/src) pushed to the registry as team/app:{@code tag}, now {@link #remote}. */
    private Image pushed(Image img, String tag) {
        remote = ImageRef.parse(host + "/team/app:" + tag);
        Registries.push(ImageStore.open(tmp.resolve("src")), img.ref(), remote, creds, Progress.none());
        return img;
    }

    private Image bigImage(Path root) {
        ImageStore store = ImageStore.open(root);
        byte[] big = new byte[300_000];
        new java.util.Random(7).nextBytes(big);
        Layer layer = store.importLayer(new ByteArrayInputStream(TestLayers.tar(tmp.resolve("big"),
                Map.of("data.bin", new String(big, StandardCharsets.ISO_8859_1)))), null);
        return store.commit(ImageRef.parse("team/app:big"), CONFIG, List.of(layer));
    }

    private static List<Path> leftIn(Path dir) throws IOException {
        try (java.util.stream.Stream<Path> s = Files.list(dir)) {
            return s.toList();
        }
    }

    @Test
    void chunkSizeIsChecked() {
        assertThrows(ImageException.class, () -> new Registries.Options(null, false, 0));
    }

    @Test
    void aRegistryRangeHeader_givesTheBytesItHas() {
        assertEquals(0, Registries.rangeEnd("0-0"));
        assertEquals(100, Registries.rangeEnd("0-99"));
        assertEquals(0, Registries.rangeEnd("nonsense"));
    }

    private static byte[] damaged(byte[] b) {
        byte[] c = b.clone();
        c[c.length / 2] ^= 1;
        return c;
    }

    private static void reply(HttpExchange ex, int status, byte[] body) throws IOException {
        ex.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
        if (body.length > 0) {
            ex.getResponseBody().write(body);
        }
        ex.close();
    }

    private Image source() {
        ImageStore store = ImageStore.open(tmp.resolve("src"));
        Layer base = store.importLayer(new ByteArrayInputStream(TestLayers.tar(tmp.resolve("b"), Map.of("bin/sh", "shell"))), null);
        Layer top = store.importLayer(new ByteArrayInputStream(TestLayers.tar(tmp.resolve("t"), Map.of("function/main.py", "print(1)"))), null);
        return store.commit(ImageRef.parse("team/app:1"), CONFIG, List.of(base, top));
    }

    @Test
    void pushWithAToken_thenPullAnIndex_picksLinuxAmd64_andSkipsWhatEitherSideHas() {
        Image img = source();
        ImageStore src = ImageStore.open(tmp.resolve("src"));
        ImageRef remote = ImageRef.parse(host + "/team/app:1");
        Registries.Options creds = new Registries.Options(USER_PASS, false);
        List<String> lines = new ArrayList<>();
        LayerDigest pushed = Registries.push(src, img.ref(), remote, creds, lines::add);
        assertEquals(img.digest(), pushed);
        assertEquals(3, blobs.size(), "two layers and the config");
        assertEquals(Descriptor.MANIFEST, manifestTypes.get("1"));

        lines.clear();
        Registries.push(src, img.ref(), remote, creds, lines::add);
        assertEquals(3, lines.stream().filter(l -> l.contains("already in the registry")).count(), lines.toString());
        assertEquals(3, uploads.get(), "the second push uploads nothing");

        // an index whose first entry is another platform
        String index = "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.index.v1+json\",\"manifests\":["
                + "{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"sha256:" + "0".repeat(64)
                + "\",\"size\":1,\"platform\":{\"os\":\"linux\",\"architecture\":\"arm64\"}},"
                + "{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"" + img.digest()
                + "\",\"size\":" + manifests.get("1").length + ",\"platform\":{\"os\":\"linux\",\"architecture\":\"amd64\"}}]}";
        manifests.put("multi", index.getBytes(StandardCharsets.UTF_8));

        ImageStore dst = ImageStore.open(tmp.resolve("dst"));
        Image pulled = Registries.pull(dst, ImageRef.parse(host + "/team/app:multi"), creds, Progress.none());
        assertEquals(img.digest(), pulled.digest(), "same config and layers: the same manifest digest");
        assertEquals(3, blobGets.get(), "config and two layers");

        lines.clear();
        Registries.pull(dst, ImageRef.parse(host + "/team/app:1"), creds, lines::add);
        assertEquals(2, lines.stream().filter(l -> l.contains("already in the store")).count(), lines.toString());
        assertEquals(4, blobGets.get(), "only the config is fetched again");
    }

    @Test
    void aDamagedBlob_isADigestMismatch_andNothingIsTagged() {
        Image img = pushed(source(), "1");
        tamper = img.manifest().layers().get(1).digest().toString();
        ImageStore dst = ImageStore.open(tmp.resolve("dst"));
        ImageException.DigestMismatch e = assertThrows(ImageException.DigestMismatch.class,
                () -> Registries.pull(dst, remote, creds, Progress.none()));
        assertEquals(tamper, e.expected().toString());
        assertFalse(dst.find(remote).isPresent());
    }

    @Test
    void aPull_ofALayerWhosePackedCopyIsDamaged_downloadsItAgain() {
        Image img = pushed(source(), "1");
        ImageStore dst = ImageStore.open(tmp.resolve("dst"));
        Registries.pull(dst, remote, creds, Progress.none());
        LayerDigest top = img.manifest().layers().get(1).digest();
        TestLayers.damagePacked(tmp.resolve("dst/blobs/small.pack"), top);
        int gets = blobGets.get();

        List<String> lines = new ArrayList<>();
        Registries.pull(dst, remote, creds, lines::add);
        assertTrue(lines.stream().anyMatch(l -> l.contains(top.shortHex()) && l.contains("pulled")), lines.toString());
        assertEquals(gets + 2, blobGets.get(), "the config and the damaged layer, not the sound one");
        assertEquals(img.digest(), dst.verify(remote).digest());
    }

    @Test
    void aTokenServiceRefusingTheCredentials_isUnauthorized() {
        ImageStore dst = ImageStore.open(tmp.resolve("dst"));
        ImageRef remote = ImageRef.parse(host + "/team/app:1");
        ImageException.Unauthorized none = assertThrows(ImageException.Unauthorized.class,
                () -> Registries.pull(dst, remote, Registries.Options.anonymous(), Progress.none()));
        assertTrue(none.getMessage().contains("needs credentials"), none.getMessage());
        ImageException.Unauthorized wrong = assertThrows(ImageException.Unauthorized.class,
                () -> Registries.pull(dst, remote, new Registries.Options("alice:nope", false), Progress.none()));
        assertTrue(wrong.getMessage().contains("refused the credentials"), wrong.getMessage());
    }

    @Test
    void credentialsMustBeUserColonPass() {
        assertThrows(ImageException.class, () -> Registries.Options.of("alice", false));
        assertEquals("a:b", Registries.Options.of("a:b", true).userPass());
    }
}
