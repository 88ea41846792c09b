package dev.flint.images;

import dev.flint.images.internal.BusyboxTree;
import dev.flint.images.internal.DebianPackages;
import dev.flint.images.internal.DeterministicTar;
import dev.flint.images.internal.PythonBytecode;
import dev.flint.images.internal.Trees;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Supplier;
import java.util.stream.Collectors;

/**
 * The base runtime images, built from Debian packages with the host's apt and dpkg, no Docker
 * (docs/images.md):
 *
 * <ul>
 * <li>{@link #BUSYBOX}: one layer, busybox-static with a symlink per applet, /etc/passwd and
 *     /etc/group, /tmp 1777, the mount points (/function for the code too); for {@code shell} and {@code exec} functions;</li>
 * <li>{@link #PYTHON}: the busybox layer (shared, so there is a shell) plus one layer of Debian's
 *     python3 with its dependencies as apt resolves them, its standard library compiled to
 *     reproducible bytecode, without docs, man pages, locales, gconv modules or apt;</li>
 * <li>{@link #fromDebian}: the busybox layer plus any packages, the same way.</li>
 * </ul>
 * Layers are packed by a deterministic tar writer, and configs carry no timestamps, so building
 * again from the same package versions gives the same digests. The package versions are recorded in
 * the config's {@code dev.flint.debian.packages} label.
 */
public final class BaseImages {
    public static final ImageRef BUSYBOX = ImageRef.parse("flint/busybox:latest");
    public static final ImageRef PYTHON = ImageRef.parse("flint/python:3");
    public static final String PACKAGES_LABEL = "dev.flint.debian.packages";
    public static final String RECIPE_LABEL = "dev.flint.recipe";

    /** What an image does not need from a package: documentation, manuals, translations, bug-report hooks. */
    static final Set<String> NEVER_SHIPPED = Set.of("usr/share/doc", "usr/share/man", "usr/share/info",
            "usr/share/locale", "usr/share/lintian", "usr/share/bug", "usr/share/doc-base", "usr/share/menu");
    /** Also left out of the python image: glibc's iconv modules (8 MB), which Python's own codecs do not use. */
    static final Set<String> NOT_FOR_PYTHON = Set.of("usr/lib/x86_64-linux-gnu/gconv");

    private final ImageStore store;
    private final Progress progress;
    private final DebianPackages debian;

    private BaseImages(ImageStore store, Progress progress) {
        this.store = store;
        this.progress = progress;
        this.debian = new DebianPackages(store.debianCache());
    }

    /** Builds {@code flint/busybox:latest} into the store. */
    public static Image buildBusybox(ImageStore store, Progress progress) {
        BaseImages b = new BaseImages(store, progress);
        return b.build(new Recipe(BUSYBOX, "busybox", List.of("busybox-static"), NEVER_SHIPPED, List.of("sh"), List.of()),
                List.of(), root -> {
                    int applets = BusyboxTree.complete(root);
                    return applets + " applet links, /etc/passwd, /tmp";
                });
    }

    /** Builds {@code flint/python:3} into the store, and the busybox image below it when the store lacks it. */
    public static Image buildPython(ImageStore store, Progress progress) {
        BaseImages b = new BaseImages(store, progress);
        Set<String> excludes = new java.util.HashSet<>(NEVER_SHIPPED);
        excludes.addAll(NOT_FOR_PYTHON);
        return b.build(new Recipe(PYTHON, "python", List.of("python3"), excludes, List.of("python3"),
                        List.of("PYTHONDONTWRITEBYTECODE=1", "LANG=C.UTF-8")),
                b.busyboxLayers(), root -> PythonBytecode.compile(root) + " .pyc files (unchecked-hash)");
    }

    /** Builds an image of the busybox layer plus these Debian packages (and their dependencies) as one layer. */
    public static Image fromDebian(ImageStore store, ImageRef ref, List<String> packages, Progress progress) {
        if (packages.isEmpty()) {
            throw new ImageException.BuildFailed("resolve", "no packages given", "name at least one Debian package");
        }
        BaseImages b = new BaseImages(store, progress);
        return b.build(new Recipe(ref, "debian", packages, NEVER_SHIPPED, List.of("sh"), List.of()), b.busyboxLayers(), root -> "");
    }

    private List<Layer> busyboxLayers() {
        Image base = store.find(BUSYBOX).orElseGet(() -> buildBusybox(store, progress));
        return base.layers();
    }

    private record Recipe(ImageRef ref, String name, List<String> packages, Set<String> excludes, List<String> cmd, List<String> env) {}

    /** A build step on the unpacked tree; returns what it did, for the progress line. */
    private interface TreeStep {
        String apply(Path root) throws IOException;
    }

    private Image build(Recipe r, List<Layer> base, TreeStep finish) {
        long start = System.nanoTime();
        progress.report("building " + r.ref() + " from Debian packages " + String.join(" ", r.packages()));
        Path staging;
        try {
            staging = Files.createTempDirectory("flint-build-");
        } catch (IOException e) {
            throw new ImageException.BuildFailed("prepare", "cannot make a build directory: " + e, "check the temp directory's space");
        }
        try (ImageStore.Lease lease = store.lease()) { // from the base layers until the tag: no prune in between
            List<DebianPackages.Package> packages = phase(r, "resolve", () -> debian.resolve(r.packages()),
                    p -> count(p.size(), "package"));
            List<Path> debs = phase(r, "download", () -> debian.download(packages),
                    d -> count(d.size(), ".deb file") + ", " + mb(d.stream().mapToLong(BaseImages::sizeOf).sum()) + " (cached in " + store.debianCache() + ")");
            Path root = staging.resolve("root");
            phase(r, "extract", () -> {
                DebianPackages.extract(debs, root);
                return root;
            }, p -> mb(treeSize(p)) + " unpacked");
            phase(r, "finish", () -> {
                try {
                    return finish.apply(root);
                } catch (IOException e) {
                    throw new ImageException.BuildFailed("finish", e.toString(), "", e);
                }
            }, s -> s.isEmpty() ? "nothing to do" : s);
            Layer layer = phase(r, "pack", () -> store.addLayer(out -> DeterministicTar.write(root, "", r.excludes()::contains, out)),
                    l -> "layer " + l.digest().shortHex() + ", " + mb(l.size()) + " (" + String.join(", ", r.excludes().stream().sorted().toList()) + " left out)");
            List<Layer> layers = new ArrayList<>(base);
            layers.add(layer);
            Image image = phase(r, "commit", () -> store.commit(r.ref(), config(r, packages), layers),
                    i -> i.digest().toString());
            progress.report(r.ref() + ": built in " + seconds(start) + ", " + count(layers.size(), "layer") + ", " + mb(image.size()));
            return image;
        } finally {
            try {
                Trees.delete(staging);
            } catch (IOException e) {
                progress.report("cannot remove build directory " + staging + ": " + e);
            }
        }
    }

    private static ImageConfig config(Recipe r, List<DebianPackages.Package> packages) {
        Map<String, String> labels = new TreeMap<>();
        labels.put(PACKAGES_LABEL, packages.stream().map(DebianPackages.Package::spec).sorted().collect(Collectors.joining(" ")));
        labels.put(RECIPE_LABEL, r.name());
        List<String> env = new ArrayList<>();
        env.add(ImageConfig.DEFAULT_PATH);
        env.addAll(r.env());
        String arch = packages.stream().map(DebianPackages.Package::arch).filter(a -> !a.equals("all")).findFirst().orElse("amd64");
        return new ImageConfig(arch, "linux", env, r.cmd(), "/", labels, List.of());
    }

    private <T> T phase(Recipe r, String name, Supplier<T> work, java.util.function.Function<T, String> detail) {
        long start = System.nanoTime();
        T result = work.get();
        progress.report(r.ref() + ": " + name + ": " + detail.apply(result) + " (" + seconds(start) + ")");
        return result;
    }

    private static long sizeOf(Path p) {
        try {
            return Files.size(p);
        } catch (IOException e) {
            return 0;
        }
    }

    private static long treeSize(Path p) {
        try {
            return Trees.size(p);
        } catch (IOException e) {
            return 0;
        }
    }

    private static String count(int n, String noun) {
        return n + " " + noun + (n == 1 ? "" : "s");
    }

    static String mb(long bytes) {
        return String.format(Locale.ROOT, "%.1f MB", bytes / 1e6);
    }

    private static String seconds(long startNanos) {
        return String.format(Locale.ROOT, "%.1f s", (System.nanoTime() - startNanos) / 1e9);
    }
}
