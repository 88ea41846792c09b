package dev.flint.images;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class LayerDigestTest {
    private static final String EMPTY = "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

    @Test
    void of_bytes_isTheirSha256() {
        assertEquals(EMPTY, LayerDigest.of(new byte[0]).toString());
        assertEquals("sha256:2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824",
                LayerDigest.of("hello".getBytes(StandardCharsets.US_ASCII)).toString());
    }

    @Test
    void parse_roundTrips_andValuesCompareByContent() {
        LayerDigest d = LayerDigest.parse(EMPTY);
        assertEquals(EMPTY, d.toString());
        assertEquals(EMPTY.substring(7), d.hex());
        assertEquals("e3b0c44298fc", d.shortHex());
        assertEquals(d, LayerDigest.ofHex(d.hex()));
        assertEquals(d.hashCode(), LayerDigest.ofHex(d.hex()).hashCode());
        assertNotEquals(d, LayerDigest.of(new byte[] {1}));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
            "sha512:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
            "sha256:E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855",
            "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b85",
            "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855 ",
            "sha256:../../../../etc/passwd"})
    void parse_ofAnythingElse_isInvalidDigest_namingIt(String text) {
        ImageException.InvalidDigest e = assertThrows(ImageException.InvalidDigest.class, () -> LayerDigest.parse(text));
        assertTrue(e.getMessage().contains("'" + text + "'"), e.getMessage());
        assertTrue(e.hint().contains("sha256:"), e.hint());
    }
}
