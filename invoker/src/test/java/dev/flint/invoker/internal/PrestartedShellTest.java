package dev.flint.invoker.internal;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flint.pool.ImageLayers;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Which images' shells report their end early: busybox's only (dash takes descriptors 0-9 only). */
class PrestartedShellTest {
    @TempDir
    Path tmp;

    private Path layer(String name, String shTarget) throws IOException {
        Path bin = Files.createDirectories(tmp.resolve(name).resolve("bin"));
        if (shTarget != null) {
            Files.createSymbolicLink(bin.resolve("sh"), Path.of(shTarget));
        }
        return bin.getParent();
    }

    @Test
    void busyboxSh_reportsEarly_fromTheTopmostLayerThatHasOne() throws IOException {
        assertTrue(PrestartedShell.reportsEarly(new ImageLayers(List.of(layer("bb", "busybox")))));
        assertTrue(PrestartedShell.reportsEarly(new ImageLayers(List.of(layer("code-only", null), layer("bb2", "/bin/busybox")))));
        assertFalse(PrestartedShell.reportsEarly(new ImageLayers(List.of(layer("dash-over", "dash"), layer("bb3", "busybox")))));
    }

    @Test
    void otherShells_orNone_doNot() throws IOException {
        assertFalse(PrestartedShell.reportsEarly(new ImageLayers(List.of(layer("dash", "dash")))));
        assertFalse(PrestartedShell.reportsEarly(new ImageLayers(List.of(layer("none", null)))));
        Path file = Files.createDirectories(tmp.resolve("file/bin"));
        Files.writeString(file.resolve("sh"), "#!");
        assertFalse(PrestartedShell.reportsEarly(new ImageLayers(List.of(file.getParent()))));
    }
}
