package dev.flint.images;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class ImageRefTest {

    @ParameterizedTest
    @CsvSource({
            "flint/busybox,              flint/busybox,            latest",
            "flint/python:3,             flint/python,             3",
            "busybox:1.36.1-musl,        busybox,                  1.36.1-musl",
            "localhost:5000/team/fn:v1,  localhost:5000/team/fn,   v1",
            "localhost:5000/team/fn,     localhost:5000/team/fn,   latest",
            "registry.example.com/a/b_c, registry.example.com/a/b_c, latest",
            "a__b/c--d.e:_tag,           a__b/c--d.e,              _tag",
    })
    void parse_validReferences_splitsNameAndTag(String text, String name, String tag) {
        ImageRef ref = ImageRef.parse(text);
        assertEquals(name, ref.name());
        assertEquals(tag, ref.tag());
        assertEquals(name + ":" + tag, ref.toString());
        assertEquals(ref, ImageRef.parse(ref.toString()));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "flint/Busybox", "FLINT", "flint//busybox", "/flint", "flint/", "flint/busybox:", "flint/busybox:-x",
            "flint/busybox:.x", "flint busybox", "flint/busy+box", "../etc", "flint/..", "-flint", "flint/a_:b",
            "flint/python@sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"})
    void parse_invalidReferences_isInvalidReference_withAnExample(String text) {
        ImageException.InvalidReference e = assertThrows(ImageException.InvalidReference.class, () -> ImageRef.parse(text));
        assertTrue(e.getMessage().startsWith("bad image reference"), e.getMessage());
        assertTrue(e.hint().contains("flint/python:3"), e.hint());
    }

    @org.junit.jupiter.api.Test
    void parse_tooLongTag_isRejected() {
        assertThrows(ImageException.InvalidReference.class, () -> ImageRef.parse("a:" + "t".repeat(129)));
        assertEquals(128, ImageRef.parse("a:" + "t".repeat(128)).tag().length());
    }
}
