package dev.flint.images;

import java.nio.file.Path;

/**
 * A function's code, which becomes one small layer on top of a base image, below
 * {@code /function/} ({@link FunctionImages#CODE_DIR}).
 */
public sealed interface FunctionCode {

    /** One file, placed at {@code /function/<name>} (e.g. {@code main.py}). */
    record File(Path path, String name) implements FunctionCode {}

    /** A zip archive, unpacked below {@code /function/}. */
    record Zip(Path path) implements FunctionCode {}

    /** A directory, whose contents go below {@code /function/}. */
    record Directory(Path path) implements FunctionCode {}

    static FunctionCode file(Path path, String name) {
        if (name.isEmpty() || name.contains("/") || name.equals(".") || name.equals("..")) {
            throw new ImageException.BuildFailed("code", "'" + name + "' is not a file name", "e.g. main.py");
        }
        return new File(path, name);
    }

    /** One file, under its own name. */
    static FunctionCode file(Path path) {
        return file(path, path.getFileName().toString());
    }

    static FunctionCode zip(Path path) {
        return new Zip(path);
    }

    static FunctionCode directory(Path path) {
        return new Directory(path);
    }

    /** A file, a zip (by its name ending in .zip) or a directory, as the path shows. */
    static FunctionCode of(Path path) {
        if (java.nio.file.Files.isDirectory(path)) {
            return directory(path);
        }
        return path.getFileName().toString().endsWith(".zip") ? zip(path) : file(path);
    }
}
