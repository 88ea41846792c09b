package dev.flint.images;

import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * The parts of an OCI image config Flint uses. No creation time: an image built twice from the same
 * inputs has the same config, hence the same digests.
 *
 * @param architecture e.g. {@code amd64}
 * @param os {@code linux}
 * @param env the process environment as {@code K=V}
 * @param cmd the default command, possibly empty
 * @param workingDir the default working directory, absolute
 * @param labels free-form metadata (the Debian packages an image was built from), sorted by key
 * @param diffIds the digests of the uncompressed layer tars, bottom first
 */
public record ImageConfig(String architecture, String os, List<String> env, List<String> cmd, String workingDir,
                          Map<String, String> labels, List<LayerDigest> diffIds) {
    public static final String DEFAULT_PATH = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

    public ImageConfig {
        Objects.requireNonNull(architecture, "architecture");
        Objects.requireNonNull(os, "os");
        env = List.copyOf(env);
        cmd = List.copyOf(cmd);
        Objects.requireNonNull(workingDir, "workingDir");
        labels = Collections.unmodifiableMap(new TreeMap<>(labels));
        diffIds = List.copyOf(diffIds);
    }

    /** The same config with these layers (bottom first). */
    public ImageConfig withDiffIds(List<LayerDigest> layers) {
        return new ImageConfig(architecture, os, env, cmd, workingDir, labels, layers);
    }

    /** The same config with one more label. */
    public ImageConfig withLabel(String key, String value) {
        Map<String, String> l = new TreeMap<>(labels);
        l.put(key, value);
        return new ImageConfig(architecture, os, env, cmd, workingDir, l, diffIds);
    }

    /** The environment as a map ({@code K=V} split at the first '='). */
    public Map<String, String> envMap() {
        Map<String, String> m = new TreeMap<>();
        for (String kv : env) {
            int eq = kv.indexOf('=');
            if (eq > 0) {
                m.put(kv.substring(0, eq), kv.substring(eq + 1));
            }
        }
        return m;
    }
}
