package dev.warren.lab;

import com.fasterxml.jackson.databind.JsonNode;
import dev.warren.testing.lab.Netns;
import dev.warren.testing.nat.NatKind;
import dev.warren.testing.nat.NatLab;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Warren's NAT traversal outcomes (issue 5), each asserted with its timing, in one {@link NatLab} through the
 * real CLI ({@link NatMesh}): control and a relay with STUN on the internet, {@code warren node} behind real
 * kernel NATs.
 *
 * <pre>
 *   internet: ctl 203.0.113.1 (control), relay 203.0.113.2 (relay "lab" + STUN)
 *   r1 EASY  (a1, a2, m1)   r2 EASY (b1)   r3 HARD (c1)   r4 HARD (d1)   r5 UDP_BLOCKED (u1)
 *   r6 EASY  (empty: where m1 roams to)    r7 HARD (e1), r9 HARD (f1): both become EASY in the upgrade test
 *   r8 HARD_UPNP (g1: a hard NAT whose router grants port mappings)
 * </pre>
 *
 * <p>Each test starts only its two nodes and stops them at the end. "First reply" is measured from just before
 * a kernel {@code ping} through the tunnel starts (its first echo request is the first packet between the two
 * nodes) to its first reply, once both nodes know each other from control. "Direct"/"relay" is the PATH that
 * {@code warren status --json} shows on both nodes. The bounds are the issue's: first reply within 1 s, relay →
 * direct within 5 s of a NAT change, a path back within 3 s of roaming; a direct path must appear within
 * {@link #DIRECT_WITHIN} of the first packet where the NATs allow one (the issue gives no bound for it).
 *
 * <p>Easy↔hard is direct through birthday-paradox port probing (ADR 0015): the hard side opens 256 extra sockets
 * and pings the easy side from each, the easy side sprays pings at random ports of the hard side's public address;
 * the tests also check that the hard side closed the sockets that did not win.
 */
@Tag("lab")
class NatTraversalLabTest {
    /** The bound: the first reply within 1 s of the first packet, in every case. */
    private static final long FIRST_REPLY_MS = 1000;
    private static final long UPGRADE_MS = 5000;
    private static final long ROAM_MS = 3000;
    /** How long a direct path may take to appear where the NATs allow one (the issue gives no bound). */
    private static final Duration DIRECT_WITHIN = Duration.ofSeconds(10);
    private static final Duration PEERS_WITHIN = Duration.ofSeconds(30);

    private static NatMesh mesh;

    @BeforeAll
    static void lab() throws Exception {
        NatProbe.requireNatLab();
        LabEnv.requireLab();
        if (!Netns.have("tcpdump")) {
            fail("tcpdump is missing: apt-get install tcpdump (bin/test installs it)");
        }
        NatLab lab = NatProbe.lab().server(NatMesh.CONTROL_SERVER).server(NatMesh.RELAY_SERVER)
                .router("r1", NatKind.EASY).router("r2", NatKind.EASY).router("r3", NatKind.HARD)
                .router("r4", NatKind.HARD).router("r5", NatKind.UDP_BLOCKED).router("r6", NatKind.EASY)
                .router("r7", NatKind.HARD).router("r8", NatKind.HARD_UPNP).router("r9", NatKind.HARD)
                .host("a1", "r1").host("a2", "r1").host("m1", "r1").host("b1", "r2").host("c1", "r3")
                .host("d1", "r4").host("u1", "r5").host("e1", "r7").host("g1", "r8").host("f1", "r9")
                .build();
        mesh = NatMesh.start(lab);
    }

    @AfterAll
    static void closeLab() {
        if (mesh != null) {
            mesh.close();
        }
    }

    @AfterEach
    void stopNodes() {
        if (mesh != null) {
            mesh.stopNodes();
        }
    }

    // ------------------------------------------------------------------------------------------------ outcomes

    @Test
    void easyToEasyIsDirect() throws Exception {
        directPair("a1", "b1", "easy↔easy");
    }

    @Test
    void easyToHardIsDirect() throws Exception {
        Pair p = directPair("b1", "c1", "easy↔hard");
        String wan = mesh.lab().router("r3").wanAddress();
        assertTrue(p.pathAB.startsWith("direct " + wan + ":"), "easy↔hard: b1 must reach c1 at r3's WAN address ("
                + wan + "), through one of c1's birthday sockets: b1→c1 " + p.pathAB + ", c1→b1 " + p.pathBA);
        assertSideSocketsClosed("c1");
    }

    @Test
    void hardToEasyIsDirect() throws Exception {
        Pair p = directPair("c1", "b1", "hard↔easy (the hard side pings first)");
        String wan = mesh.lab().router("r2").wanAddress();
        assertTrue(p.pathAB.startsWith("direct " + wan + ":"), "hard↔easy: c1 must reach b1 at r2's WAN address ("
                + wan + "): c1→b1 " + p.pathAB + ", b1→c1 " + p.pathBA);
        assertSideSocketsClosed("c1");
    }

    /**
     * The hard side's birthday round ends within a few seconds of the direct path: only a handful of UDP sockets
     * stay open in its namespace (magicsock's own, the one socket that won), not the round's 256.
     */
    private static void assertSideSocketsClosed(String host) throws Exception {
        int[] count = new int[1];
        String[] listing = new String[1];
        boolean closed = LabEnv.eventually(Duration.ofSeconds(10), () -> {
            listing[0] = mesh.lab().exec(host, Duration.ofSeconds(5), "ss", "-uan").output();
            count[0] = (int) listing[0].lines().filter(l -> l.startsWith("UNCONN") || l.startsWith("ESTAB")).count();
            return count[0] <= 6;
        });
        System.out.printf("%s: %d UDP sockets open after the birthday round%n", host, count[0]);
        assertTrue(closed, host + ": " + count[0] + " UDP sockets still open 10 s after the direct path (the "
                + "birthday round's 256 side sockets must close, all but the winner):\n" + listing[0]);
    }

    @Test
    void twoNodesBehindOneEasyNatReachEachOtherDirectlyByLanAddress() throws Exception {
        Pair p = directPair("a1", "a2", "hairpin (both behind r1)");
        String lan1 = mesh.lab().host("a1").address();
        String lan2 = mesh.lab().host("a2").address();
        assertTrue(p.pathAB.startsWith("direct " + lan2 + ":") && p.pathBA.startsWith("direct " + lan1 + ":"),
                "hairpin: the direct path must use the LAN addresses (" + lan1 + ", " + lan2 + "): a1→a2 "
                        + p.pathAB + ", a2→a1 " + p.pathBA);
    }

    @Test
    void hardToHardGoesThroughTheRelay() throws Exception {
        NatMesh.Node c = mesh.startNode("c1");
        NatMesh.Node d = mesh.startNode("d1");
        awaitPeers(c, d);
        try (NatMesh.Ping ping = NatMesh.Ping.start(c, d.v4(), Duration.ofMillis(200), 56)) {
            long first = awaitFirstReply(ping, "hard↔hard c1→d1");
            String cd = c.pathTo("d1");
            String dc = d.pathTo("c1");
            assertTrue(cd.equals("relay " + NatMesh.REGION) && dc.equals("relay " + NatMesh.REGION),
                    "hard↔hard: expected both paths 'relay lab' (first reply after " + first + " ms): c1→d1 " + cd
                            + ", d1→c1 " + dc);
            assertFirstReply(first, "hard↔hard", cd);
        }
    }

    @Test
    void hardToHardIsDirectWhereTheRouterGrantsAPortMapping() throws Exception {
        Pair p = directPair("g1", "d1", "hard-upnp↔hard");
        String wan = mesh.lab().router("r8").wanAddress();
        assertTrue(p.pathBA.startsWith("direct " + wan + ":"), "hard-upnp↔hard: d1 must reach g1 at r8's WAN "
                + "address (" + wan + ") through the mapped port: d1→g1 " + p.pathBA + ", g1→d1 " + p.pathAB);
    }

    @Test
    void udpBlockedGoesThroughTheRelayOverTcp() throws Exception {
        NatMesh.Node u = mesh.startNode("u1");
        NatMesh.Node b = mesh.startNode("b1");
        awaitPeers(u, b);
        try (NatMesh.Ping ping = NatMesh.Ping.start(u, b.v4(), Duration.ofMillis(200), 56)) {
            long first = awaitFirstReply(ping, "udp-blocked u1→b1");
            String ub = u.pathTo("b1");
            String bu = b.pathTo("u1");
            assertFirstReply(first, "udp-blocked↔easy", ub);
            assertTrue(ub.equals("relay " + NatMesh.REGION) && bu.equals("relay " + NatMesh.REGION),
                    "UDP blocked: expected 'relay lab' both ways (first reply after " + first + " ms): u1→b1 " + ub
                            + ", b1→u1 " + bu);
            // the only way out of r5 is TCP: the relay connection is a TCP connection to the relay
            String conns = u.exec(Duration.ofSeconds(5), "ss", "-tn", "state", "established").output();
            String relay = mesh.relayAddress();
            assertTrue(conns.contains(relay + ":" + NatMesh.RELAY_PORT) || conns.contains(relay + "]:" + NatMesh.RELAY_PORT),
                    "UDP blocked: no TCP connection to the relay from u1:\n" + conns);
        }
    }

    @Test
    void relayUpgradesToDirectWithin5sOfANatChange() throws Exception {
        NatMesh.Node e = mesh.startNode("e1");
        NatMesh.Node c = mesh.startNode("f1");
        awaitPeers(e, c);
        try (NatMesh.Ping ping = NatMesh.Ping.start(e, c.v4(), Duration.ofMillis(100), 56)) {
            long first = awaitFirstReply(ping, "hard↔hard e1→f1");
            String before = e.pathTo("f1");
            assertEquals("relay " + NatMesh.REGION, before, "hard↔hard before the change (first reply after "
                    + first + " ms)");
            long t0 = System.nanoTime();
            mesh.lab().changeKind("r7", NatKind.EASY);
            mesh.lab().changeKind("r9", NatKind.EASY);
            long changed = (System.nanoTime() - t0) / 1_000_000;
            String[] paths = new String[2];
            boolean direct = LabEnv.eventually(Duration.ofSeconds(30), () -> {
                paths[0] = e.pathTo("f1");
                paths[1] = c.pathTo("e1");
                return paths[0].startsWith("direct ") && paths[1].startsWith("direct ");
            });
            long upgrade = (System.nanoTime() - t0) / 1_000_000;
            System.out.printf("relay → direct: %d ms after r7 and r9 HARD→EASY (the changes took %d ms)%n",
                    upgrade, changed);
            assertTrue(direct && upgrade <= UPGRADE_MS, "relay → direct after r7 and r9 HARD→EASY (ruleset swaps "
                    + "and conntrack flushes took " + changed + " ms): " + (direct ? "direct after " + upgrade
                    + " ms" : "still not direct after " + upgrade + " ms") + " (bound " + UPGRADE_MS + " ms); e1→f1 "
                    + paths[0] + ", f1→e1 " + paths[1]);
        } finally {
            mesh.lab().changeKind("r7", NatKind.HARD);
            mesh.lab().changeKind("r9", NatKind.HARD);
        }
    }

    @Test
    void roamingKeepsATcpTransferAndAPathIsBackWithin3s() throws Exception {
        NatMesh.Node m = mesh.startNode("m1");
        NatMesh.Node b = mesh.startNode("b1");
        awaitPeers(m, b);
        Path script = transferScript();
        int port = 5201;
        // 24 MB at 3 MB/s: about 8 s; the move happens 2 s in
        NatLab.Background server = b.spawn("recv", "python3", script.toString(), "recv", b.v4(),
                Integer.toString(port));
        assertTrue(LabEnv.eventually(Duration.ofSeconds(10), () -> b.exec(Duration.ofSeconds(5), "ss", "-lnt")
                .output().contains(b.v4() + ":" + port)), "receiver did not start: " + server.log());
        try (NatMesh.Ping ping = NatMesh.Ping.start(m, b.v4(), Duration.ofMillis(50), 56)) {
            long first = awaitFirstReply(ping, "roaming m1→b1");
            NatLab.Background client = m.spawn("send", "python3", script.toString(), "send", b.v4(),
                    Integer.toString(port), Integer.toString(24 << 20), Integer.toString(3 << 20));
            Thread.sleep(2000);
            assertTrue(client.alive(), "the transfer ended before the move: " + client.log());
            double moveStart = System.currentTimeMillis();
            NatLab.Host moved = mesh.lab().moveHost("m1", "r6");
            double moveEnd = System.currentTimeMillis();
            NatMesh.Ping.Reply back = null;
            while (back == null && System.currentTimeMillis() - moveEnd < 30_000) {
                back = ping.firstReplySentAfter(moveEnd);
                Thread.sleep(20);
            }
            String pathAfter = m.pathTo("b1");
            assertNotNull(back, "roaming: no ping reply within 30 s of moving m1 to r6 (" + moved.address()
                    + "); path now m1→b1 " + pathAfter + ", b1→m1 " + b.pathTo("m1") + "; m1's TCP connections:\n"
                    + m.exec(Duration.ofSeconds(5), "ss", "-tn").output() + "m1 log:\n" + tail(m.log()));
            long backMs = Math.round(back.atMillis() - moveEnd);
            assertTrue(backMs <= ROAM_MS, "roaming: the first reply to a ping sent after the move came "
                    + backMs + " ms after the move (moveHost itself took " + Math.round(moveEnd - moveStart)
                    + " ms; bound " + ROAM_MS + " ms); path now " + pathAfter);
            assertTrue(client.process().waitFor(60, java.util.concurrent.TimeUnit.SECONDS),
                    "the transfer did not complete within 60 s: " + client.log());
            assertTrue(server.process().waitFor(10, java.util.concurrent.TimeUnit.SECONDS),
                    "the receiver did not finish: " + server.log());
            String sent = result(client.log());
            String got = result(server.log());
            assertTrue(client.process().exitValue() == 0 && sent.equals(got) && sent.startsWith(24 * 1048576 + " "),
                    "roaming transfer: sender " + sent + " (exit " + client.process().exitValue() + "), receiver "
                            + got + "; path back after " + backMs + " ms");
        } finally {
            server.stop();
            mesh.lab().moveHost("m1", "r1");
        }
    }

    @Test
    void theRelaySeesOnlyCiphertext() throws Exception {
        NatMesh.Node u = mesh.startNode("u1");
        NatMesh.Node b = mesh.startNode("b1");
        awaitPeers(u, b);
        byte[] marker = "WARREN-PLAINTEXT".getBytes(StandardCharsets.US_ASCII); // 16 bytes: ping -p's maximum
        Path work = mesh.lab().workDir();
        Path atRelay = work.resolve("relay-" + System.nanoTime() + ".pcap");
        Path atTun = work.resolve("b1-tun-" + System.nanoTime() + ".pcap");
        NatLab.Background relayCap = mesh.lab().spawn(NatMesh.RELAY_SERVER, "tcpdump", "tcpdump", "-i", "eth0",
                "-U", "-n", "-s", "0", "-w", atRelay.toString());
        NatLab.Background tunCap = b.spawn("tcpdump", "tcpdump", "-i", "warren0", "-U", "-n", "-s", "0", "-w",
                atTun.toString());
        try {
            assertTrue(LabEnv.eventually(Duration.ofSeconds(10), () -> relayCap.log().contains("listening on")
                    && tunCap.log().contains("listening on")), "tcpdump did not start: " + relayCap.log() + "\n"
                    + tunCap.log());
            Netns.Result r = u.exec(Duration.ofSeconds(30), "ping", "-n", "-c", "20", "-i", "0.1", "-w", "20",
                    "-s", "1000", "-p", HexFormat.of().formatHex(marker), b.v4());
            String path = u.pathTo("b1");
            assertTrue(r.ok(), "pings with the marker through the relay failed (path " + path + "): " + r.output());
            assertEquals("relay " + NatMesh.REGION, path, "the marker must go through the relay");
        } finally {
            relayCap.stop();
            tunCap.stop();
        }
        byte[] relaySaw = Files.readAllBytes(atRelay);
        byte[] tunSaw = Files.readAllBytes(atTun);
        assertTrue(indexOf(tunSaw, marker) >= 0, "control: the marker is not in b1's own TUN capture (" + tunSaw.length
                + " bytes), so the check below would prove nothing");
        long relayed = relayedPayloadBytes(relaySaw);
        assertTrue(relayed >= 2L * 20 * 1000, "the relay carried only " + relayed + " bytes of TCP payload on port "
                + NatMesh.RELAY_PORT + " for 20 + 20 pings of 1000 bytes (" + atRelay + ")");
        assertEquals(-1, indexOf(relaySaw, marker), "the plaintext marker appears in what the relay saw ("
                + atRelay + ", " + relaySaw.length + " bytes, " + relayed + " bytes of relay payload)");
    }

    // ------------------------------------------------------------------------------------------------ helpers

    /** Both nodes' paths once direct, and the times measured. */
    private record Pair(String pathAB, String pathBA, long firstReplyMs, long directMs) {
    }

    /**
     * Starts {@code a} and {@code b}, pings b from a through the tunnel, and asserts the first reply within 1 s
     * and a direct path on both sides within {@link #DIRECT_WITHIN}.
     */
    private Pair directPair(String a, String b, String what) throws Exception {
        NatMesh.Node na = mesh.startNode(a);
        NatMesh.Node nb = mesh.startNode(b);
        awaitPeers(na, nb);
        try (NatMesh.Ping ping = NatMesh.Ping.start(na, nb.v4(), Duration.ofMillis(200), 56)) {
            long first = awaitFirstReply(ping, what + " " + a + "→" + b);
            String firstPath = na.pathTo(b);
            String[] paths = new String[2];
            boolean direct = LabEnv.eventually(DIRECT_WITHIN, () -> {
                paths[0] = na.pathTo(b);
                paths[1] = nb.pathTo(a);
                return paths[0].startsWith("direct ") && paths[1].startsWith("direct ");
            });
            long directMs = System.currentTimeMillis() - ping.startMillis;
            assertTrue(direct, what + ": no direct path within " + DIRECT_WITHIN.toSeconds() + " s of the first "
                    + "packet (first reply after " + first + " ms over " + firstPath + "): " + a + "→" + b + " "
                    + paths[0] + ", " + b + "→" + a + " " + paths[1]);
            assertFirstReply(first, what, firstPath);
            System.out.printf("%s: first reply %d ms (path then: %s), direct after %d ms: %s / %s%n", what, first,
                    firstPath, directMs, paths[0], paths[1]);
            return new Pair(paths[0], paths[1], first, directMs);
        }
    }

    /** Waits until each node lists the other with its disco key and home relay (both did netcheck, control told). */
    private static void awaitPeers(NatMesh.Node x, NatMesh.Node y) throws Exception {
        JsonNode[] seen = new JsonNode[2];
        boolean ok = LabEnv.eventually(PEERS_WITHIN, () -> {
            seen[0] = x.peer(y.name());
            seen[1] = y.peer(x.name());
            return knows(seen[0]) && knows(seen[1]);
        });
        if (!ok) {
            fail(x.name() + " and " + y.name() + " did not learn each other (disco key, home relay) within "
                    + PEERS_WITHIN.toSeconds() + " s: " + x.name() + " sees " + seen[0] + "; " + y.name() + " sees "
                    + seen[1] + "\n" + x.name() + " log:\n" + tail(x.log()) + "\n" + y.name() + " log:\n"
                    + tail(y.log()));
        }
    }

    private static boolean knows(JsonNode peer) {
        return peer != null && peer.path("homeRelay").asInt() > 0 && !peer.path("discoKey").isNull()
                && !peer.path("discoKey").asText("").isEmpty();
    }

    private static long awaitFirstReply(NatMesh.Ping ping, String what) throws Exception {
        LabEnv.eventually(Duration.ofSeconds(15), () -> ping.firstReplyMillis() >= 0);
        long first = ping.firstReplyMillis();
        if (first < 0) {
            fail(what + ": no ping reply within 15 s of the first packet; ping said:\n" + ping.process.log());
        }
        return first;
    }

    private static void assertFirstReply(long first, String what, String path) {
        System.out.printf("%s: first reply %d ms over %s%n", what, first, path);
        assertTrue(first <= FIRST_REPLY_MS, what + ": first reply " + first + " ms after the first packet (bound "
                + FIRST_REPLY_MS + " ms), over " + path);
    }

    private static String tail(String log) {
        List<String> lines = log.lines().toList();
        return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
    }

    /** The "LENGTH SHA256" line a transfer script printed last, or its whole log when there is none. */
    private static String result(String log) {
        return log.lines().filter(l -> l.matches("\\d+ [0-9a-f]{64}")).reduce((x, y) -> y).orElse(log.strip());
    }

    /**
     * A TCP transfer for the roaming test: {@code recv ADDR PORT} accepts one connection and prints the length and
     * SHA-256 of all it read; {@code send ADDR PORT BYTES RATE} sends BYTES pseudo-random bytes at RATE bytes/s
     * and prints the same for what it sent.
     */
    private static Path transferScript() throws IOException {
        Path p = mesh.lab().workDir().resolve("transfer.py");
        Files.writeString(p, """
                import hashlib, random, socket, sys, time
                mode, addr, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
                h = hashlib.sha256()
                n = 0
                if mode == "recv":
                    s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                    s.bind((addr, port)); s.listen(1)
                    c, _ = s.accept()
                    while True:
                        b = c.recv(65536)
                        if not b:
                            break
                        h.update(b); n += len(b)
                else:
                    total, rate = int(sys.argv[4]), int(sys.argv[5])
                    rnd = random.Random(5)
                    c = socket.create_connection((addr, port), timeout=60)
                    t0 = time.monotonic()
                    while n < total:
                        b = rnd.randbytes(min(65536, total - n))
                        c.sendall(b); h.update(b); n += len(b)
                        ahead = n / rate - (time.monotonic() - t0)
                        if ahead > 0:
                            time.sleep(ahead)
                    c.shutdown(socket.SHUT_WR)
                    c.recv(1)
                print(n, h.hexdigest(), flush=True)
                """);
        return p;
    }

    private static int indexOf(byte[] hay, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= hay.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (hay[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    /**
     * The TCP payload bytes to or from the relay's port in a pcap (Ethernet link type): proof that the relay did
     * carry the traffic whose plaintext must not appear.
     */
    private static long relayedPayloadBytes(byte[] pcap) {
        long total = 0;
        int off = 24; // global header
        while (off + 16 <= pcap.length) {
            int incl = le32(pcap, off + 8);
            int p = off + 16;
            off = p + incl;
            if (off > pcap.length || incl < 14 + 20 + 20) {
                continue;
            }
            if ((pcap[p + 12] & 0xff) != 0x08 || pcap[p + 13] != 0x00) {
                continue; // not IPv4
            }
            int ip = p + 14;
            int ihl = (pcap[ip] & 0x0f) * 4;
            int ipLen = ((pcap[ip + 2] & 0xff) << 8) | (pcap[ip + 3] & 0xff);
            if (pcap[ip + 9] != 6) {
                continue; // not TCP
            }
            int tcp = ip + ihl;
            int sport = ((pcap[tcp] & 0xff) << 8) | (pcap[tcp + 1] & 0xff);
            int dport = ((pcap[tcp + 2] & 0xff) << 8) | (pcap[tcp + 3] & 0xff);
            int thl = ((pcap[tcp + 12] & 0xff) >> 4) * 4;
            if (sport == NatMesh.RELAY_PORT || dport == NatMesh.RELAY_PORT) {
                total += Math.max(0, ipLen - ihl - thl);
            }
        }
        return total;
    }

    private static int le32(byte[] b, int i) {
        return (b[i] & 0xff) | (b[i + 1] & 0xff) << 8 | (b[i + 2] & 0xff) << 16 | (b[i + 3] & 0xff) << 24;
    }
}
