package dev.warren.magicsock.relay;

import dev.warren.crypto.X25519;
import dev.warren.relay.client.RelayClient;
import dev.warren.relay.server.RelayServer;
import dev.warren.relay.server.RelayServerConfig;
import dev.warren.testing.FakeClock;
import dev.warren.testing.ManualScheduler;
import dev.warren.wire.control.RelayMap;
import dev.warren.wire.key.PrivateKey;
import dev.warren.wire.key.PublicKey;
import dev.warren.wire.time.Clock;
import dev.warren.wire.time.ExecutorScheduler;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link RelayClientLinks} against real {@link RelayServer}s on loopback: packets cross a region with the region
 * named, ping measures a region, links open on demand, idle non-home links close after 60 s (fake time), home
 * stays and is re-marked, a new node key reconnects, removed regions are closed.
 */
class RelayClientLinksTest {
    private final List<AutoCloseable> closeMe = new ArrayList<>();
    private final ExecutorScheduler realScheduler = new ExecutorScheduler("links-test");

    record Got(int region, PublicKey src, byte[] bytes) {
    }

    @AfterEach
    void tearDown() throws Exception {
        for (AutoCloseable c : closeMe.reversed()) {
            c.close();
        }
        realScheduler.close();
    }

    private RelayServer relay() throws IOException {
        RelayServer s = RelayServer.start(RelayServerConfig.of("127.0.0.1", 0, X25519.generatePrivateKey(),
                Clock.system(), realScheduler));
        closeMe.add(s);
        return s;
    }

    private static RelayMap.RelayRegion region(int id, String code, RelayServer s) {
        return new RelayMap.RelayRegion(id, code, null, List.of(new RelayMap.RelayNode(code + "1", null,
                "127.0.0.1", null, s.address().getPort(), 0, false)));
    }

    private RelayClientLinks links(PrivateKey k, RelayMap map, LinkedBlockingQueue<Got> inbox, Clock clock,
                                   dev.warren.wire.time.Scheduler sched, RelayClientLinks.ClientFactory f) {
        RelayClientLinks l = new RelayClientLinks(k, null, clock, sched, f);
        l.start((region, src, b, off, len) -> inbox.add(new Got(region, src,
                java.util.Arrays.copyOfRange(b, off, off + len))));
        l.setRelayMap(map);
        closeMe.add(l);
        return l;
    }

    @Test
    void packetsCrossARegionAndPingMeasuresIt() throws Exception {
        RelayServer s = relay();
        RelayMap map = new RelayMap(List.of(region(1, "lab", s)));
        PrivateKey ka = X25519.generatePrivateKey();
        PrivateKey kb = X25519.generatePrivateKey();
        LinkedBlockingQueue<Got> inA = new LinkedBlockingQueue<>();
        LinkedBlockingQueue<Got> inB = new LinkedBlockingQueue<>();
        RelayClientLinks a = links(ka, map, inA, Clock.system(), realScheduler, RelayClient::start);
        RelayClientLinks b = links(kb, map, inB, Clock.system(), realScheduler, RelayClient::start);
        b.setHome(1); // b connects at once, so it can be reached
        assertTrue(a.ping(1, Duration.ofSeconds(5)).compareTo(Duration.ofSeconds(5)) < 0);
        assertTrue(b.ping(1, Duration.ofSeconds(5)).toNanos() >= 0);
        byte[] payload = "hello over the relay".getBytes();
        Got g = null;
        for (int i = 0; i < 50 && g == null; i++) { // until b's admission finished on the relay
            assertTrue(a.send(1, X25519.publicKey(kb), payload, 0, payload.length));
            g = inB.poll(100, TimeUnit.MILLISECONDS);
        }
        assertNotNull(g, "nothing arrived through the relay");
        assertEquals(1, g.region());
        assertEquals(X25519.publicKey(ka), g.src());
        assertArrayEquals(payload, g.bytes());
        assertFalse(a.send(2, X25519.publicKey(kb), payload, 0, payload.length), "region 2 is not in the map");
        IOException e = assertThrows(IOException.class, () -> a.ping(7, Duration.ofMillis(100)));
        assertTrue(e.getMessage().contains("region 7"), e.getMessage());
    }

    @Test
    void idleLinksCloseHomeStaysNewKeyReconnectsRemovedRegionsClose() throws Exception {
        RelayServer s1 = relay();
        RelayServer s2 = relay();
        RelayMap map = new RelayMap(List.of(region(1, "one", s1), region(2, "two", s2)));
        FakeClock clock = new FakeClock();
        ManualScheduler sched = new ManualScheduler(clock);
        AtomicInteger dials = new AtomicInteger();
        List<RelayClient> clients = new ArrayList<>();
        RelayClientLinks.ClientFactory counting = (cfg, l) -> {
            dials.incrementAndGet();
            RelayClient c = RelayClient.start(cfg, l);
            clients.add(c);
            return c;
        };
        RelayClientLinks links = links(X25519.generatePrivateKey(), map, new LinkedBlockingQueue<>(), clock, sched,
                counting);
        assertEquals(List.of(), links.openRegions(), "links open on demand only");
        links.setHome(1);
        byte[] p = {1, 2, 3};
        links.send(2, X25519.publicKey(X25519.generatePrivateKey()), p, 0, p.length);
        assertEquals(List.of(1, 2), links.openRegions());
        assertEquals(2, dials.get());

        sched.advance(Duration.ofSeconds(45));
        assertEquals(List.of(1, 2), links.openRegions(), "not idle for a minute yet");
        sched.advance(Duration.ofSeconds(30));
        assertEquals(List.of(1), links.openRegions(), "region 2 idle > 60 s is closed, home stays");

        links.setPrivateKey(X25519.generatePrivateKey());
        assertEquals(List.of(1), links.openRegions(), "home reopened with the new key");
        assertEquals(3, dials.get());

        links.setRelayMap(new RelayMap(List.of(region(2, "two", s2))));
        assertEquals(List.of(), links.openRegions(), "home region left the map");
        links.setHome(2);
        assertEquals(List.of(2), links.openRegions());
        assertEquals(2, links.home());
    }

    @Test
    void withoutAKeyNothingIsSent() throws Exception {
        RelayServer s = relay();
        RelayClientLinks links = links(null, new RelayMap(List.of(region(1, "one", s))), new LinkedBlockingQueue<>(),
                Clock.system(), realScheduler, RelayClient::start);
        links.setHome(1);
        byte[] p = {1};
        assertFalse(links.send(1, X25519.publicKey(X25519.generatePrivateKey()), p, 0, 1));
        assertEquals(List.of(), links.openRegions());
        links.setPrivateKey(X25519.generatePrivateKey());
        assertEquals(List.of(1), links.openRegions(), "the home link opens once a key exists");
        assertTrue(links.ping(1, Duration.ofSeconds(5)).toNanos() >= 0);
    }
}
