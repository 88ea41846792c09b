package dev.flint.gateway.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class KeysTest {
    @Test
    void generate_givesAUuidAnd64LettersAndDigits_asOpenWhisk() {
        Credentials c = Keys.generate();
        assertEquals(c.uuid(), UUID.fromString(c.uuid()).toString());
        assertTrue(c.key().matches("[A-Za-z0-9]{64}"), c.key());
        assertNotEquals(c.key(), Keys.generate().key());
    }

    @Test
    void hashed_keepsNoKey_andMatchesOnlyTheSameCredentials() {
        Credentials c = Keys.generate();
        ObjectNode stored = Keys.hashed(c);
        assertFalse(stored.toString().contains(c.key()), "the key itself is never stored");
        assertTrue(Keys.matches(stored, c));
        assertFalse(Keys.matches(stored, new Credentials(c.uuid(), c.key().substring(1) + "x")));
        assertFalse(Keys.matches(stored, new Credentials(UUID.randomUUID().toString(), c.key())));
        assertNotEquals(stored.get("sha256"), Keys.hashed(c).get("sha256"), "salted: the same key hashes differently");
    }

    @Test
    void credentials_parse_splitsAtTheFirstColon_andRefusesHalves() {
        assertEquals(new Credentials("u", "k:x"), Credentials.parse("u:k:x").orElseThrow());
        assertTrue(Credentials.parse("nocolon").isEmpty());
        assertTrue(Credentials.parse(":key").isEmpty());
        assertTrue(Credentials.parse("uuid:").isEmpty());
    }
}
