package dev.warren.node.internal;

import dev.warren.crypto.X25519;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class StateStoreTest {
    @TempDir
    Path dir;

    @Test
    void keysAndLoginRoundTripWithTightPermissions() throws Exception {
        Path d = dir.resolve("state");
        StateStore s = new StateStore(d);
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(d)));
        var machine = s.machineKey();
        assertEquals(machine, new StateStore(d).machineKey(), "created once");
        assertNull(s.nodeKey());
        var node = s.newNodeKey();
        assertEquals(node, s.nodeKey());
        var serverKey = X25519.publicKey(X25519.generatePrivateKey());
        s.saveLogin(new StateStore.Login(URI.create("https://c.example"), serverKey, "h", true));
        StateStore.Login l = new StateStore(d).login();
        assertEquals(URI.create("https://c.example"), l.loginServer());
        assertEquals(serverKey, l.serverKey());
        assertEquals("h", l.hostname());
        assertTrue(l.wantRunning());
        try (var files = Files.list(d)) {
            files.forEach(f -> {
                try {
                    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(f)), f.toString());
                } catch (IOException e) {
                    throw new AssertionError(e);
                }
            });
        }
        assertFalse(Files.readString(d.resolve(StateStore.LOGIN)).contains(machine.toBase64()), "no private key in login.json");
        s.forgetNodeKey();
        s.forgetLogin();
        assertNull(s.nodeKey());
        assertNull(s.login().loginServer());
    }

    @Test
    void damagedFilesGiveClearErrors() throws Exception {
        StateStore s = new StateStore(dir);
        Files.writeString(dir.resolve(StateStore.NODE_KEY), "not a key\n");
        IOException e = assertThrows(IOException.class, s::nodeKey);
        assertTrue(e.getMessage().contains("node.key does not hold a base64 private key"), e.getMessage());
        Files.writeString(dir.resolve(StateStore.LOGIN), "{\"serverKey\": 5");
        e = assertThrows(IOException.class, s::login);
        assertTrue(e.getMessage().contains("login.json: unreadable"), e.getMessage());
        assertTrue(e.getMessage().contains("warren up"), e.getMessage());
    }
}
