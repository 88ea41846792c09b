package dev.flint.images.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.flint.images.Descriptor;
import dev.flint.images.ImageConfig;
import dev.flint.images.ImageManifest;
import dev.flint.images.LayerDigest;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The JSON documents of a store, written field by field in a fixed order so that the same model
 * always gives the same bytes (and digest): OCI image manifests and configs in the shapes of the OCI
 * image spec (so exporting an OCI layout is a copy), and layer unpack records.
 * Reading throws {@link IllegalArgumentException} on a document that is not what it should be.
 */
public final class StoreJson {
    private static final ObjectMapper JSON = new ObjectMapper();

    private StoreJson() {
    }

    public static byte[] manifest(ImageManifest m) {
        ObjectNode root = JSON.createObjectNode();
        root.put("schemaVersion", 2);
        root.put("mediaType", Descriptor.MANIFEST);
        root.set("config", descriptor(m.config()));
        ArrayNode layers = root.putArray("layers");
        m.layers().forEach(l -> layers.add(descriptor(l)));
        if (!m.annotations().isEmpty()) {
            root.set("annotations", stringMap(m.annotations()));
        }
        return bytes(root);
    }

    public static ImageManifest parseManifest(byte[] json) {
        JsonNode root = read(json);
        if (root.path("schemaVersion").asInt() != 2) {
            throw new IllegalArgumentException("not an OCI manifest (schemaVersion is not 2)");
        }
        List<Descriptor> layers = new ArrayList<>();
        for (JsonNode l : root.path("layers")) {
            layers.add(parseDescriptor(l));
        }
        return new ImageManifest(parseDescriptor(root.path("config")), layers, parseStringMap(root.path("annotations")));
    }

    public static byte[] config(ImageConfig c) {
        ObjectNode root = JSON.createObjectNode();
        root.put("architecture", c.architecture());
        root.put("os", c.os());
        ObjectNode conf = root.putObject("config");
        ArrayNode env = conf.putArray("Env");
        c.env().forEach(env::add);
        if (!c.cmd().isEmpty()) {
            ArrayNode cmd = conf.putArray("Cmd");
            c.cmd().forEach(cmd::add);
        }
        conf.put("WorkingDir", c.workingDir());
        if (!c.labels().isEmpty()) {
            conf.set("Labels", stringMap(c.labels()));
        }
        ObjectNode rootfs = root.putObject("rootfs");
        rootfs.put("type", "layers");
        ArrayNode diffIds = rootfs.putArray("diff_ids");
        c.diffIds().forEach(d -> diffIds.add(d.toString()));
        return bytes(root);
    }

    public static ImageConfig parseConfig(byte[] json) {
        JsonNode root = read(json);
        JsonNode conf = root.path("config");
        List<LayerDigest> diffIds = new ArrayList<>();
        for (JsonNode d : root.path("rootfs").path("diff_ids")) {
            diffIds.add(LayerDigest.parse(d.asText()));
        }
        return new ImageConfig(text(root, "architecture"), text(root, "os"), strings(conf.path("Env")),
                strings(conf.path("Cmd")), conf.path("WorkingDir").asText("/").isEmpty() ? "/" : conf.path("WorkingDir").asText("/"),
                parseStringMap(conf.path("Labels")), diffIds);
    }

    /** A layer's unpack record: the layer digest and what its tree looked like when unpacking finished. */
    public static byte[] layerRecord(LayerDigest layer, TreeListing listing) {
        ObjectNode root = JSON.createObjectNode();
        root.put("layer", layer.toString());
        root.put("entries", listing.entries());
        root.put("bytes", listing.bytes());
        root.put("listing", listing.listing().toString());
        return bytes(root);
    }

    public static TreeListing parseLayerRecord(byte[] json, LayerDigest expectedLayer) {
        JsonNode root = read(json);
        if (!expectedLayer.toString().equals(root.path("layer").asText())) {
            throw new IllegalArgumentException("record is of layer " + root.path("layer").asText());
        }
        return new TreeListing(root.path("entries").asLong(-1), root.path("bytes").asLong(-1),
                LayerDigest.parse(root.path("listing").asText()));
    }

    private static ObjectNode descriptor(Descriptor d) {
        ObjectNode n = JSON.createObjectNode();
        n.put("mediaType", d.mediaType());
        n.put("digest", d.digest().toString());
        n.put("size", d.size());
        return n;
    }

    private static Descriptor parseDescriptor(JsonNode n) {
        if (!n.isObject()) {
            throw new IllegalArgumentException("descriptor missing");
        }
        return new Descriptor(text(n, "mediaType"), LayerDigest.parse(text(n, "digest")), n.path("size").asLong(-1));
    }

    private static ObjectNode stringMap(Map<String, String> m) {
        ObjectNode n = JSON.createObjectNode();
        new TreeMap<>(m).forEach(n::put);
        return n;
    }

    private static Map<String, String> parseStringMap(JsonNode n) {
        Map<String, String> m = new TreeMap<>();
        n.fields().forEachRemaining(e -> m.put(e.getKey(), e.getValue().asText()));
        return m;
    }

    private static List<String> strings(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(v -> out.add(v.asText()));
        return out;
    }

    private static String text(JsonNode n, String field) {
        JsonNode v = n.get(field);
        if (v == null || !v.isTextual()) {
            throw new IllegalArgumentException("field '" + field + "' missing");
        }
        return v.asText();
    }

    private static JsonNode read(byte[] json) {
        try {
            JsonNode n = JSON.readTree(json);
            if (n == null || !n.isObject()) {
                throw new IllegalArgumentException("not a JSON object");
            }
            return n;
        } catch (IOException e) {
            throw new IllegalArgumentException("not JSON: " + e.getMessage(), e);
        }
    }

    private static byte[] bytes(JsonNode n) {
        try {
            return JSON.writeValueAsBytes(n);
        } catch (IOException e) {
            throw new IllegalStateException("a JSON tree always serialises", e);
        }
    }

    /** Pretty JSON of any document of the store, for people (inspect). */
    public static String pretty(Object value) {
        try {
            return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(value);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Parses JSON bytes into a tree, for people (inspect). */
    public static JsonNode tree(byte[] json) {
        return read(json);
    }

    /** A fresh empty object node, for people (inspect). */
    public static ObjectNode object() {
        return JSON.createObjectNode();
    }
}
