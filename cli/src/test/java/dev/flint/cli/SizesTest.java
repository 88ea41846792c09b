package dev.flint.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class SizesTest {

    @Test
    void parseBytes_acceptsSuffixes() {
        assertEquals(4096, Sizes.parseBytes("4096").value());
        assertEquals(512L << 10, Sizes.parseBytes("512k").value());
        assertEquals(64L << 20, Sizes.parseBytes("64M").value());
        assertEquals(1L << 30, Sizes.parseBytes("1GiB").value());
    }

    @Test
    void parseBytes_rejectsGarbageAndOverflow() {
        assertThrows(CommandLine.TypeConversionException.class, () -> Sizes.parseBytes("abc"));
        assertThrows(CommandLine.TypeConversionException.class, () -> Sizes.parseBytes("-5m"));
        assertThrows(CommandLine.TypeConversionException.class, () -> Sizes.parseBytes("99999999999999t"));
    }

    @Test
    void parseDuration_acceptsUnits() {
        assertEquals(Duration.ofMillis(100), Sizes.parseDuration("100ms"));
        assertEquals(Duration.ofSeconds(5), Sizes.parseDuration("5s"));
        assertEquals(Duration.ofSeconds(5), Sizes.parseDuration("5"));
        assertEquals(Duration.ofMillis(1500), Sizes.parseDuration("1.5s"));
        assertEquals(Duration.ofMinutes(2), Sizes.parseDuration("2m"));
        assertThrows(CommandLine.TypeConversionException.class, () -> Sizes.parseDuration("soon"));
    }

    @Test
    void badFlag_printsOneLineAndHint_exitsWithUsageStatus() {
        StringWriter err = new StringWriter();
        CommandLine cl = Flint.commandLine();
        cl.setErr(new PrintWriter(err));
        int status = cl.execute("sandbox", "run", "--memory", "lots", "--", "true");
        assertEquals(2, status);
        String text = err.toString();
        assertEquals(true, text.contains("'lots' is not a size"), text);
        assertEquals(true, text.contains("flint sandbox run --help"), text);
    }

    @Test
    void unsupportedNetMode_isAPlatformRefusalNamingTheField() {
        StringWriter err = new StringWriter();
        CommandLine cl = Flint.commandLine();
        cl.setErr(new PrintWriter(err));
        int status = cl.execute("sandbox", "run", "--net", "host", "--rootfs", "/", "--", "true");
        assertEquals(Flint.PLATFORM_FAILURE, status);
        assertEquals(true, err.toString().contains("net: mode 'host' is not supported"), err.toString());
    }
}
