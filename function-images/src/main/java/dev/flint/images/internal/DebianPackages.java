package dev.flint.images.internal;

import dev.flint.images.ImageException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Debian packages for an image, through the host's apt and dpkg: apt resolves the dependencies
 * (never Flint), {@code apt-get download} fetches the .deb files (checked by apt against the signed
 * indexes) into a cache, and {@code dpkg-deb -x} unpacks them without running maintainer scripts.
 */
public final class DebianPackages {
    private static final Pattern INST = Pattern.compile("^Inst (\\S+) \\((\\S+) .*\\[(\\S+)\\]\\)", Pattern.MULTILINE);
    private static final String APT_HINT = "the host's package lists may be missing or old: run apt-get update";

    private final Path cache;

    public DebianPackages(Path cache) {
        this.cache = cache;
    }

    /**
     * One package at one version.
     *
     * @param name e.g. busybox-static
     * @param version e.g. 1:1.35.0-4+b3
     * @param arch e.g. amd64, or all
     */
    public record Package(String name, String version, String arch) {
        /** {@code name=version}, as apt takes it and labels record it. */
        public String spec() {
            return name + "=" + version;
        }

        /** The file name apt-get download gives it. */
        public String fileName() {
            return name + "_" + version.replace(":", "%3a") + "_" + arch + ".deb";
        }
    }

    /**
     * The packages {@code names} need, dependencies included, recommends left out, in the order apt
     * would install them. apt simulates an install on an empty system ({@code Dir::State::status}
     * is /dev/null), so what the host has installed does not change the answer.
     */
    public List<Package> resolve(List<String> names) {
        List<String> argv = new ArrayList<>(List.of("apt-get", "install", "--simulate", "--no-install-recommends",
                "-o", "Dir::State::status=/dev/null", "-o", "Debug::NoLocking=1", "-q"));
        argv.addAll(names);
        String out = Commands.run("resolve", argv, null, Map.of("LC_ALL", "C"), APT_HINT);
        List<Package> packages = new ArrayList<>();
        Matcher m = INST.matcher(out);
        while (m.find()) {
            packages.add(new Package(m.group(1), m.group(2), m.group(3)));
        }
        if (packages.isEmpty()) {
            throw new ImageException.BuildFailed("resolve", "apt resolved nothing for " + names, APT_HINT);
        }
        return packages;
    }

    /** Downloads what the cache does not have yet; returns the .deb files in the packages' order. */
    public List<Path> download(List<Package> packages) {
        List<Path> files = new ArrayList<>();
        List<String> missing = new ArrayList<>();
        for (Package p : packages) {
            Path f = cache.resolve(p.fileName());
            files.add(f);
            if (!Files.isRegularFile(f)) {
                missing.add(p.name() + ":" + p.arch() + "=" + p.version());
            }
        }
        if (!missing.isEmpty()) {
            try {
                Files.createDirectories(cache);
            } catch (IOException e) {
                throw new ImageException.StoreFailed("cannot create package cache", cache, e);
            }
            List<String> argv = new ArrayList<>(List.of("apt-get", "download", "-q"));
            argv.addAll(missing);
            Commands.run("download", argv, cache, Map.of("LC_ALL", "C"), APT_HINT);
        }
        for (Path f : files) {
            if (!Files.isRegularFile(f)) {
                throw new ImageException.BuildFailed("download", "apt-get download did not produce " + f, APT_HINT);
            }
        }
        return files;
    }

    /** Unpacks each .deb into {@code root}, in order (later packages win on a shared path). */
    public static void extract(List<Path> debs, Path root) {
        for (Path deb : debs) {
            Commands.run("extract", List.of("dpkg-deb", "-x", deb.toString(), root.toString()), null, Map.of(),
                    "the package file may be damaged: remove " + deb + " and build again");
        }
    }
}
