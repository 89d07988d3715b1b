package dev.warren.magicsock;

import dev.warren.crypto.X25519;
import dev.warren.magicsock.relay.InMemoryRelay;
import dev.warren.testing.ChannelBind;
import dev.warren.testing.ChannelNetwork;
import dev.warren.testing.ChannelTun;
import dev.warren.testing.FakeClock;
import dev.warren.testing.ManualScheduler;
import dev.warren.testing.Packets;
import dev.warren.wire.datapath.Endpoint;
import dev.warren.wire.key.NodeKey;
import dev.warren.wire.key.PresharedKey;
import dev.warren.wire.key.PrivateKey;
import dev.warren.wire.net.IpAddresses;
import dev.warren.wire.net.IpPrefix;
import dev.warren.wireguard.Device;
import dev.warren.wireguard.uapi.PeerChange;
import dev.warren.wireguard.uapi.SetRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Two fresh peers with no relay at all (empty relay map, as in a lab without relays): one learns of the other a few
 * milliseconds before the other learns of it, the usual order of two map deltas. The first handshake initiation
 * and disco ping of the early side reach a peer that does not know it yet and are dropped there; the late side
 * must then start disco at once, and the early side's held packets must go out on the first proof of a path, so the
 * first reply arrives within 1 s (fake time) instead of after WireGuard's 5 s handshake retry.
 */
class NewPeerWithoutRelayTest {
    private static final byte[] A_IP = IpAddresses.parse("10.0.0.1");
    private static final byte[] B_IP = IpAddresses.parse("10.0.0.2");
    private static final long STEP_MILLIS = 50;

    private final FakeClock clock = new FakeClock();
    private final ManualScheduler sched = new ManualScheduler(clock);
    private final ChannelNetwork net = new ChannelNetwork();
    private final InMemoryRelay hub = new InMemoryRelay();
    private volatile boolean blocked;

    @AfterEach
    void closeHub() {
        hub.close();
    }

    private record Side(PrivateKey key, NodeKey nodeKey, MagicSock sock, ChannelTun tun, InetSocketAddress address) {
    }

    private Side side(String ip, String tun) throws Exception {
        PrivateKey k = X25519.generatePrivateKey();
        NodeKey nk = NodeKey.of(X25519.publicKey(k));
        ChannelBind udp = net.bind(IpAddresses.parse(ip));
        InetAddress local = InetAddress.ofLiteral(ip);
        // no relay map: the relay links exist but no region is ever known, so no peer has a relay path
        MagicSock s = new MagicSock(new MagicSock.Config(nk, udp, hub.attach(nk.publicKey()), clock, sched,
                () -> List.of(local), null, null));
        return new Side(k, nk, s, new ChannelTun(tun), new InetSocketAddress(local, 51820));
    }

    private static SetRequest config(Side me, Side peer, String allowed) {
        Endpoint ep = me.sock().endpointOf(peer.nodeKey());
        return new SetRequest(me.key(), 51820, null, false, List.of(new PeerChange(peer.nodeKey().publicKey(), false,
                false, PresharedKey.NONE, ep, null, true, List.of(IpPrefix.parse(allowed)), List.of())));
    }

    /** Advances fake time in 50 ms steps (letting real threads run) until {@code tun} delivers a packet. */
    private long fakeMillisUntil(ChannelTun tun, byte[] expected, long limitMillis) throws InterruptedException {
        long start = clock.nanoTime();
        while (true) {
            byte[] got = tun.take(Duration.ofMillis(30));
            if (got != null) {
                assertTrue(Arrays.equals(expected, got), "unexpected packet");
                return TimeUnit.NANOSECONDS.toMillis(clock.nanoTime() - start);
            }
            long elapsed = TimeUnit.NANOSECONDS.toMillis(clock.nanoTime() - start);
            if (elapsed >= limitMillis) {
                return elapsed;
            }
            sched.advance(Duration.ofMillis(STEP_MILLIS));
        }
    }

    @Test
    void twoFreshPeersWithoutARelayExchangeTheFirstReplyWithinOneSecond() throws Exception {
        Side a = side("192.0.2.1", "wga");
        Side b = side("198.51.100.2", "wgb");
        Device da = Device.start(a.tun(), a.sock().bind(), Device.Options.defaults(sched, "a").withClock(clock)
                .withCryptoWorkers(1));
        Device db = Device.start(b.tun(), b.sock().bind(), Device.Options.defaults(sched, "b").withClock(clock)
                .withCryptoWorkers(0));
        try {
            // B is up on its port with no peers; A's map delta arrives first: A knows B, B does not know A yet
            db.apply(new SetRequest(b.key(), 51820, null, false, List.of()));
            a.sock().setPeers(List.of(new PeerSpec(b.nodeKey(), b.sock().discoKey(), 0, List.of(b.address()))));
            da.apply(config(a, b, "10.0.0.2/32"));
            byte[] p = Packets.udp4(A_IP, B_IP, 1000, 2000, "first".getBytes());
            a.tun().inject(p);
            Thread.sleep(100); // A's initiation and disco pings reach B, which drops them: it does not know A

            sched.advance(Duration.ofMillis(10));
            b.sock().setPeers(List.of(new PeerSpec(a.nodeKey(), a.sock().discoKey(), 0, List.of(a.address()))));
            db.apply(config(b, a, "10.0.0.1/32"));

            long firstAt = fakeMillisUntil(b.tun(), p, 6_000);
            byte[] r = Packets.udp4(B_IP, A_IP, 2000, 1000, "reply".getBytes());
            b.tun().inject(r);
            long replyAt = firstAt + fakeMillisUntil(a.tun(), r, 6_000);
            assertTrue(replyAt <= 1_000, "first reply took " + replyAt + " ms (fake time) after B learned of A"
                    + " (first packet at " + firstAt + " ms)");
            assertEquals(0, a.sock().pathOf(b.nodeKey()).relayRegion(), "a relay region was invented");
        } finally {
            da.close();
            db.close();
            a.sock().close();
            b.sock().close();
        }
    }

    @Test
    void heldPacketsAreReleasedToTheAddressThePeersFirstPingCameFrom() throws Exception {
        net.dropWhen(x -> blocked);
        Node a = new Node(net, hub, sched, "192.0.2.1", 41641);
        Node b = new Node(net, hub, sched, "198.51.100.2", 41641);
        long t0 = clock.nanoTime();
        try {
            // A learned of B before control had any endpoint for it: no candidate, no relay, nothing to send to
            a.sock.setPeers(List.of(new PeerSpec(b.nodeKey, b.sock.discoKey(), 0, List.of())));
            Endpoint bAtA = a.sock.endpointOf(b.nodeKey);
            a.sendTo(bAtA, "held-1");
            a.sendTo(bAtA, "held-2");
            Thread.sleep(50);
            assertTrue(b.received.isEmpty(), "a packet without any path arrived");

            // B learns of A: its disco pings A at once; the ping is the first proof A gets of where B is
            b.sock.setPeers(List.of(new PeerSpec(a.nodeKey, a.sock.discoKey(), 0, List.of(a.address))));
            sched.advance(Duration.ZERO); // the discovery task setPeers scheduled (no time passes)
            Node.Received first = b.awaitPacket("held-1");
            // A answered the ping (the pong, sent before the held packets, verified A's address at B)
            assertEquals(b.sock.endpointOf(a.nodeKey), first.source(), "held packet not from A's verified address");
            b.awaitPacket("held-2");
            assertEquals(t0, clock.nanoTime(), "the release waited for a timer");
            // the copies stayed held (B's engine may not have known A yet): A's pong proves the path and they go
            // along it once more
            b.awaitPacket("held-1");
            b.awaitPacket("held-2");
            // A pinged B back when B's ping arrived: its pong proves the direct path on both sides
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (!(a.sock.pathOf(b.nodeKey).isDirect() && b.sock.pathOf(a.nodeKey).isDirect())) {
                assertTrue(System.nanoTime() < end, "no direct path after the first ping");
                Thread.sleep(5);
            }
            a.sendTo(bAtA, "after");
            assertEquals(b.sock.endpointOf(a.nodeKey), b.awaitPacket("after").source());
        } finally {
            a.close();
            b.close();
        }
    }
}
