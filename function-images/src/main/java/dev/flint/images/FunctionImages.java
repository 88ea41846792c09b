package dev.flint.images;

import dev.flint.images.internal.DeterministicTar;
import dev.flint.images.internal.LayerUnpacker;
import dev.flint.images.internal.Trees;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;

/**
 * Function images: a base image plus one layer of the function's code below {@code /function/}.
 * The new image's manifest lists the base's layers by digest, so the base is stored once however
 * many functions use it; only the code layer, its tree, a config and a manifest are added.
 * Thread-safe.
 */
public final class FunctionImages {
    /** Where code goes in a function image, and its working directory. */
    public static final String CODE_DIR = "function";
    public static final String CODE_LABEL = "dev.flint.function.code";
    /** The most bytes a zip may unpack to (the hostile-input limits of OCI import come later). */
    static final long MAX_ZIP_BYTES = 512L << 20;

    private FunctionImages() {
    }

    /** Adds {@code code} as a layer on top of {@code base} and tags the result {@code target}. */
    public static Image withCode(ImageStore store, ImageRef base, FunctionCode code, ImageRef target) {
        try (ImageStore.Lease lease = store.lease()) {
            Image baseImage = store.resolve(base);
            Layer layer = codeLayer(store, code);
            List<Layer> layers = new ArrayList<>(baseImage.layers());
            layers.add(layer);
            ImageConfig config = baseImage.config();
            config = new ImageConfig(config.architecture(), config.os(), config.env(), config.cmd(), "/" + CODE_DIR,
                    config.labels(), config.diffIds()).withLabel(CODE_LABEL, layer.digest().toString());
            return store.commit(target, config, layers);
        }
    }

    /** Packs the code as a layer (deterministically: the same code gives the same digest) and adds it to the store. */
    public static Layer codeLayer(ImageStore store, FunctionCode code) {
        try {
            if (code instanceof FunctionCode.Directory d) {
                requireDirectory(d.path());
                return store.addLayer(out -> DeterministicTar.write(d.path(), CODE_DIR, p -> false, out));
            }
            return withStaging(staging -> {
                if (code instanceof FunctionCode.File f) {
                    Files.copy(f.path(), staging.resolve(f.name()), java.nio.file.StandardCopyOption.COPY_ATTRIBUTES); // keeps the execute bit
                } else {
                    unzip(((FunctionCode.Zip) code).path(), staging);
                }
                return store.addLayer(out -> DeterministicTar.write(staging, CODE_DIR, p -> false, out));
            });
        } catch (NoSuchFileException e) {
            throw new ImageException.BuildFailed("code", "no such file " + e.getFile(), "check the path of the function's code");
        } catch (IOException e) {
            throw new ImageException.BuildFailed("code", e.toString(), "check the function's code and the temp directory", e);
        }
    }

    private interface StagedWork {
        Layer apply(Path staging) throws IOException;
    }

    private static Layer withStaging(StagedWork work) throws IOException {
        Path staging = Files.createTempDirectory("flint-code-");
        try {
            return work.apply(staging);
        } finally {
            Trees.delete(staging);
        }
    }

    private static void requireDirectory(Path dir) throws NoSuchFileException {
        if (!Files.isDirectory(dir)) {
            throw new NoSuchFileException(dir.toString());
        }
    }

    /** Unpacks a zip below {@code into}: names checked as layer names are, files 0644, at most {@link #MAX_ZIP_BYTES}. */
    private static void unzip(Path zip, Path into) throws IOException {
        long total = 0;
        try (ZipInputStream in = new ZipInputStream(Files.newInputStream(zip))) {
            for (ZipEntry e = in.getNextEntry(); e != null; e = in.getNextEntry()) {
                String rel = LayerUnpacker.relativeName(e.getName());
                if (rel.isEmpty()) {
                    continue;
                }
                Path p = into.resolve(rel);
                if (e.isDirectory()) {
                    Files.createDirectories(p);
                    continue;
                }
                Files.createDirectories(p.getParent());
                if (Files.isSymbolicLink(p.getParent()) || Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
                    throw new ImageException.BadLayer(e.getName(), "listed twice in the zip", "each path once");
                }
                try (OutputStream out = Files.newOutputStream(p, StandardOpenOption.CREATE_NEW)) {
                    total += copyLimited(in, out, MAX_ZIP_BYTES - total, e.getName());
                }
            }
        }
    }

    private static long copyLimited(InputStream in, OutputStream out, long budget, String entry) throws IOException {
        byte[] buf = new byte[1 << 16];
        long n = 0;
        for (int r = in.read(buf); r >= 0; r = in.read(buf)) {
            n += r;
            if (n > budget) {
                throw new ImageException.BadLayer(entry, "the zip unpacks to more than " + (MAX_ZIP_BYTES >> 20) + " MiB",
                        "function code should be small: put large data elsewhere");
            }
            out.write(buf, 0, r);
        }
        return n;
    }
}
