package dev.flint.sandbox;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * What a sandbox is made of and what it may use. Immutable; built with {@link #builder()}, which
 * rejects a bad value with {@link SandboxException.InvalidSpec} naming the field. Whether the layer
 * directories exist is checked when the sandbox is created.
 *
 * @param layers read-only root file system layers, topmost first (overlayfs lower dirs)
 * @param memoryBytes hard memory limit of the whole sandbox (processes, scratch tmpfs, init)
 * @param cpus CPU quota in cores (0.5 = half a core); 0 for no quota
 * @param pidsMax most processes and threads at once, init included
 * @param scratchBytes size of each run's writable tmpfs layer; must be below memoryBytes
 * @param hostname the sandbox's host name
 * @param uid user id run processes have (inside the user namespace when there is one; 0 only with one)
 * @param gid group id run processes have
 * @param capabilities capabilities run processes keep, as names like {@code CAP_NET_BIND_SERVICE}; none by
 *     default; only {@link Capabilities#GRANTABLE}
 * @param userNamespaceBase 0 for no user namespace; otherwise the host uid/gid that maps to 0 inside (65536 ids)
 * @param prepareAhead whether the next run's fresh scratch root is mounted in advance, so a run only
 *     execs; without it the root is made on the request, and the sandbox's first run also forks
 *     its process (later runs find one forked after the previous run)
 * @param maxOpenFiles RLIMIT_NOFILE of run processes
 */
public record SandboxSpec(
        List<Path> layers,
        long memoryBytes,
        double cpus,
        int pidsMax,
        long scratchBytes,
        String hostname,
        int uid,
        int gid,
        Set<String> capabilities,
        long userNamespaceBase,
        boolean prepareAhead,
        int maxOpenFiles) {

    public static final long MIB = 1024L * 1024;
    private static final Pattern HOSTNAME = Pattern.compile("[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?");
    static final long MAX_MEMORY = 1024L * 1024 * MIB; // 1 TiB: anything above is a typo
    private static final int MAX_LAYERS = 64;

    public SandboxSpec {
        layers = List.copyOf(layers);
        capabilities = Set.copyOf(capabilities);
    }

    public static Builder builder() {
        return new Builder();
    }

    public Builder toBuilder() {
        Builder b = new Builder();
        b.layers.addAll(layers);
        b.memoryBytes = memoryBytes;
        b.cpus = cpus;
        b.pidsMax = pidsMax;
        b.scratchBytes = scratchBytes;
        b.hostname = hostname;
        b.uid = uid;
        b.gid = gid;
        b.capabilities.addAll(capabilities);
        b.userNamespaceBase = userNamespaceBase;
        b.prepareAhead = prepareAhead;
        b.maxOpenFiles = maxOpenFiles;
        return b;
    }

    /** Defaults: 256 MiB, 1 CPU, 128 pids, 64 MiB scratch, uid/gid 65534, no capabilities, prepare ahead. */
    public static final class Builder {
        private final List<Path> layers = new ArrayList<>();
        private long memoryBytes = 256 * MIB;
        private double cpus = 1.0;
        private int pidsMax = 128;
        private long scratchBytes = 64 * MIB;
        private String hostname = "flint";
        private int uid = 65534;
        private int gid = 65534;
        private final Set<String> capabilities = new TreeSet<>();
        private long userNamespaceBase;
        private boolean prepareAhead = true;
        private int maxOpenFiles = 1024;

        private Builder() {
        }

        /** Adds a layer below the ones added before (the first added is the topmost). */
        public Builder layer(Path dir) {
            layers.add(dir);
            return this;
        }

        public Builder layers(List<Path> dirs) {
            layers.clear();
            layers.addAll(dirs);
            return this;
        }

        public Builder memoryBytes(long bytes) {
            this.memoryBytes = bytes;
            return this;
        }

        public Builder cpus(double cores) {
            this.cpus = cores;
            return this;
        }

        public Builder pidsMax(int max) {
            this.pidsMax = max;
            return this;
        }

        public Builder scratchBytes(long bytes) {
            this.scratchBytes = bytes;
            return this;
        }

        public Builder hostname(String name) {
            this.hostname = name;
            return this;
        }

        public Builder user(int uid, int gid) {
            this.uid = uid;
            this.gid = gid;
            return this;
        }

        public Builder capability(String name) {
            capabilities.add(name);
            return this;
        }

        public Builder userNamespace(long hostIdBase) {
            this.userNamespaceBase = hostIdBase;
            return this;
        }

        public Builder prepareAhead(boolean ahead) {
            this.prepareAhead = ahead;
            return this;
        }

        public Builder maxOpenFiles(int max) {
            this.maxOpenFiles = max;
            return this;
        }

        public SandboxSpec build() {
            if (layers.isEmpty()) {
                throw invalid("layers", "at least one layer directory is needed", "pass --rootfs DIR");
            }
            if (layers.size() > MAX_LAYERS) {
                throw invalid("layers", layers.size() + " layers, at most " + MAX_LAYERS, "flatten some layers");
            }
            for (Path p : layers) {
                if (!p.isAbsolute()) {
                    throw invalid("layers", "relative path " + p, "give an absolute path");
                }
                if (p.toString().contains(":") || p.toString().contains(",")) {
                    throw invalid("layers", "path " + p + " contains ':' or ','", "overlayfs cannot take it: rename the directory");
                }
            }
            if (memoryBytes < 8 * MIB || memoryBytes > MAX_MEMORY) {
                throw invalid("memory", memoryBytes + " bytes is outside 8 MiB..1 TiB", "e.g. --memory 128m");
            }
            if (!(cpus >= 0) || cpus > 1024 || (cpus > 0 && cpus < 0.01)) {
                throw invalid("cpus", cpus + " is outside 0.01..1024 (0 = no quota)", "e.g. --cpus 0.5");
            }
            if (pidsMax < 2 || pidsMax > 4_194_304) {
                throw invalid("pids", pidsMax + " is outside 2..4194304 (the sandbox's init counts as one)", "e.g. --pids 64");
            }
            if (scratchBytes < 64 * 1024 || scratchBytes >= memoryBytes) {
                throw invalid("scratch", scratchBytes + " bytes must be at least 64 KiB and below the memory limit ("
                        + memoryBytes + ")", "tmpfs pages count against memory: e.g. --scratch 16m --memory 64m");
            }
            if (hostname == null || !HOSTNAME.matcher(hostname).matches()) {
                throw invalid("hostname", "'" + hostname + "' is not a host name", "letters, digits and '-', at most 63");
            }
            if (uid < 0 || uid > 65535 || gid < 0 || gid > 65535) {
                throw invalid("user", uid + ":" + gid + " is outside 0..65535", "the default is 65534:65534 (nobody)");
            }
            for (String cap : capabilities) {
                if (Capabilities.bit(cap) < 0) {
                    throw invalid("capabilities", "unknown capability " + cap, "names look like CAP_NET_BIND_SERVICE");
                }
                if (!Capabilities.GRANTABLE.contains(cap)) {
                    throw invalid("capabilities", cap + " cannot be granted to a run: it would reach the sandbox's init",
                            "grantable: " + new TreeSet<>(Capabilities.GRANTABLE));
                }
            }
            if (userNamespaceBase < 0 || userNamespaceBase > 4_294_967_295L - 65536) {
                throw invalid("userNamespace", "host id base " + userNamespaceBase + " out of range", "e.g. 100000");
            }
            if ((uid == 0 || gid == 0) && userNamespaceBase == 0) {
                throw invalid("user", "uid or gid 0 is the host's root without a user namespace",
                        "run as root only inside a user namespace (--userns 100000), or keep the default 65534");
            }
            if (maxOpenFiles < 16 || maxOpenFiles > 1_048_576) {
                throw invalid("maxOpenFiles", maxOpenFiles + " is outside 16..1048576", "the default is 1024");
            }
            return new SandboxSpec(layers, memoryBytes, cpus, pidsMax, scratchBytes, hostname, uid, gid,
                    capabilities, userNamespaceBase, prepareAhead, maxOpenFiles);
        }

        private static SandboxException.InvalidSpec invalid(String field, String message, String hint) {
            return new SandboxException.InvalidSpec(field, message, hint);
        }
    }
}
