package dev.flint.images;

import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * A second process for {@link ConcurrentImportIT}: imports {@code count} small layers of its own
 * (so their blobs go to the store's pack) and tags an image of each. Arguments: store dir, a name
 * for its layers, count, scratch dir, and a file to wait for. Prints "ready", then "done".
 */
public final class PackMain {
    private PackMain() {
    }

    public static void main(String[] args) throws Exception {
        ImageStore store = ImageStore.open(Path.of(args[0]));
        String who = args[1];
        int count = Integer.parseInt(args[2]);
        Path scratch = Path.of(args[3]);
        System.out.println("ready");
        System.out.flush();
        while (!Files.exists(Path.of(args[4]))) {
            Thread.sleep(5);
        }
        ImageConfig config = new ImageConfig("amd64", "linux", java.util.List.of(ImageConfig.DEFAULT_PATH),
                java.util.List.of("sh"), "/", Map.of(), java.util.List.of());
        for (int i = 0; i < count; i++) {
            byte[] tar = TestLayers.tar(scratch.resolve(who + i), Map.of("function/main.py", who + " function " + i + "\n"));
            Layer l = store.importLayer(new ByteArrayInputStream(tar), LayerDigest.of(tar));
            store.commit(ImageRef.parse("fn/" + who + "-" + i), config, java.util.List.of(l));
        }
        System.out.println("done");
    }
}
