package dev.warren.node.dataplane;

import dev.warren.crypto.X25519;
import dev.warren.magicsock.PathInfo;
import dev.warren.magicsock.PeerSpec;
import dev.warren.node.PeerPath;
import dev.warren.wire.control.Node;
import dev.warren.wire.key.DiscoKey;
import dev.warren.wire.key.NodeKey;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The translation between the node and magicsock: which map peers magicsock gets and with which endpoints, and how
 * magicsock's paths read in status.
 */
class MagicDataPlaneTest {
    private static NodeKey nodeKey() {
        return NodeKey.of(X25519.publicKey(X25519.generatePrivateKey()));
    }

    private static DiscoKey discoKey() {
        return DiscoKey.of(X25519.publicKey(X25519.generatePrivateKey()));
    }

    private static Node node(String name, NodeKey key, DiscoKey disco, int home, List<String> endpoints) {
        return new Node(1, name, "u", key, null, null, List.of(), List.of(), endpoints, null, null, null, true, true,
                false, false, List.of(), disco, home);
    }

    @Test
    void peersWithADiscoKeyGoToMagicsockWithTheirParseableEndpoints() {
        NodeKey self = nodeKey();
        NodeKey a = nodeKey();
        NodeKey b = nodeKey();
        DiscoKey da = discoKey();
        List<PeerSpec> specs = MagicDataPlane.specs(List.of(
                node("a", a, da, 2, List.of("192.0.2.1:41641", "not an endpoint", "[2001:db8::1]:7", "192.0.2.9:0")),
                node("old", b, null, 0, List.of("192.0.2.2:41641")),     // no disco key: an older node
                node("me", self, discoKey(), 1, List.of("192.0.2.3:1")), // ourselves
                node("a-again", a, discoKey(), 0, List.of()),             // a duplicate node key
                node("nokey", null, discoKey(), 0, List.of())), self);
        assertEquals(List.of(new PeerSpec(a, da, 2, List.of(new InetSocketAddress("192.0.2.1", 41641),
                new InetSocketAddress("2001:db8::1", 7)))), specs);
    }

    @Test
    void pathsReadAsStatusShowsThem() {
        assertEquals(PeerPath.NONE, MagicDataPlane.toPath(null));
        assertEquals(new PeerPath.Direct("192.0.2.1:41641"), MagicDataPlane.toPath(new PathInfo(
                new InetSocketAddress("192.0.2.1", 41641), Duration.ofMillis(3), 1, "fra", true)));
        assertEquals(new PeerPath.Direct("[2001:db8::1]:7"), MagicDataPlane.toPath(new PathInfo(
                new InetSocketAddress("2001:db8::1", 7), null, 0, null, true)));
        assertEquals("relay fra", MagicDataPlane.toPath(new PathInfo(null, null, 1, "fra", true)).text());
        assertEquals("relay region-4", MagicDataPlane.toPath(new PathInfo(null, null, 4, null, false)).text());
        assertEquals(PeerPath.NONE, MagicDataPlane.toPath(new PathInfo(null, null, 0, null, false)));
    }
}
