package dev.warren.magicsock;

import dev.warren.magicsock.relay.InMemoryRelay;
import dev.warren.testing.ChannelNetwork;
import dev.warren.testing.FakeClock;
import dev.warren.testing.ManualScheduler;
import dev.warren.wire.control.RelayMap;
import dev.warren.wire.datapath.Endpoint;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Two magicsocks on an in-memory UDP network (with a drop switch) and an in-memory relay, on fake time: the
 * first packets go through the relay, disco finds the direct path, traffic moves to it; when the path is blocked
 * trust lapses and traffic returns to the relay; when unblocked it upgrades again within 5 s.
 */
class MagicSockTest {
    static final RelayMap RELAYS = new RelayMap(List.of(new RelayMap.RelayRegion(1, "fra", "Frankfurt",
            List.of(new RelayMap.RelayNode("fra1", "relay.invalid", null, null, 443, 0, true)))));

    private final FakeClock clock = new FakeClock();
    private final ManualScheduler scheduler = new ManualScheduler(clock);
    private final ChannelNetwork net = new ChannelNetwork();
    private final InMemoryRelay hub = new InMemoryRelay();
    private volatile boolean blocked;
    private Node a;
    private Node b;

    private void start(boolean bKnowsA) throws Exception {
        net.dropWhen(x -> blocked);
        a = new Node(net, hub, scheduler, "192.0.2.1", 41641);
        b = new Node(net, hub, scheduler, "198.51.100.2", 41641);
        a.sock.setRelayMap(RELAYS);
        b.sock.setRelayMap(RELAYS);
        advance(Duration.ZERO);
        await("netcheck picks a home", () -> a.sock.homeRelay() != 0);
        assertEquals(1, a.sock.homeRelay(), "netcheck over the relay did not pick the only region");
        a.sock.setPeers(List.of(new PeerSpec(b.nodeKey, b.sock.discoKey(), 1, List.of(b.address))));
        b.sock.setPeers(List.of(new PeerSpec(a.nodeKey, a.sock.discoKey(), 1,
                bKnowsA ? List.of(a.address) : List.of())));
    }

    @AfterEach
    void close() throws Exception {
        if (a != null) {
            a.close();
        }
        if (b != null) {
            b.close();
        }
        hub.close();
    }

    /** Lets every in-flight packet be handled (real time), without moving fake time. */
    private void settle() throws InterruptedException {
        for (int i = 0; i < 3; i++) {
            hub.awaitIdle(2000);
            Thread.sleep(15);
        }
    }

    private void advance(Duration d) throws InterruptedException {
        scheduler.advance(d);
        settle();
    }

    private static void await(String what, BooleanSupplier c) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (!c.getAsBoolean()) {
            if (System.nanoTime() > end) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(2);
        }
    }

    @Test
    void firstPacketsGoViaRelayThenDiscoMovesTrafficToTheDirectPath() throws Exception {
        start(true);
        Endpoint bAtA = a.sock.endpointOf(b.nodeKey);
        Endpoint aAtB = b.sock.endpointOf(a.nodeKey);
        assertTrue(MagicSock.isMagic(bAtA));
        assertFalse(a.sock.pathOf(b.nodeKey).isDirect());

        long relayBefore = a.relay.sent();
        a.sendTo(bAtA, "first");
        Node.Received first = b.awaitPacket("first");
        assertEquals(aAtB, first.source(), "relay packet not reported with A's synthetic endpoint");
        assertTrue(a.relay.sent() > relayBefore, "first packet did not go through the relay");
        b.sendTo(aAtB, "reply");
        assertEquals(bAtA, a.awaitPacket("reply").source());

        settle();
        await("A trusts a direct path to B", () -> a.sock.pathOf(b.nodeKey).isDirect());
        assertEquals(b.address, a.sock.pathOf(b.nodeKey).direct());

        long relaySent = a.relay.sent();
        a.sendTo(bAtA, "direct");
        Node.Received direct = b.awaitPacket("direct");
        assertEquals(aAtB, direct.source(), "direct packet from a verified address not mapped to the peer");
        settle();
        assertEquals(relaySent, a.relay.sent(), "packet on a trusted path also went through the relay");

        PingResult pong = a.sock.ping(b.nodeKey, Duration.ofSeconds(5)).get(5, TimeUnit.SECONDS);
        assertEquals(b.address, pong.direct());
        assertTrue(a.sock.pathOf(b.nodeKey).describe().startsWith("direct "));
    }

    @Test
    void callMeMaybeLetsAPeerWithoutEndpointsFindThePath() throws Exception {
        start(false);
        Endpoint bAtA = a.sock.endpointOf(b.nodeKey);
        a.sendTo(bAtA, "hello");
        b.awaitPacket("hello");
        settle();
        // B had no endpoint for A: only A's call-me-maybe (via the relay) could make B ping A
        await("B learned A's address from call-me-maybe", () ->
                b.sock.pathOf(a.nodeKey).direct() != null || a.sock.pathOf(b.nodeKey).isDirect());
        b.sendTo(b.sock.endpointOf(a.nodeKey), "back");
        a.awaitPacket("back");
        await("B trusts the direct path", () -> b.sock.pathOf(a.nodeKey).isDirect());
        assertEquals(a.address, b.sock.pathOf(a.nodeKey).direct());
    }

    @Test
    void blockedPathFallsBackToRelayAndUpgradesWithinFiveSecondsOfUnblocking() throws Exception {
        start(true);
        Endpoint bAtA = a.sock.endpointOf(b.nodeKey);
        a.sendTo(bAtA, "p0");
        b.awaitPacket("p0");
        settle();
        await("direct", () -> a.sock.pathOf(b.nodeKey).isDirect());

        blocked = true;
        int n = 0;
        long start = clock.nanoTime();
        while (a.sock.pathOf(b.nodeKey).isDirect()) {
            a.sendTo(bAtA, "b" + n++);
            advance(Duration.ofMillis(500));
            assertTrue(clock.nanoTime() - start <= Duration.ofMillis(9_500).toNanos(),
                    "trust did not lapse within 6.5 s + one heartbeat");
        }
        long relayBefore = a.relay.sent();
        a.sendTo(bAtA, "via-relay");
        assertEquals(bAtA, b.awaitPacket("via-relay").source() == null ? null : bAtA);
        assertTrue(a.relay.sent() > relayBefore, "untrusted path did not use the relay");
        // stay blocked a while: discovery keeps failing, traffic keeps flowing through the relay
        for (int i = 0; i < 10; i++) {
            a.sendTo(bAtA, "r" + i);
            b.sendTo(b.sock.endpointOf(a.nodeKey), "s" + i);
            advance(Duration.ofMillis(500));
            b.awaitPacket("r" + i);
        }
        assertFalse(a.sock.pathOf(b.nodeKey).isDirect());

        blocked = false;
        long unblocked = clock.nanoTime();
        int k = 0;
        while (!a.sock.pathOf(b.nodeKey).isDirect() || !b.sock.pathOf(a.nodeKey).isDirect()) {
            a.sendTo(bAtA, "u" + k);
            b.sendTo(b.sock.endpointOf(a.nodeKey), "v" + k++);
            advance(Duration.ofMillis(100));
            assertTrue(clock.nanoTime() - unblocked <= Duration.ofSeconds(5).toNanos(),
                    "no upgrade to direct within 5 s of unblocking");
        }
        System.out.printf("relay -> direct after unblocking: %d ms (fake time)%n",
                (clock.nanoTime() - unblocked) / 1_000_000);
    }

    @Test
    void aPeerWithoutAKnownHomeIsReachedThroughTheRegionItUsed() throws Exception {
        start(true);
        blocked = true;
        a.sock.setPeers(List.of(new PeerSpec(b.nodeKey, b.sock.discoKey(), 0, List.of(b.address))));
        Endpoint bAtA = a.sock.endpointOf(b.nodeKey);
        long relayBefore = a.relay.sent();
        a.sendTo(bAtA, "held");
        settle();
        assertEquals(0, a.sock.pathOf(b.nodeKey).relayRegion(), "a region was invented");
        assertEquals(relayBefore, a.relay.sent(), "a packet without any region went to a relay");
        b.sendTo(b.sock.endpointOf(a.nodeKey), "from-b");
        a.awaitPacket("from-b");
        assertEquals(1, a.sock.pathOf(b.nodeKey).relayRegion());
        // the packet held while there was no path goes out through the region B was seen on
        b.awaitPacket("held");
        a.sendTo(bAtA, "answer");
        b.awaitPacket("answer");
    }

    @Test
    void packetsWithoutAnyPathAreHeldAndSentWhenThePeerGetsAHomeRelay() throws Exception {
        start(true);
        blocked = true;
        // B just appeared: control knows neither its home relay nor any endpoint yet
        a.sock.setPeers(List.of(new PeerSpec(b.nodeKey, b.sock.discoKey(), 0, List.of())));
        Endpoint bAtA = a.sock.endpointOf(b.nodeKey);
        long relayBefore = a.relay.sent();
        for (int i = 0; i < HeldPackets.MAX_HELD + 2; i++) {
            a.sendTo(bAtA, "h" + i);
        }
        advance(Duration.ofSeconds(1));
        assertEquals(relayBefore, a.relay.sent(), "a packet without any path was sent somewhere");
        assertTrue(b.received.isEmpty(), "a packet without any path arrived");

        // the next map gives B a home relay: the newest MAX_HELD packets go out at once, in order
        a.sock.setPeers(List.of(new PeerSpec(b.nodeKey, b.sock.discoKey(), 1, List.of())));
        for (int i = 2; i < HeldPackets.MAX_HELD + 2; i++) {
            assertEquals("h" + i, tag(b.received.poll(5, TimeUnit.SECONDS)), "held packet " + i);
        }
        settle();
        assertTrue(b.received.stream().noneMatch(r -> tag(r).equals("h0") || tag(r).equals("h1")),
                "more than MAX_HELD packets were held");
    }

    @Test
    void heldPacketsExpire() throws Exception {
        start(true);
        blocked = true;
        a.sock.setPeers(List.of(new PeerSpec(b.nodeKey, b.sock.discoKey(), 0, List.of())));
        Endpoint bAtA = a.sock.endpointOf(b.nodeKey);
        a.sendTo(bAtA, "stale");
        advance(Duration.ofNanos(HeldPackets.MAX_AGE_NANOS + 1));
        a.sendTo(bAtA, "fresh");
        a.sock.setPeers(List.of(new PeerSpec(b.nodeKey, b.sock.discoKey(), 1, List.of())));
        assertEquals("fresh", tag(b.received.poll(5, TimeUnit.SECONDS)), "an expired packet was sent first");
        settle();
        assertTrue(b.received.isEmpty(), "an expired packet was sent");
    }

    private static String tag(Node.Received r) {
        assertNotNull(r, "no packet");
        return new String(r.bytes(), 16, r.bytes().length - 16);
    }

    @Test
    void reStunsEvery20To26SecondsOnlyWhileActiveAndAtOnceWhenAPeerWakesUp() throws Exception {
        start(true);
        var first = a.sock.lastReport();
        for (int i = 0; i < 60; i++) {
            advance(Duration.ofSeconds(1));
        }
        assertTrue(first == a.sock.lastReport(), "re-STUN while no peer was active");
        a.sendTo(a.sock.endpointOf(b.nodeKey), "wake");
        advance(Duration.ZERO);
        await("re-STUN when a peer became active with stale endpoints", () -> a.sock.lastReport() != first);
        var second = a.sock.lastReport();
        for (int i = 0; i < 27; i++) {
            a.sendTo(a.sock.endpointOf(b.nodeKey), "keep" + i);
            advance(Duration.ofSeconds(1));
        }
        await("periodic re-STUN while active", () -> a.sock.lastReport() != second);
    }

    @Test
    void reStunsEveryThreeSecondsWhileAnActivePeerIsRelayed() throws Exception {
        start(true);
        blocked = true; // no direct path: traffic stays on the relay
        Endpoint bAtA = a.sock.endpointOf(b.nodeKey);
        var last = a.sock.lastReport();
        int restuns = 0;
        for (int i = 0; i < 16; i++) {
            a.sendTo(bAtA, "r" + i);
            advance(Duration.ofMillis(500));
            var now = a.sock.lastReport();
            if (now != last) {
                restuns++;
                last = now;
            }
        }
        // 8 s relayed: a 20–26 s re-STUN would give none; one every 3 s gives at least two
        assertTrue(restuns >= 2, "only " + restuns + " re-STUNs in 8 s while relayed");
        assertFalse(a.sock.pathOf(b.nodeKey).isDirect());
    }

    @Test
    void networkChangeForgetsTrustRebindsAndRediscovers() throws Exception {
        start(true);
        Endpoint bAtA = a.sock.endpointOf(b.nodeKey);
        a.sendTo(bAtA, "x");
        b.awaitPacket("x");
        settle();
        await("direct", () -> a.sock.pathOf(b.nodeKey).isDirect());
        int port = a.sock.bind().port();
        assertEquals(0, a.relay.reconnects());
        blocked = true; // the network change re-pings at once: keep the answers away to see trust gone
        a.sock.networkChanged();
        assertEquals(1, a.relay.reconnects(), "a network change did not re-dial the relay links");
        assertFalse(a.sock.pathOf(b.nodeKey).isDirect(), "trust survived a network change");
        blocked = false;
        assertEquals(port, a.sock.bind().port(), "rebind changed the port");
        a.sendTo(bAtA, "after");
        b.awaitPacket("after");
        for (int i = 0; i < 20 && !a.sock.pathOf(b.nodeKey).isDirect(); i++) {
            advance(Duration.ofMillis(250));
        }
        assertTrue(a.sock.pathOf(b.nodeKey).isDirect(), "no direct path after the network change");
        a.sendTo(bAtA, "still-receiving");
        b.sendTo(b.sock.endpointOf(a.nodeKey), "to-rebound");
        a.awaitPacket("to-rebound");
    }

    @Test
    void unknownSourcesPassThroughJunkIsDroppedAndRemovedPeersLoseTheirEndpoint() throws Exception {
        start(true);
        var stranger = net.bind(dev.warren.wire.net.IpAddresses.parse("203.0.113.50"));
        stranger.open(999);
        byte[] tag = "stranger".getBytes();
        byte[] wg = new byte[16 + tag.length];
        wg[0] = 4;
        System.arraycopy(tag, 0, wg, 16, tag.length);
        var pb = dev.warren.wire.datapath.PacketBuffer.allocate(64);
        pb.copyFrom(new byte[]{(byte) 0x99, 1, 2, 3, 4, 5}, 0, 0, 6);
        pb.set(0, 6);
        stranger.send(new dev.warren.wire.datapath.PacketBuffer[]{pb}, 0, 1, Endpoint.of(a.address));
        pb.copyFrom(wg, 0, 0, wg.length);
        pb.set(0, wg.length);
        stranger.send(new dev.warren.wire.datapath.PacketBuffer[]{pb}, 0, 1, Endpoint.of(a.address));
        Node.Received r = a.awaitPacket("stranger");
        assertEquals(Endpoint.parse("203.0.113.50:999"), r.source(), "unknown source not passed through");
        assertNull(a.received.poll(), "junk reached the engine");
        stranger.close();

        a.sock.setPeers(List.of());
        assertNull(a.sock.endpointOf(b.nodeKey));
        assertNull(a.sock.pathOf(b.nodeKey));
        assertNotNull(b.sock.endpointOf(a.nodeKey));
        InetSocketAddress unused = b.address;
        assertNotNull(unused);
    }

    @Test
    void loopbackAndLinkLocalAddressesAreNeverAdvertised() throws Exception {
        List<java.net.InetAddress> locals = List.of(java.net.InetAddress.ofLiteral("127.0.0.1"),
                java.net.InetAddress.ofLiteral("::1"), java.net.InetAddress.ofLiteral("fe80::1"),
                java.net.InetAddress.ofLiteral("169.254.7.7"), java.net.InetAddress.ofLiteral("0.0.0.0"),
                java.net.InetAddress.ofLiteral("192.0.2.9"));
        var udp = net.bind(dev.warren.wire.net.IpAddresses.parse("192.0.2.9"));
        var key = dev.warren.wire.key.NodeKey.of(dev.warren.crypto.X25519.publicKey(
                dev.warren.crypto.X25519.generatePrivateKey()));
        try (MagicSock s = new MagicSock(new MagicSock.Config(key, udp, hub.attach(key.publicKey()), clock,
                scheduler, () -> locals, null, null))) {
            int port = s.bind().open(41641).port();
            assertEquals(List.of(new InetSocketAddress("192.0.2.9", port)), s.localEndpoints());
        }
    }
}
