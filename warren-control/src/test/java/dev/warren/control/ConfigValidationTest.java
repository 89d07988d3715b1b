package dev.warren.control;

import dev.warren.wire.time.Clock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ConfigValidationTest {
    @TempDir
    Path dir;

    private static String fails(Runnable r) {
        return assertThrows(IllegalArgumentException.class, r::run).getMessage();
    }

    @Test
    void configMessagesNameTheField() {
        Clock c = Clock.system();
        assertTrue(fails(() -> new ControlServerConfig("", 1, dir, null, c)).contains("listenHost"));
        assertTrue(fails(() -> new ControlServerConfig("h", 70000, dir, null, c)).contains("listenPort"));
        assertTrue(fails(() -> new ControlServerConfig("h", 1, null, null, c)).contains("stateDir"));
        assertTrue(fails(() -> new ControlServerConfig("h", 1, dir, "mysql://x", c)).contains("dbUrl"));
        assertTrue(fails(() -> new ControlServerConfig("h", 1, dir, null, null)).contains("clock"));
        assertNull(new ControlServerConfig("h", 1, dir, " ", c).dbUrl(), "blank means SQLite");
        String s = new ControlServerConfig("h", 1, dir, "postgresql://u:secret@db/x", c).toString();
        assertFalse(s.contains("secret"), s);
    }

    @Test
    void optionsMessagesNameTheField() {
        assertTrue(fails(() -> ControlOptions.defaults().withTick(Duration.ZERO)).contains("tick"));
        assertTrue(fails(() -> ControlOptions.defaults().withBacklogMessages(0)).contains("backlogMessages"));
        assertTrue(fails(() -> ControlOptions.defaults().withBatchInterval(Duration.ofMillis(-1)))
                .contains("batchInterval"));
        assertTrue(fails(() -> ControlOptions.defaults().withPublicUrl(java.net.URI.create("ftp://x")))
                .contains("publicUrl"));
    }

    @Test
    void unreachableDatabaseFailsStartWithTheRedactedUrl() {
        IOException e = assertThrows(IOException.class, () -> ControlServer.start(new ControlServerConfig(
                "127.0.0.1", 0, dir, "postgresql://u:secret@127.0.0.1:1/x", Clock.system())));
        assertTrue(e.getMessage().contains("postgresql://u:***@127.0.0.1:1/x"), e.getMessage());
        assertFalse(e.getMessage().contains("secret"), e.getMessage());
    }

    @Test
    void restartKeepsKeysTokenAndState() throws Exception {
        String token;
        String key;
        NodeView before;
        try (ControlServer s = ControlServer.start(ControlServerConfig.loopback(dir, Clock.system()))) {
            token = s.adminToken();
            key = s.publicKey().toBase64();
            s.admin().createDomain("corp", false);
            new SimNode(s, "keep").register(s.admin().createAuthKey(AuthKeySpec.of("corp")));
            before = s.admin().listNodes(null).getFirst();
            s.admin().deleteNode(before.id());
            new SimNode(s, "next").register(s.admin().createAuthKey(AuthKeySpec.of("corp")));
            before = s.admin().listNodes(null).getFirst();
        }
        try (ControlServer s = ControlServer.start(ControlServerConfig.loopback(dir, Clock.system()))) {
            assertEquals(token, s.adminToken());
            assertEquals(key, s.publicKey().toBase64());
            assertEquals(before, s.admin().listNodes(null).getFirst());
            new SimNode(s, "third").register(s.admin().createAuthKey(AuthKeySpec.of("corp")));
            var nodes = s.admin().listNodes(null);
            assertEquals(3, nodes.get(1).id(), "ids are not reused after a deletion and a restart");
            assertEquals("100.64.0.3/32", nodes.get(1).addresses().getFirst());
        }
    }
}
