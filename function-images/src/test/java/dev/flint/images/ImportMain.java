package dev.flint.images;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A second process for {@link ConcurrentImportIT}: imports a layer tar into a store.
 * Arguments: store dir, tar file, expected digest, and a file to wait for before starting (so that
 * two processes start the import together). Prints "ready", then "imported DIGEST DIR".
 */
public final class ImportMain {
    private ImportMain() {
    }

    public static void main(String[] args) throws Exception {
        ImageStore store = ImageStore.open(Path.of(args[0]));
        Path go = Path.of(args[3]);
        System.out.println("ready");
        System.out.flush();
        while (!Files.exists(go)) {
            Thread.sleep(5);
        }
        try (InputStream in = Files.newInputStream(Path.of(args[1]))) {
            Layer layer = store.importLayer(in, LayerDigest.parse(args[2]));
            System.out.println("imported " + layer.digest() + " " + layer.dir());
        }
    }
}
