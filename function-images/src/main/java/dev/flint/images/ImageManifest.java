package dev.flint.images;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * An OCI image manifest (schema 2): the config blob and the layer blobs, <b>bottom layer first</b>
 * as in the OCI spec. Stored as a blob of its own whose digest names the image.
 *
 * @param config the image config blob
 * @param layers the layer blobs, bottom first
 * @param annotations free-form metadata, sorted by key
 */
public record ImageManifest(Descriptor config, List<Descriptor> layers, Map<String, String> annotations) {
    public ImageManifest {
        Objects.requireNonNull(config, "config");
        layers = List.copyOf(layers);
        annotations = java.util.Collections.unmodifiableMap(new TreeMap<>(annotations));
    }
}
