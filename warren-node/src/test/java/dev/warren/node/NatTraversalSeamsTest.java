package dev.warren.node;

import dev.warren.wire.control.CapabilityVersion;
import dev.warren.wire.control.MapRequest;
import dev.warren.wire.control.RelayMap;
import dev.warren.wire.control.UpdateRequest;
import dev.warren.wire.key.DiscoKey;
import dev.warren.wire.key.NodeKey;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The node's capability-version-2 seams: disco key, home relay, relay map, PathProvider and EndpointSource. */
class NatTraversalSeamsTest {
    static final RelayMap RELAYS = new RelayMap(List.of(new RelayMap.RelayRegion(1, "fra", "Frankfurt",
            List.of(new RelayMap.RelayNode("fra1", "relay.example.net", "203.0.113.7", null, 443, 3478, true))),
            new RelayMap.RelayRegion(2, "nyc", null,
                    List.of(new RelayMap.RelayNode("nyc1", "192.0.2.50", null, null, 443, 0, false)))));

    @TempDir
    Path dir;

    private static PeerInfo peer(Mesh.TestNode n, String name) {
        return n.backend.status().peers().stream().filter(p -> p.name().equals(name)).findFirst().orElse(null);
    }

    private static MapRequest lastMapRequest(Mesh m, Mesh.TestNode n) {
        NodeKey key = NodeKey.parse(n.backend.status().selfNodeKey());
        MapRequest last = null;
        for (MapRequest r : m.control.mapRequests) {
            if (r.nodeKey().equals(key)) {
                last = r;
            }
        }
        return last;
    }

    @Test
    void discoKeyIsNewAtEveryStartAndReachesPeers() throws Exception {
        try (Mesh m = new Mesh(dir)) {
            Mesh.TestNode a = m.up("a");
            Mesh.TestNode b = m.up("b");
            DiscoKey first = a.backend.discoKey();
            assertEquals(first, DiscoKey.of(dev.warren.crypto.X25519.publicKey(a.backend.discoPrivateKey())));
            MapRequest r = lastMapRequest(m, a);
            assertEquals(CapabilityVersion.CURRENT, r.version());
            assertEquals(first, r.discoKey());
            assertEquals(0, r.homeRelay(), "no home relay without magicsock");
            assertEquals(first.toString(), a.backend.status().discoKey());
            Mesh.await("b sees a's disco key", () -> peer(b, "a") != null
                    && first.toString().equals(peer(b, "a").discoKey()));

            a.backend.close();
            m.start(a);
            DiscoKey second = a.backend.discoKey();
            assertNotEquals(first, second, "a new disco key at every start");
            a.backend.up(Mesh.SERVER, null, null);
            assertEquals(second, lastMapRequest(m, a).discoKey());
            Mesh.await("b sees a's new disco key", () -> second.toString().equals(peer(b, "a").discoKey()));
        }
    }

    @Test
    void relayMapAndPeersReachStatusAndTheNetworkMapListener() throws Exception {
        try (Mesh m = new Mesh(dir)) {
            Mesh.TestNode a = m.up("a");
            assertEquals(new RelayMap(List.of()), a.backend.status().relayMap());
            List<NetworkMap> seen = new CopyOnWriteArrayList<>();
            a.backend.onNetworkMap(seen::add);
            assertEquals(1, seen.size(), "called once at registration with the current map");
            m.control.setRelayMap(RELAYS);
            Mesh.await("relay map", () -> RELAYS.equals(a.backend.status().relayMap()));
            Mesh.await("listener got the relay map", () -> RELAYS.equals(seen.getLast().relayMap()));
            Mesh.TestNode b = m.up("b");
            assertEquals(RELAYS, b.backend.status().relayMap(), "a full map carries it");
            Mesh.await("listener got b", () -> seen.getLast().peers().stream().anyMatch(
                    p -> p.name().equals("b") && b.backend.discoKey().equals(p.discoKey())));
            assertEquals("a", seen.getLast().self().name());
        }
    }

    /** An EndpointSource that changes on demand, like magicsock's after STUN or netcheck. */
    static final class MovableEndpoints implements EndpointSource {
        volatile List<String> endpoints = List.of("198.51.100.10:41641");
        volatile int home = 1;
        final AtomicReference<Runnable> listener = new AtomicReference<>(() -> { });

        @Override
        public List<String> endpoints() {
            return endpoints;
        }

        @Override
        public int homeRelay() {
            return home;
        }

        @Override
        public void onChange(Runnable l) {
            listener.set(l);
        }

        void move(List<String> eps, int newHome) {
            endpoints = eps;
            home = newHome;
            listener.get().run();
        }
    }

    @Test
    void endpointSourceChangesGoToControlAtOnce() throws Exception {
        MovableEndpoints eps = new MovableEndpoints();
        try (Mesh m = new Mesh(dir)) {
            Mesh.TestNode a = m.up("a", null, eps);
            Mesh.TestNode b = m.up("b");
            MapRequest r = lastMapRequest(m, a);
            assertEquals(List.of("198.51.100.10:41641"), r.endpoints());
            assertEquals(1, r.homeRelay());
            assertEquals(1, a.backend.status().homeRelay());
            Mesh.await("b sees a's home relay", () -> peer(b, "a") != null && peer(b, "a").homeRelay() == 1);

            eps.move(List.of("198.51.100.10:41641"), 2); // only the home relay changes
            Mesh.await("update", () -> m.control.updates.stream().anyMatch(u -> Integer.valueOf(2).equals(u.homeRelay())));
            UpdateRequest u = m.control.updates.getLast();
            assertEquals(null, u.endpoints(), "unchanged endpoints are not re-sent");
            Mesh.await("b sees a's new home relay", () -> peer(b, "a").homeRelay() == 2);

            eps.move(List.of("203.0.113.9:5555"), 2); // only the endpoints change
            Mesh.await("endpoint update", () -> m.control.updates.stream()
                    .anyMatch(x -> List.of("203.0.113.9:5555").equals(x.endpoints())));
            assertEquals(null, m.control.updates.getLast().homeRelay());
            Mesh.await("b sees a's endpoint", () -> peer(b, "a").endpoints().equals(List.of("203.0.113.9:5555")));
        }
    }

    /** A PathProvider as magicsock will be: a relay path until a disco ping proves a direct one. */
    static final class ScriptedPaths implements PathProvider {
        final Map<NodeKey, PeerPath> paths = new ConcurrentHashMap<>();
        final List<NodeKey> pinged = new CopyOnWriteArrayList<>();

        @Override
        public PeerPath pathOf(NodeKey peer) {
            return paths.getOrDefault(peer, PeerPath.NONE);
        }

        @Override
        public PingReply discoPing(NodeKey peer, Duration timeout) throws IOException {
            pinged.add(peer);
            if (pinged.size() > 5) {
                throw new IOException("the data plane does not know " + peer);
            }
            PeerPath p = pathOf(peer);
            paths.put(peer, new PeerPath.Direct("192.0.2.2:41641")); // the next ping goes direct
            return new PingReply(true, 23.5, p, "192.0.2.2:41641", null);
        }
    }

    @Test
    void statusAndPingShowThePathProvidersPaths() throws Exception {
        ScriptedPaths paths = new ScriptedPaths();
        try (Mesh m = new Mesh(dir)) {
            m.control.setRelayMap(RELAYS);
            Mesh.TestNode a = m.up("a", paths, null);
            Mesh.TestNode b = m.up("b");
            Mesh.await("peer", () -> peer(a, "b") != null);
            assertEquals("-", peer(a, "b").path());
            NodeKey bk = NodeKey.parse(peer(a, "b").nodeKey());
            paths.paths.put(bk, new PeerPath.Relay(1, null)); // magicsock knows the region id; the map names it
            assertEquals("relay fra", peer(a, "b").path());
            PingResult first = a.backend.ping("b", Duration.ofSeconds(1));
            assertEquals("relay fra", first.path());
            assertTrue(first.replied());
            assertEquals(23.5, first.rttMillis());
            assertEquals("b", first.peer());
            PingResult second = a.backend.ping("b", Duration.ofSeconds(1));
            assertEquals("direct 192.0.2.2:41641", second.path());
            assertTrue(second.direct());
            assertEquals("direct 192.0.2.2:41641", peer(a, "b").path());
            assertEquals(List.of(bk, bk), paths.pinged);
            paths.paths.put(bk, new PeerPath.Relay(9, null));
            assertEquals("relay region-9", peer(a, "b").path(), "a region the map does not know");
            for (int i = 0; i < 3; i++) {
                a.backend.ping("b", Duration.ofSeconds(1));
            }
            IOException e = assertThrows(IOException.class, () -> a.backend.ping("b", Duration.ofSeconds(1)));
            assertTrue(e.getMessage().contains("does not know"), e.getMessage());
        }
    }

    @Test
    void pathTextForms() {
        assertEquals("direct 192.0.2.1:41641", new PeerPath.Direct("192.0.2.1:41641").text());
        assertEquals("relay fra", new PeerPath.Relay(1, "fra").text());
        assertEquals("-", PeerPath.NONE.text());
        assertThrows(IllegalArgumentException.class, () -> new PeerPath.Direct(" "));
        assertTrue(new PeerPath.Direct("[2001:db8::1]:41641").isDirect());
        assertEquals(false, new PeerPath.Relay(1, "fra").isDirect());
    }
}
