package dev.warren.cli.node;

import dev.warren.node.BackendState;
import dev.warren.node.PeerInfo;
import dev.warren.node.Status;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class NodeCommandsTest {
    private static final Instant NOW = Instant.parse("2026-12-04T20:00:00Z");

    @Test
    void statusTable() {
        PeerInfo db = new PeerInfo(2, "db-1", "alice", List.of("100.64.0.2", "fd7a:115c:a1e0::2"), "nodekey:ab",
                true, List.of("192.0.2.2:41641"), "192.0.2.2:41641", NOW.minusSeconds(12), 1_468_006, 225_587,
                "linux", List.of());
        PeerInfo laptop = new PeerInfo(7, "laptop", "alice", List.of("100.64.0.7"), "nodekey:cd", false, List.of(),
                null, null, 0, 0, null, List.of());
        Status s = new Status(BackendState.Running, null, "web-1", List.of("100.64.0.5", "fd7a:115c:a1e0::5"),
                "nodekey:ef", "alice", "example.com", "https://control.example.com", true, 41641, List.of(db, laptop));
        String t = StatusCommand.format(s, NOW);
        String[] lines = t.split("\n");
        assertEquals(4, lines.length, t);
        assertTrue(lines[0].startsWith("ADDRESS     "), t);
        assertTrue(lines[1].contains("web-1 (this node)"), t);
        assertTrue(lines[2].matches("100\\.64\\.0\\.2 +fd7a:115c:a1e0::2 +db-1 +yes +192\\.0\\.2\\.2:41641 +12s ago +1\\.4 MiB +220\\.3 KiB"), lines[2]);
        assertTrue(lines[3].matches("100\\.64\\.0\\.7 +- +laptop +no +- +never +0 B +0 B"), lines[3]);

        Status down = new Status(BackendState.Running, null, "web-1", List.of(), null, null, null,
                "https://c", false, 1, List.of());
        assertTrue(StatusCommand.format(down, NOW).startsWith("# Control at https://c is unreachable"));
        Status out = new Status(BackendState.NeedsLogin, null, null, List.of(), null, null, null, null, false, 1, List.of());
        assertEquals("Logged out. Log in with: warren up --login-server URL\n", StatusCommand.format(out, NOW));
    }

    @Test
    void agesAndSizes() {
        assertEquals("59s ago", StatusCommand.ago(NOW.minusSeconds(59), NOW));
        assertEquals("5m ago", StatusCommand.ago(NOW.minusSeconds(300), NOW));
        assertEquals("3h ago", StatusCommand.ago(NOW.minusSeconds(3 * 3600), NOW));
        assertEquals("2d ago", StatusCommand.ago(NOW.minusSeconds(2 * 86400), NOW));
        assertEquals("1023 B", StatusCommand.bytes(1023));
        assertEquals("1.0 KiB", StatusCommand.bytes(1024));
        assertEquals("2.0 GiB", StatusCommand.bytes(2L << 30));
    }

    @Test
    void durations() {
        assertEquals(Duration.ofMillis(500), ClientOptions.duration("500ms"));
        assertEquals(Duration.ofMillis(1500), ClientOptions.duration("1.5s"));
        assertEquals(Duration.ofSeconds(5), ClientOptions.duration("5"));
        assertEquals(Duration.ofMinutes(2), ClientOptions.duration("2m"));
        assertThrows(IllegalArgumentException.class, () -> ClientOptions.duration("soon"));
    }
}
