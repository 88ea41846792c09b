package dev.flint.images;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** OCI layout and docker save import, OCI layout export, on temp stores. No root needed. */
class OciImagesTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final ImageConfig CONFIG = new ImageConfig("amd64", "linux", List.of(ImageConfig.DEFAULT_PATH),
            List.of("sh"), "/", Map.of(), List.of());

    @TempDir
    Path tmp;
    private ImageStore store;
    private Image image;

    @BeforeEach
    void twoLayerImage() throws IOException {
        store = ImageStore.open(tmp.resolve("store"));
        Layer base = store.importLayer(new java.io.ByteArrayInputStream(TestLayers.tar(tmp.resolve("b"), Map.of("bin/sh", "shell", "etc/os", "flint"))), null);
        Layer top = store.importLayer(new java.io.ByteArrayInputStream(TestLayers.tar(tmp.resolve("t"), Map.of("function/main.py", "print(1)"))), null);
        image = store.commit(ImageRef.parse("fn/hello:1"), CONFIG, List.of(base, top));
    }

    @Test
    void export_writesAnOciLayout_andImportGivesTheSameImage() throws IOException {
        Path layout = tmp.resolve("layout");
        LayerDigest d = OciImages.export(store, image.ref(), layout);

        assertEquals(image.digest(), d);
        assertTrue(Files.readString(layout.resolve("oci-layout")).contains("\"imageLayoutVersion\":\"1.0.0\""));
        JsonNode index = JSON.readTree(layout.resolve("index.json").toFile());
        assertEquals(1, index.path("manifests").size());
        JsonNode entry = index.path("manifests").get(0);
        assertEquals(d.toString(), entry.path("digest").asText());
        assertEquals("1", entry.path("annotations").path("org.opencontainers.image.ref.name").asText());
        assertEquals("fn/hello:1", entry.path("annotations").path("io.containerd.image.name").asText());
        try (var blobs = Files.list(layout.resolve("blobs/sha256"))) {
            for (Path b : blobs.toList()) {
                assertEquals(b.getFileName().toString(), LayerDigest.of(Files.readAllBytes(b)).hex(), "blob named by its digest");
            }
        }

        ImageStore other = ImageStore.open(tmp.resolve("other"));
        List<Image> imported = OciImages.importFrom(other, layout, null, Progress.none());
        assertEquals(1, imported.size());
        assertEquals(image.ref(), imported.get(0).ref());
        assertEquals(image.digest(), imported.get(0).digest(), "same manifest, config and layers");
        assertEquals("flint", Files.readString(imported.get(0).layerDirs().get(1).resolve("etc/os")));
    }

    @Test
    void export_twoImagesIntoOneLayout_keepsBoth_andSkipsBlobsThere() throws IOException {
        Path layout = tmp.resolve("layout");
        OciImages.export(store, image.ref(), layout);
        store.commit(ImageRef.parse("fn/hello:2"), CONFIG.withLabel("v", "2"), image.layers());
        OciImages.export(store, ImageRef.parse("fn/hello:2"), layout);
        OciImages.export(store, ImageRef.parse("fn/hello:2"), layout); // again: replaces its own entry

        JsonNode index = JSON.readTree(layout.resolve("index.json").toFile());
        assertEquals(2, index.path("manifests").size());
        ImageStore other = ImageStore.open(tmp.resolve("other"));
        assertEquals(2, OciImages.importFrom(other, layout, null, Progress.none()).size());
    }

    @Test
    void import_ofALayoutTar_withTagOverride() throws IOException {
        Path layout = tmp.resolve("layout");
        OciImages.export(store, image.ref(), layout);
        Path tar = tmp.resolve("hello.tar");
        tarDir(layout, tar, false);

        ImageStore other = ImageStore.open(tmp.resolve("other"));
        Image img = OciImages.importFrom(other, tar, ImageRef.parse("copied/hello:x"), Progress.none()).get(0);
        assertEquals("copied/hello:x", img.ref().toString());
        assertEquals(image.manifest().layers(), img.manifest().layers());
        try (var left = Files.list(tmp.resolve("other/tmp"))) {
            assertEquals(List.of(), left.toList(), "the unpacked archive is removed");
        }
    }

    @Test
    void import_ofADockerSaveTarball_withAGzipLayer() throws IOException {
        byte[] l1 = TestLayers.tar(tmp.resolve("d1"), Map.of("bin/sh", "shell"));
        byte[] l2 = TestLayers.tar(tmp.resolve("d2"), Map.of("app/run", "go"));
        byte[] config = ("{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{\"Env\":[\"A=1\"],\"Entrypoint\":[\"/app/run\"],\"Cmd\":[\"x\"]},"
                + "\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"" + LayerDigest.of(l1) + "\",\"" + LayerDigest.of(l2) + "\"]}}")
                .getBytes(StandardCharsets.UTF_8);
        String configName = LayerDigest.of(config).hex() + ".json";
        byte[] manifest = ("[{\"Config\":\"" + configName + "\",\"RepoTags\":[\"docker.io/library/app:1.0\"],"
                + "\"Layers\":[\"aaa/layer.tar\",\"bbb/layer.tar\"]}]").getBytes(StandardCharsets.UTF_8);
        Path tar = tmp.resolve("save.tar");
        try (TarArchiveOutputStream t = new TarArchiveOutputStream(Files.newOutputStream(tar))) {
            add(t, "manifest.json", manifest);
            add(t, configName, config);
            add(t, "aaa/layer.tar", l1);
            add(t, "bbb/layer.tar", gzip(l2));
        }

        Image img = OciImages.importFrom(store, tar, null, Progress.none()).get(0);
        assertEquals("docker.io/library/app:1.0", img.ref().toString());
        assertEquals(List.of(LayerDigest.of(l1), LayerDigest.of(l2)), img.config().diffIds());
        assertEquals(List.of("/app/run", "x"), img.config().cmd(), "entrypoint folded into the command");
        assertEquals("go", Files.readString(img.layerDirs().get(0).resolve("app/run")));
    }

    @Test
    void import_ofATamperedBlob_isADigestMismatch_andTagsNothing() throws IOException {
        Path layout = tmp.resolve("layout");
        OciImages.export(store, image.ref(), layout);
        Path layer = layout.resolve("blobs/sha256/" + image.manifest().layers().get(1).digest().hex());
        byte[] b = Files.readAllBytes(layer);
        b[600] ^= 1;
        Files.write(layer, b);

        ImageStore other = ImageStore.open(tmp.resolve("other"));
        assertThrows(ImageException.DigestMismatch.class, () -> OciImages.importFrom(other, layout, null, Progress.none()));
        assertTrue(other.list().isEmpty());
    }

    @Test
    void import_neverReadsThroughASymlinkOutOfTheArchive() throws IOException {
        Path layout = tmp.resolve("layout");
        OciImages.export(store, image.ref(), layout);
        Path outside = Files.writeString(tmp.resolve("secret"), "host secret");
        Path layer = layout.resolve("blobs/sha256/" + image.manifest().layers().get(1).digest().hex());
        Files.delete(layer);
        Files.createSymbolicLink(layer, outside);

        ImageStore other = ImageStore.open(tmp.resolve("other"));
        ImageException.BadLayer e = assertThrows(ImageException.BadLayer.class, () -> OciImages.importFrom(other, layout, null, Progress.none()));
        assertEquals(ImageException.BadLayer.Kind.MALFORMED, e.kind(), e.getMessage());
        assertTrue(other.list().isEmpty());
    }

    @Test
    void import_ofAnImageIndex_picksLinuxAmd64() throws IOException {
        Path layout = tmp.resolve("layout");
        OciImages.export(store, image.ref(), layout);
        long size = Files.size(layout.resolve("blobs/sha256/" + image.digest().hex()));
        String other = "sha256:" + "ab".repeat(32); // absent: picking it would fail
        byte[] index = ("{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.index.v1+json\",\"manifests\":["
                + "{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"" + other + "\",\"size\":1,"
                + "\"platform\":{\"os\":\"linux\",\"architecture\":\"arm64\"}},"
                + "{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"" + image.digest() + "\",\"size\":" + size + ","
                + "\"platform\":{\"os\":\"linux\",\"architecture\":\"amd64\"}}]}").getBytes(StandardCharsets.UTF_8);
        LayerDigest indexDigest = LayerDigest.of(index);
        Files.write(layout.resolve("blobs/sha256/" + indexDigest.hex()), index);
        Files.writeString(layout.resolve("index.json"), "{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":"
                + "\"application/vnd.oci.image.index.v1+json\",\"digest\":\"" + indexDigest + "\",\"size\":" + index.length
                + ",\"annotations\":{\"org.opencontainers.image.ref.name\":\"multi\"}}]}");

        ImageStore other2 = ImageStore.open(tmp.resolve("other"));
        Image img = OciImages.importFrom(other2, layout, null, Progress.none()).get(0);
        assertEquals("layout:multi", img.ref().toString(), "the tag on the layout directory's name");
        assertEquals(image.digest(), img.digest());
    }

    @Test
    void refFor_takesTheFullName_elseTheTagOnTheSourceName() {
        assertEquals("docker.io/library/busybox:1", OciImages.refFor("docker.io/library/busybox:1", "1", "x").toString());
        assertEquals("bb-oci:latest", OciImages.refFor("", "latest", "bb-oci").toString());
        assertEquals("a/b:c", OciImages.refFor("", "a/b:c", "x").toString());
        assertFalse(OciImages.refFor("", "", "x") != null);
    }

    private static void add(TarArchiveOutputStream t, String name, byte[] content) throws IOException {
        TarArchiveEntry e = new TarArchiveEntry(name);
        e.setSize(content.length);
        t.putArchiveEntry(e);
        t.write(content);
        t.closeArchiveEntry();
    }

    private static byte[] gzip(byte[] b) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (OutputStream gz = new GZIPOutputStream(out)) {
            gz.write(b);
        }
        return out.toByteArray();
    }

    private static void tarDir(Path dir, Path tar, boolean gz) throws IOException {
        try (TarArchiveOutputStream t = new TarArchiveOutputStream(Files.newOutputStream(tar)); var files = Files.walk(dir)) {
            for (Path p : files.filter(Files::isRegularFile).sorted().toList()) {
                add(t, dir.relativize(p).toString(), Files.readAllBytes(p));
            }
        }
    }
}
