package dev.flint.gateway.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AdminTokenTest {
    @TempDir
    Path tmp;

    @Test
    void loadOrCreate_makesARandomMode600Token_andKeepsItForTheNextStart() throws Exception {
        Path file = tmp.resolve("data/auth/admin-token");
        String first = AdminToken.loadOrCreate(file);
        assertTrue(first.matches("[0-9a-f]{64}"), first);
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file.getParent())));
        assertEquals(first, AdminToken.loadOrCreate(file), "a restart finds the same token");
        assertNotEquals(first, AdminToken.loadOrCreate(tmp.resolve("other/auth/admin-token")), "each data directory has its own");
    }
}
