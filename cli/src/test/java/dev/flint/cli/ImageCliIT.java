package dev.flint.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code flint image ...} and {@code flint sandbox run --image} end to end through the command
 * line: a real busybox image built into a store under target/, real sandboxes.
 */
class ImageCliIT {
    @TempDir
    static Path tmp;
    private static String store;

    /** What one command printed and returned. */
    record Result(int status, String out, String err) {}

    @BeforeAll
    static void buildBusybox() throws IOException {
        assumeTrue((Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid") == 0, "needs root");
        store = System.getProperty("flint.it.store", "target/it-store");
        Result r = flint("image", "build", "busybox", "--store", store);
        assertEquals(0, r.status(), r.err());
        assertTrue(r.out().matches("flint/busybox:latest sha256:[0-9a-f]{64}\n"), r.out());
        assertTrue(r.err().contains("flint/busybox:latest: pack: layer "), r.err());
    }

    /** Runs the CLI in this JVM, capturing picocli's writers and System.out/err (where runs stream). */
    static Result flint(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        ByteArrayOutputStream sysOut = new ByteArrayOutputStream();
        ByteArrayOutputStream sysErr = new ByteArrayOutputStream();
        PrintStream oldOut = System.out;
        PrintStream oldErr = System.err;
        int status;
        try {
            System.setOut(new PrintStream(sysOut, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(sysErr, true, StandardCharsets.UTF_8));
            CommandLine cl = Flint.commandLine();
            cl.setOut(new PrintWriter(out, true));
            cl.setErr(new PrintWriter(err, true));
            status = cl.execute(args);
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
        return new Result(status, out + sysOut.toString(StandardCharsets.UTF_8), err + sysErr.toString(StandardCharsets.UTF_8));
    }

    private static Result run(String... command) {
        List<String> args = new ArrayList<>(List.of("sandbox", "run", "--store", store, "--state-dir", tmp.resolve("state").toString()));
        args.addAll(List.of(command));
        return flint(args.toArray(String[]::new));
    }

    @Test
    void sandboxRun_withImage_runsEcho_inTheImage() {
        Result r = run("--image", "flint/busybox", "--", "echo", "hello from the image");
        assertEquals(0, r.status(), r.err());
        assertEquals("hello from the image\n", r.out());
    }

    @Test
    void sandboxRun_withImage_passesTheExitStatusThrough_andUsesTheImageEnvironment() {
        Result r = run("--image", "flint/busybox:latest", "--", "sh", "-c", "echo $PATH; exit 3");
        assertEquals(3, r.status(), r.err());
        assertEquals("/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\n", r.out());
    }

    @Test
    void sandboxRun_unknownImage_is125_sayingHowToFindOne() {
        Result r = run("--image", "flint/nothing:here", "--", "true");
        assertEquals(Flint.PLATFORM_FAILURE, r.status());
        assertTrue(r.err().contains("no image flint/nothing:here in the store") && r.err().contains("flint image list"), r.err());
    }

    @Test
    void sandboxRun_badReference_isAUsageError() {
        Result r = run("--image", "Flint/Bad Ref", "--", "true");
        assertEquals(2, r.status());
        assertTrue(r.err().contains("bad image reference"), r.err());
    }

    @Test
    void sandboxRun_imageAndRootfsTogether_isAUsageError() {
        Result r = run("--image", "flint/busybox", "--rootfs", tmp.toString(), "--", "true");
        assertEquals(2, r.status());
        assertTrue(r.err().contains("mutually exclusive"), r.err());
    }

    @Test
    void imageCommands_withoutAStore_are125_sayingWhatToDo() {
        Result r = flint("image", "list", "--store", tmp.resolve("no-store").toString());
        assertEquals(Flint.PLATFORM_FAILURE, r.status());
        assertTrue(r.err().contains("no image store at") && r.err().contains("flint image build busybox"), r.err());
        assertTrue(Files.notExists(tmp.resolve("no-store")));
    }

    @Test
    void imageList_andInspect_showTheBusyboxImage() {
        Result list = flint("image", "list", "--store", store);
        assertEquals(0, list.status(), list.err());
        assertTrue(list.out().lines().anyMatch(l -> l.startsWith("flint/busybox:latest ") && l.contains(" 1 ")), list.out());

        Result inspect = flint("image", "inspect", "--verify", "--store", store, "flint/busybox");
        assertEquals(0, inspect.status(), inspect.err());
        assertTrue(inspect.out().contains("\"mediaType\" : \"application/vnd.oci.image.manifest.v1+json\""), inspect.out());
        assertTrue(inspect.out().contains("\"diff_ids\""), inspect.out());
    }

    @Test
    void imageRm_thenPrune_freesWhatOnlyThatImageUsed() throws IOException {
        Path code = Files.createDirectories(tmp.resolve("code"));
        Files.writeString(code.resolve("run.sh"), "echo " + System.nanoTime() + "\n");
        dev.flint.images.FunctionImages.withCode(dev.flint.images.ImageStore.open(Path.of(store)), dev.flint.images.BaseImages.BUSYBOX,
                dev.flint.images.FunctionCode.directory(code), dev.flint.images.ImageRef.parse("cli-it/fn:1"));

        Result rm = flint("image", "rm", "--store", store, "cli-it/fn:1");
        assertEquals(0, rm.status(), rm.err());
        Result prune = flint("image", "prune", "--store", store);
        assertEquals(0, prune.status(), prune.err());
        assertTrue(prune.out().contains("removed layer sha256:") && prune.out().contains("freed "), prune.out());
        assertEquals(0, run("--image", "flint/busybox", "--", "true").status(), "the base is still there");
        try (Stream<Path> left = Files.list(tmp.resolve("state"))) {
            assertEquals(List.of(), left.toList(), "sandbox state left behind");
        }
    }
}
