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
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Real WireGuard over magicsock: two {@link Device}s whose binds are MagicBinds on an in-memory network and relay.
 * The handshake and first packets travel through the relay; once disco proves the direct path, data moves to it and
 * the relay carries nothing more; the engines' peer endpoints stay the synthetic ones throughout.
 */
class WireguardOverMagicTest {
    private static final byte[] A_IP = IpAddresses.parse("10.0.0.1");
    private static final byte[] B_IP = IpAddresses.parse("10.0.0.2");
    private static final Duration WAIT = Duration.ofSeconds(5);

    private record Side(PrivateKey key, NodeKey nodeKey, InMemoryRelay.Link relay, MagicSock sock, ChannelTun tun,
                        InetSocketAddress address) {
    }

    private static Side side(ChannelNetwork net, InMemoryRelay hub, ManualScheduler sched, String ip, String tun)
            throws Exception {
        PrivateKey k = X25519.generatePrivateKey();
        NodeKey nk = NodeKey.of(X25519.publicKey(k));
        ChannelBind udp = net.bind(IpAddresses.parse(ip));
        InMemoryRelay.Link link = hub.attach(nk.publicKey());
        InetAddress local = InetAddress.ofLiteral(ip);
        MagicSock s = new MagicSock(new MagicSock.Config(nk, udp, link, sched.clock(), sched, () -> List.of(local),
                null, null));
        s.setRelayMap(MagicSockTest.RELAYS);
        return new Side(k, nk, link, s, new ChannelTun(tun), new InetSocketAddress(local, 51820));
    }

    private static SetRequest config(Side me, Side peer, String allowed) {
        Endpoint ep = me.sock().endpointOf(peer.nodeKey());
        return new SetRequest(me.key(), 51820, null, false, List.of(new PeerChange(peer.nodeKey().publicKey(), false,
                false, PresharedKey.NONE, ep, null, true, List.of(IpPrefix.parse(allowed)), List.of())));
    }

    private static void await(String what, BooleanSupplier c) throws InterruptedException {
        long end = System.nanoTime() + WAIT.toNanos();
        while (!c.getAsBoolean()) {
            if (System.nanoTime() > end) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(2);
        }
    }

    @Test
    void handshakeAndPingsGoThroughTheRelayThenDirect() throws Exception {
        FakeClock clock = new FakeClock();
        ManualScheduler sched = new ManualScheduler(clock);
        ChannelNetwork net = new ChannelNetwork();
        try (InMemoryRelay hub = new InMemoryRelay()) {
            Side a = side(net, hub, sched, "192.0.2.1", "wga");
            Side b = side(net, hub, sched, "198.51.100.2", "wgb");
            a.sock().setPeers(List.of(new PeerSpec(b.nodeKey(), b.sock().discoKey(), 1, List.of(b.address()))));
            b.sock().setPeers(List.of(new PeerSpec(a.nodeKey(), a.sock().discoKey(), 1, List.of(a.address()))));
            Device da = Device.start(a.tun(), a.sock().bind(), Device.Options.defaults(sched, "a").withClock(clock)
                    .withCryptoWorkers(1));
            Device db = Device.start(b.tun(), b.sock().bind(), Device.Options.defaults(sched, "b").withClock(clock)
                    .withCryptoWorkers(0));
            try {
                da.apply(config(a, b, "10.0.0.2/32"));
                db.apply(config(b, a, "10.0.0.1/32"));

                byte[] p = Packets.udp4(A_IP, B_IP, 1000, 2000, "over-the-relay".getBytes());
                a.tun().inject(p);
                assertArrayEquals(p, b.tun().take(WAIT), "first packet (after a relayed handshake) lost");
                assertTrue(a.relay().sent() > 0 && b.relay().received() > 0, "nothing went through the relay");
                byte[] r = Packets.udp4(B_IP, A_IP, 2000, 1000, "reply".getBytes());
                b.tun().inject(r);
                assertArrayEquals(r, a.tun().take(WAIT));

                hub.awaitIdle(2000);
                await("A direct to B", () -> a.sock().pathOf(b.nodeKey()).isDirect());
                await("B direct to A", () -> b.sock().pathOf(a.nodeKey()).isDirect());

                long relayA = a.relay().sent();
                long relayB = b.relay().sent();
                for (int i = 0; i < 20; i++) {
                    byte[] q = Packets.udp4(A_IP, B_IP, 1000, 2000, ("direct-" + i).getBytes());
                    a.tun().inject(q);
                    assertArrayEquals(q, b.tun().take(WAIT));
                    byte[] s = Packets.udp4(B_IP, A_IP, 2000, 1000, ("back-" + i).getBytes());
                    b.tun().inject(s);
                    assertArrayEquals(s, a.tun().take(WAIT));
                }
                hub.awaitIdle(2000);
                assertEquals(relayA, a.relay().sent(), "A still used the relay on a trusted direct path");
                assertEquals(relayB, b.relay().sent(), "B still used the relay on a trusted direct path");
                assertEquals(a.sock().endpointOf(b.nodeKey()), da.state().peers().getFirst().endpoint(),
                        "engine roamed away from the synthetic endpoint");
                assertEquals(b.sock().endpointOf(a.nodeKey()), db.state().peers().getFirst().endpoint());
            } finally {
                da.close();
                db.close();
                a.sock().close();
                b.sock().close();
            }
        }
    }
}
