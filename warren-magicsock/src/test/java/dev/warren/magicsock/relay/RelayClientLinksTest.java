package dev.warren.magicsock.relay;

import dev.warren.crypto.X25519;
import dev.warren.magicsock.MagicSock;
import dev.warren.magicsock.PeerSpec;
import dev.warren.magicsock.netcheck.NetcheckReport;
import dev.warren.net.udp.DatagramChannelBind;
import dev.warren.relay.server.RelayServer;
import dev.warren.relay.server.RelayServerConfig;
import dev.warren.wire.control.RelayMap;
import dev.warren.wire.datapath.Bind;
import dev.warren.wire.datapath.Endpoint;
import dev.warren.wire.datapath.PacketBuffer;
import dev.warren.wire.key.NodeKey;
import dev.warren.wire.key.PrivateKey;
import dev.warren.wire.time.Clock;
import dev.warren.wire.time.ExecutorScheduler;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.channels.ClosedChannelException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Two magicsocks whose only working path is a real warren-relay server on loopback (their advertised endpoints are
 * unreachable TEST-NET addresses): netcheck measures the region over the relay link and makes it home, WireGuard
 * packets and disco cross the relay, and the receiver sees the sender's synthetic endpoint.
 */
class RelayClientLinksTest {
    private record Side(NodeKey key, MagicSock sock, RelayClientLinks links, LinkedBlockingQueue<PacketCopy> got,
                        Thread reader) implements AutoCloseable {
        @Override
        public void close() throws InterruptedException {
            sock.close();
            reader.join(2000);
        }
    }

    private record PacketCopy(Endpoint source, byte[] bytes) {
    }

    private static Side side(ExecutorScheduler sched, RelayMap map) throws IOException {
        PrivateKey k = X25519.generatePrivateKey();
        NodeKey nk = NodeKey.of(X25519.publicKey(k));
        RelayClientLinks links = new RelayClientLinks(k, null, Clock.system(), sched);
        MagicSock s = new MagicSock(new MagicSock.Config(nk, new DatagramChannelBind(), links, Clock.system(), sched,
                () -> List.of(InetAddress.ofLiteral("192.0.2.77")), null, null));
        s.setRelayMap(map);
        Bind.Opened o = s.bind().open(0);
        LinkedBlockingQueue<PacketCopy> got = new LinkedBlockingQueue<>();
        Bind.Receiver relayReceiver = o.receivers().getLast();
        Thread t = Thread.ofVirtual().start(() -> {
            PacketBuffer[] bufs = {PacketBuffer.allocate(2048)};
            while (true) {
                try {
                    if (relayReceiver.receive(bufs, 1) == 1) {
                        got.add(new PacketCopy(bufs[0].source(), bufs[0].toByteArray()));
                    }
                } catch (ClosedChannelException e) {
                    return;
                } catch (IOException e) {
                    // keep reading
                }
            }
        });
        return new Side(nk, s, links, got, t);
    }

    @Test
    void packetsCrossARealRelayAndTheRegionBecomesHome() throws Exception {
        try (ExecutorScheduler sched = new ExecutorScheduler("relay-links-test");
             RelayServer server = RelayServer.start(RelayServerConfig.of("127.0.0.1", 0, X25519.generatePrivateKey(),
                     Clock.system(), sched))) {
            RelayMap map = new RelayMap(List.of(new RelayMap.RelayRegion(7, "lo", "loopback", List.of(
                    new RelayMap.RelayNode("lo1", "localhost", "127.0.0.1", null, server.address().getPort(), 0,
                            false)))));
            try (Side a = side(sched, map); Side b = side(sched, map)) {
                b.sock().netcheck().get(10, TimeUnit.SECONDS);
                // A sends at once: its link to region 7 may still be dialling; the packet must wait, not vanish
                a.sock().setPeers(List.of(new PeerSpec(b.key(), b.sock().discoKey(), 7, List.of())));
                b.sock().setPeers(List.of(new PeerSpec(a.key(), a.sock().discoKey(), 7, List.of())));
                PacketBuffer early = PacketBuffer.allocate(64);
                early.putByte(0, 4);
                early.putIntLE(16, 0x99);
                early.set(0, 32);
                a.sock().bind().send(new PacketBuffer[]{early}, 0, 1, a.sock().endpointOf(b.key()));
                PacketCopy e = b.got().poll(5, TimeUnit.SECONDS);
                assertNotNull(e, "the first packet was lost while the relay link connected");
                assertEquals(0x99, java.nio.ByteBuffer.wrap(e.bytes()).order(java.nio.ByteOrder.LITTLE_ENDIAN)
                        .getInt(16));
                NetcheckReport r = a.sock().netcheck().get(10, TimeUnit.SECONDS);
                assertFalse(r.udp());
                assertEquals(7, r.preferredRegion(), r.toText());
                assertEquals("relay", r.regions().getFirst().via());
                assertEquals(List.of(7), a.links().openRegions());
                PacketBuffer p = PacketBuffer.allocate(64);
                p.putByte(0, 4);
                p.putIntLE(16, 0x1234);
                p.set(0, 32);
                a.sock().bind().send(new PacketBuffer[]{p}, 0, 1, a.sock().endpointOf(b.key()));
                PacketCopy c = b.got().poll(5, TimeUnit.SECONDS);
                assertNotNull(c, "packet did not cross the relay");
                assertEquals(b.sock().endpointOf(a.key()), c.source());
                assertEquals(32, c.bytes().length);
                // an engine batch crosses as one relay batch and reaches b's engine whole and in order
                PacketBuffer[] batch = new PacketBuffer[20];
                for (int i = 0; i < batch.length; i++) {
                    batch[i] = PacketBuffer.allocate(256);
                    batch[i].putByte(0, 4);
                    batch[i].putIntLE(16, 1000 + i);
                    batch[i].set(0, 100 + i);
                }
                a.sock().bind().send(batch, 0, batch.length, a.sock().endpointOf(b.key()));
                for (int i = 0; i < batch.length; i++) {
                    PacketCopy q = b.got().poll(5, TimeUnit.SECONDS);
                    assertNotNull(q, "batch packet " + i + " did not cross the relay");
                    assertEquals(100 + i, q.bytes().length);
                    assertEquals(1000 + i, java.nio.ByteBuffer.wrap(q.bytes())
                            .order(java.nio.ByteOrder.LITTLE_ENDIAN).getInt(16), "batch packet " + i + " in order");
                }
                var pong = a.sock().ping(b.key(), Duration.ofSeconds(3)).get(5, TimeUnit.SECONDS);
                assertEquals(null, pong.direct());
                assertEquals("relay lo", a.sock().pathOf(b.key()).describe());
                assertEquals("lo", pong.relayCode());
                assertTrue(pong.describe().startsWith("pong via relay lo in "), pong.describe());
                System.out.println("over the real relay: " + pong.describe());
            }
        }
    }

    @Test
    void idleNonHomeLinksCloseAfterAMinuteAndTheHomeStays() throws Exception {
        try (ExecutorScheduler serverSched = new ExecutorScheduler("relay-links-idle");
             RelayServer s1 = RelayServer.start(RelayServerConfig.of("127.0.0.1", 0, X25519.generatePrivateKey(),
                     Clock.system(), serverSched));
             RelayServer s2 = RelayServer.start(RelayServerConfig.of("127.0.0.1", 0, X25519.generatePrivateKey(),
                     Clock.system(), serverSched))) {
            RelayMap map = new RelayMap(List.of(
                    new RelayMap.RelayRegion(1, "one", null, List.of(new RelayMap.RelayNode("r1", "localhost",
                            "127.0.0.1", null, s1.address().getPort(), 0, false))),
                    new RelayMap.RelayRegion(2, "two", null, List.of(new RelayMap.RelayNode("r2", "localhost",
                            "127.0.0.1", null, s2.address().getPort(), 0, false)))));
            dev.warren.testing.FakeClock clock = new dev.warren.testing.FakeClock();
            dev.warren.testing.ManualScheduler sched = new dev.warren.testing.ManualScheduler(clock);
            RelayClientLinks links = new RelayClientLinks(X25519.generatePrivateKey(), null, clock, sched);
            links.start((region, src, b, off, len) -> { });
            links.setRelayMap(map);
            links.setHome(1);
            links.send(2, X25519.publicKey(X25519.generatePrivateKey()), new byte[]{4, 0, 0, 0}, 0, 4);
            assertEquals(java.util.Set.of(1, 2), java.util.Set.copyOf(links.openRegions()));
            sched.advance(Duration.ofSeconds(45));
            assertEquals(2, links.openRegions().size(), "closed before a minute idle");
            sched.advance(Duration.ofSeconds(31));
            assertEquals(List.of(1), links.openRegions(), "idle non-home link kept, or home closed");
            links.setRelayMap(new RelayMap(List.of(map.regions().get(1))));
            assertEquals(List.of(), links.openRegions(), "link to a vanished region kept");
            assertFalse(links.send(1, X25519.publicKey(X25519.generatePrivateKey()), new byte[4], 0, 4));
            links.close();
        }
    }

    @Test
    void reconnectClosesEveryLinkAndDialsThemAgain() throws Exception {
        try (ExecutorScheduler serverSched = new ExecutorScheduler("relay-links-reconnect");
             RelayServer s1 = RelayServer.start(RelayServerConfig.of("127.0.0.1", 0, X25519.generatePrivateKey(),
                     Clock.system(), serverSched));
             RelayServer s2 = RelayServer.start(RelayServerConfig.of("127.0.0.1", 0, X25519.generatePrivateKey(),
                     Clock.system(), serverSched))) {
            RelayMap map = new RelayMap(List.of(
                    new RelayMap.RelayRegion(1, "one", null, List.of(new RelayMap.RelayNode("r1", "localhost",
                            "127.0.0.1", null, s1.address().getPort(), 0, false))),
                    new RelayMap.RelayRegion(2, "two", null, List.of(new RelayMap.RelayNode("r2", "localhost",
                            "127.0.0.1", null, s2.address().getPort(), 0, false)))));
            dev.warren.testing.FakeClock clock = new dev.warren.testing.FakeClock();
            dev.warren.testing.ManualScheduler sched = new dev.warren.testing.ManualScheduler(clock);
            RelayClientLinks links = new RelayClientLinks(X25519.generatePrivateKey(), null, clock, sched);
            links.start((region, src, b, off, len) -> { });
            links.setRelayMap(map);
            links.setHome(1);
            links.send(2, X25519.publicKey(X25519.generatePrivateKey()), new byte[]{4, 0, 0, 0}, 0, 4);
            links.ping(1, Duration.ofSeconds(5));
            links.ping(2, Duration.ofSeconds(5));
            assertEquals(2, links.dials());

            links.reconnect();
            assertEquals(4, links.dials(), "not every link was dialled again");
            assertEquals(java.util.Set.of(1, 2), java.util.Set.copyOf(links.openRegions()));
            assertNotNull(links.ping(1, Duration.ofSeconds(5)), "the new home link does not work");
            assertNotNull(links.ping(2, Duration.ofSeconds(5)));
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while ((s1.stats().clients() != 1 || s2.stats().clients() != 1) && System.nanoTime() < end) {
                Thread.sleep(5);
            }
            assertEquals(1, s1.stats().clients(), "the old connection was not closed");
            assertEquals(1, s2.stats().clients(), "the old connection was not closed");
            links.close();
        }
    }
}
