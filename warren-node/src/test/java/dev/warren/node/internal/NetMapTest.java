package dev.warren.node.internal;

import dev.warren.crypto.X25519;
import dev.warren.wire.control.ControlSettings;
import dev.warren.wire.control.MapResponse;
import dev.warren.wire.control.Node;
import dev.warren.wire.control.PeerPatch;
import dev.warren.wire.control.RelayMap;
import dev.warren.wire.key.DiscoKey;
import dev.warren.wire.key.NodeKey;
import dev.warren.wire.net.IpAddresses;
import dev.warren.wire.net.IpPrefix;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class NetMapTest {
    static Node node(long id, String name) {
        return new Node(id, name, "u", NodeKey.of(X25519.publicKey(X25519.generatePrivateKey())), null, null,
                List.of(IpPrefix.parse("100.64.0." + id + "/32")), null, List.of("192.0.2." + id + ":1"), null,
                Instant.EPOCH, null, true, true, false, false, List.of(), null, 0);
    }

    static MapResponse delta(List<Node> changed, List<Long> removed, List<PeerPatch> patches) {
        return new MapResponse("s", 2, false, null, null, changed, removed, patches, null, null);
    }

    @Test
    void fullReplacesThenDeltasApplyInOrder() {
        NetMap m = new NetMap();
        Node self = node(1, "self");
        ControlSettings st = new ControlSettings("d", 60, 25);
        RelayMap relays = new RelayMap(List.of(new RelayMap.RelayRegion(1, "fra", null,
                List.of(new RelayMap.RelayNode("fra1", "relay.example.net", null, null, 443, 3478, true)))));
        assertEquals(new RelayMap(List.of()), m.relayMap());
        m.apply(MapResponse.full("s", 1, self, List.of(node(2, "b"), node(3, "c")), st, relays, Instant.EPOCH));
        assertEquals(relays, m.relayMap());
        assertTrue(m.haveFull());
        assertEquals(2, m.peers().size());
        assertEquals(st, m.settings());
        Node c2 = node(3, "c2");
        Node d = node(4, "d");
        // removed first, then changed: a node removed and re-added in one message survives
        DiscoKey dk = DiscoKey.of(X25519.publicKey(X25519.generatePrivateKey()));
        m.apply(delta(List.of(c2, d), List.of(2L, 3L), List.of(new PeerPatch(4, List.of("x:1"), false, null, null, null),
                new PeerPatch(99, List.of("y:1"), null, null, null, null),
                new PeerPatch(4, null, null, null, null, null, dk, 2))));
        assertEquals(List.of("c2", "d"), m.peers().stream().map(Node::name).toList());
        Node patched = m.peers().stream().filter(n -> n.id() == 4).findFirst().orElseThrow();
        assertEquals(List.of("x:1"), patched.endpoints());
        assertFalse(patched.online());
        assertEquals(d.key(), patched.key(), "null patch fields leave the node unchanged");
        assertEquals(dk, patched.discoKey());
        assertEquals(2, patched.homeRelay());
        assertEquals(self, m.self(), "a delta without node keeps self");
        assertFalse(m.apply(MapResponse.keepAlive("s", 3, Instant.EPOCH)));
        m.apply(MapResponse.full("s", 4, self, List.of(node(5, "e")), null, null, Instant.EPOCH));
        assertEquals(relays, m.relayMap(), "a null relay map is unchanged");
        RelayMap none = new RelayMap(List.of());
        m.apply(new MapResponse("s", 5, false, null, null, null, null, null, null, null, none));
        assertEquals(none, m.relayMap(), "a delta replaces it");
        assertEquals(List.of("e"), m.peers().stream().map(Node::name).toList());
        assertEquals(st, m.settings(), "null settings are unchanged");
        m.clear();
        assertNull(m.self());
        assertEquals(none, m.relayMap());
        assertFalse(m.haveFull());
    }

    @Test
    void endpointChoicePrefersOurSubnetThenIpv4() {
        List<byte[]> local = List.of(IpAddresses.parse("10.1.2.3"), IpAddresses.parse("2001:db8:1::5"));
        assertEquals("10.1.2.99:7", EngineSync.chooseEndpoint(
                List.of("[2001:db8:9::1]:7", "198.51.100.1:7", "10.1.2.99:7"), local).toString());
        assertEquals("[2001:db8:1::9]:7", EngineSync.chooseEndpoint(
                List.of("198.51.100.1:7", "[2001:db8:1::9]:7"), local).toString());
        assertEquals("198.51.100.1:7", EngineSync.chooseEndpoint(
                List.of("nonsense", "[2001:db8:9::1]:7", "198.51.100.1:7"), local).toString());
        assertNull(EngineSync.chooseEndpoint(List.of("bad"), local));
    }

    @Test
    void echoPacketsHaveValidChecksumsAndRepliesAreRecognised() {
        byte[] a4 = IpAddresses.parse("100.64.0.1");
        byte[] b4 = IpAddresses.parse("100.64.0.2");
        byte[] p = Icmp.echo(Icmp.V4_ECHO_REPLY, a4, b4, 0x1234, 7, new byte[]{1, 2, 3});
        assertEquals(0, Icmp.checksum(p, 0, 20, 0), "IPv4 header checksum");
        assertEquals(0, Icmp.checksum(p, 20, p.length - 20, 0), "ICMP checksum");
        assertEquals(Icmp.key(false, 0x1234, 7), Icmp.echoReplyKey(buf(p)));
        byte[] req = Icmp.echo(Icmp.V4_ECHO_REQUEST, a4, b4, 0x1234, 7, new byte[0]);
        assertEquals(-1, Icmp.echoReplyKey(buf(req)), "requests are not replies");

        byte[] a6 = IpAddresses.parse("fd7a:115c:a1e0::1");
        byte[] b6 = IpAddresses.parse("fd7a:115c:a1e0::2");
        byte[] p6 = Icmp.echo(Icmp.V6_ECHO_REPLY, a6, b6, 9, 65535, new byte[]{5});
        long pseudo = 0;
        for (int i = 8; i < 40; i += 2) {
            pseudo += ((p6[i] & 0xff) << 8) | (p6[i + 1] & 0xff);
        }
        assertEquals(0, Icmp.checksum(p6, 40, p6.length - 40, pseudo + (p6.length - 40) + 58), "ICMPv6 checksum");
        assertEquals(Icmp.key(true, 9, 65535), Icmp.echoReplyKey(buf(p6)));
    }

    private static dev.warren.wire.datapath.PacketBuffer buf(byte[] p) {
        dev.warren.wire.datapath.PacketBuffer b = dev.warren.wire.datapath.PacketBuffer.allocate(2048);
        b.copyFrom(p, 0, 16, p.length);
        return b.set(16, p.length);
    }

    @Test
    void thePacketFilterIsReplacedByAnyMessageThatCarriesOneAndKeptOtherwise() {
        NetMap m = new NetMap();
        assertNull(m.packetFilter(), "none before the first map");
        List<dev.warren.wire.filter.FilterRule> rules = List.of(new dev.warren.wire.filter.FilterRule("acls[0]",
                List.of(IpPrefix.parse("100.64.0.2/32")), List.of(6),
                List.of(dev.warren.wire.filter.PortRange.all(IpPrefix.parse("100.64.0.1/32")))));
        m.apply(MapResponse.full("s", 1, node(1, "self"), List.of(), null, null, rules, Instant.EPOCH));
        assertEquals(rules, m.packetFilter());
        m.apply(delta(List.of(node(2, "b")), null, null));
        assertEquals(rules, m.packetFilter(), "a delta without a filter leaves it");
        m.apply(MapResponse.full("s", 3, node(1, "self"), List.of(), null, null, Instant.EPOCH));
        assertEquals(rules, m.packetFilter(), "so does a full map without one");
        m.apply(new MapResponse("s", 4, false, null, null, null, null, null, null, null, null, List.of()));
        assertEquals(List.of(), m.packetFilter(), "an empty list replaces it: deny all");
        m.clear();
        assertNull(m.packetFilter());
    }
}
