package dev.warren.cli.node;

import dev.warren.filter.FilterSnapshot;
import dev.warren.node.BackendState;
import dev.warren.node.FilterStatus;
import dev.warren.node.PeerInfo;
import dev.warren.node.PingResult;
import dev.warren.node.Status;
import dev.warren.wire.control.RelayMap;
import dev.warren.wire.filter.FilterRule;
import dev.warren.wire.filter.PortRange;
import dev.warren.wire.net.IpPrefix;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class NodeCommandsTest {
    private static final Instant NOW = Instant.parse("2026-12-04T20:00:00Z");

    @Test
    void statusTable() {
        PeerInfo db = new PeerInfo(2, "db-1", "alice", List.of("100.64.0.2", "fd7a:115c:a1e0::2"), "nodekey:ab",
                true, List.of("192.0.2.2:41641"), "192.0.2.2:41641", NOW.minusSeconds(12), 1_468_006, 225_587,
                "linux", List.of(), null, 0, "direct 192.0.2.2:41641");
        PeerInfo laptop = new PeerInfo(7, "laptop", "alice", List.of("100.64.0.7"), "nodekey:cd", false, List.of(),
                null, null, 0, 0, null, List.of());
        PeerInfo nas = new PeerInfo(9, "nas", "alice", List.of("100.64.0.9"), "nodekey:01", true, List.of(),
                "192.0.2.9:41641", NOW.minusSeconds(300), 10, 20, null, List.of(), "discokey:02", 1, "relay fra");
        RelayMap relays = new RelayMap(List.of(new RelayMap.RelayRegion(1, "fra", null,
                List.of(new RelayMap.RelayNode("fra1", "relay.example.net", null, null, 443, 3478, true)))));
        Status s = new Status(BackendState.Running, null, "web-1", List.of("100.64.0.5", "fd7a:115c:a1e0::5"),
                "nodekey:ef", "alice", "example.com", "https://control.example.com", true, 41641,
                List.of(db, laptop, nas), "discokey:03", 1, relays);
        String t = StatusCommand.format(s, NOW);
        String[] lines = t.split("\n");
        assertEquals(5, lines.length, t);
        assertTrue(lines[0].matches("ADDRESS +ADDRESS6 +NAME +ONLINE +PATH +ENDPOINT +HANDSHAKE +RX +TX"), t);
        assertTrue(lines[1].matches("100\\.64\\.0\\.5 +fd7a:115c:a1e0::5 +web-1 \\(this node\\) +- +home fra +- +- +- +-"), lines[1]);
        assertTrue(lines[2].matches("100\\.64\\.0\\.2 +fd7a:115c:a1e0::2 +db-1 +yes +direct 192\\.0\\.2\\.2:41641 +192\\.0\\.2\\.2:41641 +12s ago +1\\.4 MiB +220\\.3 KiB"), lines[2]);
        assertTrue(lines[3].matches("100\\.64\\.0\\.7 +- +laptop +no +- +- +never +0 B +0 B"), lines[3]);
        assertTrue(lines[4].matches("100\\.64\\.0\\.9 +- +nas +yes +relay fra +192\\.0\\.2\\.9:41641 +5m ago +10 B +20 B"), lines[4]);
        String noHome = StatusCommand.format(new Status(BackendState.Running, null, "web-1", List.of(), null, null,
                null, "https://c", true, 1, List.of(db)), NOW);
        assertTrue(noHome.split("\n")[1].matches("- +- +web-1 \\(this node\\) +- +- +- +- +- +-"), noHome);

        Status down = new Status(BackendState.Running, null, "web-1", List.of(), null, null, null,
                "https://c", false, 1, List.of());
        assertTrue(StatusCommand.format(down, NOW).startsWith("# Control at https://c is unreachable"));
        Status out = new Status(BackendState.NeedsLogin, null, null, List.of(), null, null, null, null, false, 1, List.of());
        assertEquals("Logged out. Log in with: warren up --login-server URL\n", StatusCommand.format(out, NOW));
    }

    @Test
    void statusEndsWithTheFilterSummary() {
        Status s = new Status(BackendState.Running, null, "web-1", List.of("100.64.0.5"), "nodekey:ef", "alice",
                "example.com", "https://c", true, 41641, List.of(), "discokey:03", 0, new RelayMap(List.of()),
                new FilterStatus(true, 3, 14, Map.of("no-rule", 12L, "tcp-not-syn", 2L), 4));
        String t = StatusCommand.format(s, NOW);
        assertEquals("# Filter: 3 rules; 14 dropped (no-rule 12, tcp-not-syn 2); 4 flows tracked. Details: warren filter",
                t.lines().toList().getLast(), t);
        assertEquals("# Filter: none from control yet, new inbound connections denied; 0 dropped; 0 flows tracked."
                + " Details: warren filter", StatusCommand.filterLine(new FilterStatus(false, 0, 0, Map.of(), 0)));
    }

    @Test
    void filterShowsRulesHitsAndDrops() {
        FilterRule ssh = new FilterRule("acls[0]", List.of(IpPrefix.parse("100.64.0.2/32"), IpPrefix.parse("::/0")),
                List.of(6), List.of(new PortRange(IpPrefix.parse("100.64.0.1/32"), 22, 22)));
        FilterRule any = new FilterRule("", List.of(IpPrefix.parse("100.64.0.0/10")), List.of(),
                List.of(PortRange.all(IpPrefix.parse("fd7a::1/128"))));
        Map<String, Long> drops = new LinkedHashMap<>();
        drops.put("no-filter", 0L);
        drops.put("no-rule", 7L);
        FilterSnapshot snap = new FilterSnapshot(true, List.of(ssh, any), Map.of("acls[0]", 5L), drops, 7, 40, 0, 3,
                16384, 0, 2);
        String t = FilterCommand.format(snap);
        List<String> lines = t.lines().toList();
        assertEquals("Packet filter: 2 rules from control.", lines.get(0), t);
        assertTrue(lines.get(2).matches("ORIGIN +SOURCES +PROTO +DESTINATIONS +HITS"), t);
        assertTrue(lines.get(3).matches("acls\\[0] +100\\.64\\.0\\.2, \\*\\(v6\\) +tcp +100\\.64\\.0\\.1/32:22 +5"), t);
        assertTrue(lines.get(4).matches("rule 1 +100\\.64\\.0\\.0/10 +\\* +\\[fd7a::1/128]:\\* +0"), t);
        assertTrue(t.contains("Dropped: 7 (no-rule 7)\n"), t);
        assertTrue(t.contains("Tracked flows: 3 of 16384\n"), t);
        assertTrue(FilterCommand.format(new FilterSnapshot(false, List.of(), Map.of(), Map.of(), 0, 0, 0, 0, 8, 0, 0))
                .startsWith("No packet filter from control yet"));
    }

    private static PingResult relayed(double ms) {
        return new PingResult("bravo", "100.64.0.2", true, ms, null, "relay fra");
    }

    private static PingResult direct(double ms) {
        return new PingResult("bravo", "100.64.0.2", true, ms, null, "direct 192.0.2.1:41641");
    }

    private static PingResult lost() {
        return new PingResult("bravo", "100.64.0.2", false, -1, "timed out after 5000 ms", "-");
    }

    private record Run(int code, List<String> lines, List<Long> sleeps) {
    }

    private static Run ping(List<PingResult> script, int count, boolean untilDirect) throws Exception {
        Iterator<PingResult> it = script.iterator();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        List<Long> sleeps = new ArrayList<>();
        int code = PingCommand.loop(it::next, count, untilDirect, new PrintStream(bytes, true, StandardCharsets.UTF_8),
                sleeps::add);
        return new Run(code, List.of(bytes.toString(StandardCharsets.UTF_8).split("\n")), sleeps);
    }

    @Test
    void pingStopsAtTheFirstDirectReply() throws Exception {
        Run r = ping(List.of(relayed(23.4), lost(), direct(1.05), relayed(9)), 10, true);
        assertEquals(List.of("pong from bravo (100.64.0.2) via relay fra in 23ms",
                "no pong from bravo (100.64.0.2): timed out after 5000 ms",
                "pong from bravo (100.64.0.2) via 192.0.2.1:41641 in 1.05ms"), r.lines());
        assertEquals(0, r.code());
        assertEquals(2, r.sleeps().size(), "a pause between pings, none after the last");
        assertTrue(r.sleeps().stream().allMatch(ms -> ms > 0 && ms <= 1000), r.sleeps().toString());
    }

    @Test
    void pingWithoutADirectReplyFailsUntilDirect() throws Exception {
        Run r = ping(List.of(relayed(30), relayed(31)), 2, true);
        assertEquals(List.of("pong from bravo (100.64.0.2) via relay fra in 30ms",
                "pong from bravo (100.64.0.2) via relay fra in 31ms", "direct connection not established"), r.lines());
        assertEquals(1, r.code());
        Run none = ping(List.of(lost()), 1, true);
        assertEquals("no reply", none.lines().getLast());
        assertEquals(1, none.code());
    }

    @Test
    void pingWithoutUntilDirectSendsEveryPing() throws Exception {
        Run r = ping(List.of(direct(1), direct(2), relayed(30)), 3, false);
        assertEquals(3, r.lines().size());
        assertEquals(0, r.code());
        assertEquals(1, ping(List.of(lost(), lost()), 2, false).code());
        assertEquals("pong from bravo (100.64.0.2) in 2.00ms",
                PingCommand.line(new PingResult("bravo", "100.64.0.2", true, 2, null)), "a reply without a path");
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

    @Test
    void helpListsTheFilterCommandAndItsJsonFlag() throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PrintStream old = System.out;
        System.setOut(new PrintStream(bytes, true, StandardCharsets.UTF_8));
        try {
            dev.warren.cli.MainAccess.commandLine().execute("help");
            dev.warren.cli.MainAccess.commandLine().execute("help", "filter");
        } finally {
            System.setOut(old);
        }
        String out = bytes.toString(StandardCharsets.UTF_8);
        assertTrue(out.contains("filter") && out.contains("inbound packet filter"), out);
        assertTrue(out.contains("--json"), out);
    }
}
