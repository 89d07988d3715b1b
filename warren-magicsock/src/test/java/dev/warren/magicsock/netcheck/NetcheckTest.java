package dev.warren.magicsock.netcheck;

import dev.warren.crypto.X25519;
import dev.warren.magicsock.MagicSock;
import dev.warren.magicsock.relay.InMemoryRelay;
import dev.warren.net.udp.DatagramChannelBind;
import dev.warren.wire.control.RelayMap;
import dev.warren.wire.datapath.Bind;
import dev.warren.wire.datapath.PacketBuffer;
import dev.warren.wire.key.NodeKey;
import dev.warren.wire.time.Clock;
import dev.warren.wire.time.ExecutorScheduler;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.channels.ClosedChannelException;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** netcheck from a magicsock's real loopback UDP socket against in-test STUN servers. */
class NetcheckTest {
    private static RelayMap map(int port1, int port2) {
        return new RelayMap(List.of(
                new RelayMap.RelayRegion(1, "fra", "Frankfurt", List.of(
                        new RelayMap.RelayNode("fra1", "localhost", "127.0.0.1", null, 443, port1, true))),
                new RelayMap.RelayRegion(2, "nyc", "New York", List.of(
                        new RelayMap.RelayNode("nyc1", "localhost", "127.0.0.1", null, 443, port2, true)))));
    }

    /** A magicsock on loopback with a reader thread playing the engine. */
    private record Rig(MagicSock sock, InMemoryRelay hub, ExecutorScheduler scheduler, Thread reader)
            implements AutoCloseable {
        static Rig start() throws IOException {
            return start(InetAddress.getLoopbackAddress());
        }

        static Rig start(InetAddress local) throws IOException {
            InMemoryRelay hub = new InMemoryRelay();
            ExecutorScheduler sched = new ExecutorScheduler("netcheck-test");
            NodeKey self = NodeKey.of(X25519.publicKey(X25519.generatePrivateKey()));
            MagicSock sock = new MagicSock(new MagicSock.Config(self, new DatagramChannelBind(),
                    hub.attach(self.publicKey()), Clock.system(), sched,
                    () -> List.of(local), null, null));
            Bind.Opened o = sock.bind().open(0);
            Thread t = Thread.ofVirtual().start(() -> {
                PacketBuffer[] bufs = {PacketBuffer.allocate(2048)};
                while (true) {
                    try {
                        o.receivers().getFirst().receive(bufs, 1);
                    } catch (ClosedChannelException e) {
                        return;
                    } catch (IOException e) {
                        // keep reading
                    }
                }
            });
            return new Rig(sock, hub, sched, t);
        }

        @Override
        public void close() throws Exception {
            sock.close();
            reader.join(2000);
            scheduler.close();
            hub.close();
        }
    }

    @Test
    void twoServersSeeingDifferentPortsMeanHardNat() throws Exception {
        try (StunServer s1 = new StunServer(40001); StunServer s2 = new StunServer(40002);
             Rig rig = Rig.start(InetAddress.ofLiteral("192.0.2.50"))) {
            rig.sock().setRelayMap(map(s1.port(), s2.port()));
            NetcheckReport r = rig.sock().netcheck().get(5, TimeUnit.SECONDS);
            assertTrue(r.udp());
            assertTrue(r.ipv4());
            assertFalse(r.ipv6());
            assertEquals(Boolean.TRUE, r.mappingVariesByDestIP());
            assertTrue(r.globalV4().equals("127.0.0.1:40001") || r.globalV4().equals("127.0.0.1:40002"), r.globalV4());
            assertTrue(r.preferredRegion() == 1 || r.preferredRegion() == 2);
            assertEquals("stun", r.regions().getFirst().via());
            assertTrue(rig.sock().localEndpoints().stream().anyMatch(e -> e.getPort() == 40001 || e.getPort() == 40002),
                    "STUN-observed address not among the endpoints: " + rig.sock().localEndpoints());
            assertTrue(rig.sock().localEndpoints().contains(new java.net.InetSocketAddress("127.0.0.1",
                    rig.sock().bind().port())), "hard NAT: public IPv4 with our own port missing");
            JsonNode json = new ObjectMapper().readTree(r.toJson());
            assertTrue(json.get("mappingVariesByDestIP").asBoolean());
            assertEquals(2, json.get("regions").size());
            assertTrue(r.toText().contains("MappingVariesByDestIP: true"), r.toText());
        }
    }

    @Test
    void oneStunServerCannotTellTheNatSoThePublicAddressWithOurOwnPortIsACandidate() throws Exception {
        try (StunServer s1 = new StunServer(40003); Rig rig = Rig.start(InetAddress.ofLiteral("192.0.2.51"))) {
            rig.sock().setRelayMap(new RelayMap(List.of(new RelayMap.RelayRegion(1, "fra", "Frankfurt", List.of(
                    new RelayMap.RelayNode("fra1", "localhost", "127.0.0.1", null, 443, s1.port(), true))))));
            NetcheckReport r = rig.sock().netcheck().get(5, TimeUnit.SECONDS);
            assertEquals(null, r.mappingVariesByDestIP(), "one server cannot tell the mapping behaviour");
            assertEquals("127.0.0.1:40003", r.globalV4());
            List<java.net.InetSocketAddress> eps = rig.sock().localEndpoints();
            assertTrue(eps.contains(new java.net.InetSocketAddress("127.0.0.1", 40003)), eps.toString());
            // a NAT that turned from hard to easy (port-preserving) maps our own port to the same public port
            assertTrue(eps.contains(new java.net.InetSocketAddress("127.0.0.1", rig.sock().bind().port())),
                    "unknown NAT: public IPv4 with our own port missing: " + eps);
        }
    }

    @Test
    void serversSeeingTheSameMappingMeanEasyNatAndTheSocketsOwnPort() throws Exception {
        try (StunServer s1 = new StunServer(0); StunServer s2 = new StunServer(0); Rig rig = Rig.start()) {
            rig.sock().setRelayMap(map(s1.port(), s2.port()));
            NetcheckReport r = rig.sock().netcheck().get(5, TimeUnit.SECONDS);
            assertEquals(Boolean.FALSE, r.mappingVariesByDestIP());
            assertEquals("127.0.0.1:" + rig.sock().bind().port(), r.globalV4(),
                    "STUN was not sent from the magicsock socket");
        }
    }

    @Test
    void silentServersFallBackToRelayLatencyAndRetryThreeTimes() throws Exception {
        try (StunServer s1 = new StunServer(0); StunServer s2 = new StunServer(0); Rig rig = Rig.start()) {
            s1.setSilent(true);
            s2.setSilent(true);
            rig.hub().setLatency(1, Duration.ofMillis(30));
            rig.hub().setLatency(2, Duration.ofMillis(12));
            rig.sock().setRelayMap(map(s1.port(), s2.port()));
            NetcheckReport r = rig.sock().netcheck().get(10, TimeUnit.SECONDS);
            assertFalse(r.udp());
            assertNull(r.globalV4());
            assertNull(r.mappingVariesByDestIP());
            assertEquals(2, r.preferredRegion());
            assertEquals("relay", r.regions().getFirst().via());
            assertEquals(12.0, r.regions().get(1).latencyMs(), 0.001);
            assertTrue(s1.requests.get() >= Netcheck.TRIES, "only " + s1.requests.get() + " tries");
            assertTrue(r.toText().contains("Nearest relay: nyc"), r.toText());
            assertNotNull(rig.sock().lastReport());
        }
    }

    @Test
    void ipv6ServersAreProbedToo() throws Exception {
        try (StunServer v4 = new StunServer(0); StunServer v6 = new StunServer(0, "::1"); Rig rig = Rig.start()) {
            RelayMap m = new RelayMap(List.of(new RelayMap.RelayRegion(1, "fra", "Frankfurt", List.of(
                    new RelayMap.RelayNode("fra1", "localhost", "127.0.0.1", null, 443, v4.port(), true),
                    new RelayMap.RelayNode("fra2", "localhost", null, "::1", 443, v6.port(), true)))));
            rig.sock().setRelayMap(m);
            NetcheckReport r = rig.sock().netcheck().get(5, TimeUnit.SECONDS);
            assertTrue(r.ipv4());
            assertTrue(r.ipv6(), r.toText());
            assertEquals("[::1]:" + rig.sock().bind().port(), r.globalV6());
            assertNull(r.mappingVariesByDestIP(), "one IPv4 answer cannot show a varying mapping");
            assertTrue(rig.sock().localEndpoints().contains(new java.net.InetSocketAddress("::1",
                    rig.sock().bind().port())), rig.sock().localEndpoints().toString());
        }
    }

    /** previous home, its latency, best region, its latency → chosen. */
    @ParameterizedTest(name = "home {0}@{1}ms, best {2}@{3}ms -> {4}")
    @CsvSource({
            "0, 0, 2, 50, 2",       // no previous home: the fastest
            "1, 60, 2, 50, 1",      // 10 ms better but not under 2/3: keep
            "1, 30, 2, 15, 2",      // 15 ms better and under 2/3: switch
            "1, 25, 2, 16, 1",      // under 2/3 but only 9 ms better: keep
            "1, 100, 2, 60, 2",     // 40 ms better and 60 < 66.7: switch
            "1, 100, 2, 70, 1",     // 30 ms better but 70 > 66.7: keep
            "3, 100, 2, 10, 2",     // previous home unreachable (3 not measured): fastest
    })
    void homeRegionHysteresis(int home, long homeMs, int best, long bestMs, int chosen) {
        Map<Integer, Long> l = new HashMap<>();
        if (home != 3 && home != 0) {
            l.put(home, homeMs * 1_000_000);
        }
        l.put(best, bestMs * 1_000_000);
        l.put(9, 500_000_000L);
        assertEquals(chosen, Netcheck.chooseHome(l, home));
    }
}
