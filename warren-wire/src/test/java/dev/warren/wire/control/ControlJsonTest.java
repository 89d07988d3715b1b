package dev.warren.wire.control;

import dev.warren.wire.MalformedMessageException;
import dev.warren.wire.key.DiscoKey;
import dev.warren.wire.key.MachineKey;
import dev.warren.wire.key.NodeKey;
import dev.warren.wire.key.PublicKey;
import dev.warren.wire.net.IpPrefix;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ControlJsonTest {
    private static PublicKey key(int b) {
        byte[] k = new byte[32];
        Arrays.fill(k, (byte) b);
        return PublicKey.of(k);
    }

    @Test
    void everyMessageRoundTrips() throws Exception {
        NodeKey nk = NodeKey.of(key(1));
        Node n = new Node(7, "laptop", "alice", nk, Instant.parse("2027-06-01T00:00:00Z"), MachineKey.of(key(2)),
                List.of(IpPrefix.parse("100.64.0.7/32"), IpPrefix.parse("fd7a:115c:a1e0::7/128")),
                List.of(IpPrefix.parse("100.64.0.7/32")), List.of("10.0.0.1:41641"),
                new Hostinfo("laptop", "linux", "0.1"), Instant.parse("2026-12-01T00:00:00Z"), null, true, true,
                false, false, List.of("tag:a"), DiscoKey.of(key(9)), 3);
        List<ControlMessage> all = List.of(
                new RegisterRequest(1, nk, null, "wak_x", new Hostinfo("h", "linux", "0.1"), false, null, null),
                new RegisterResponse("alice", "home", true, false, null, null),
                new MapRequest(1, nk, true, null, List.of("10.0.0.1:1"), "s1", 4),
                MapResponse.full("s1", 1, n, List.of(n), new ControlSettings("home", 50, 0), null, Instant.EPOCH),
                new MapResponse("s1", 2, false, null, null, List.of(n), List.of(3L),
                        List.of(new PeerPatch(7, List.of("1.2.3.4:5"), false, null, null, null)), null, Instant.EPOCH),
                new UpdateRequest(List.of("[fd00::1]:41641"), null),
                new ErrorMessage(401, "unknown_node", "node key is not registered"),
                new MapRequest(2, nk, true, null, null, null, 0, null, DiscoKey.of(key(9)), 4),
                new UpdateRequest(null, null, 5, DiscoKey.of(key(8))),
                new MapResponse("s1", 3, false, null, null, null, null,
                        List.of(new PeerPatch(7, null, null, null, null, null, DiscoKey.of(key(8)), 0)), null,
                        Instant.EPOCH, RELAYS),
                MapResponse.full("s1", 1, n, List.of(n.withDisco(null, 0)), new ControlSettings("home", 50, 0),
                        RELAYS, Instant.EPOCH));
        for (ControlMessage m : all) {
            assertEquals(m, ControlJson.decode(ControlJson.encode(m)), m.getClass().getSimpleName());
        }
        String text = new String(ControlJson.encode(all.getFirst()), StandardCharsets.UTF_8);
        assertTrue(text.contains("\"type\":\"register\""), text);
        assertTrue(text.contains("\"nodeKey\":\"nodekey:0101"), text);
    }

    static final RelayMap RELAYS = new RelayMap(List.of(new RelayMap.RelayRegion(1, "fra", "Frankfurt",
            List.of(new RelayMap.RelayNode("fra1", "relay1.example.net", "203.0.113.7", null, 443, 3478, true)))));

    @Test
    void versionTwoFieldsHaveTheirDocumentedJson() {
        String text = new String(ControlJson.encode(new UpdateRequest(null, null, 5, DiscoKey.of(key(8)))),
                StandardCharsets.UTF_8);
        assertTrue(text.contains("\"homeRelay\":5"), text);
        assertTrue(text.contains("\"discoKey\":\"discokey:0808"), text);
        String map = new String(ControlJson.encode(MapResponse.full("s", 1, null, List.of(), null, RELAYS,
                Instant.EPOCH)), StandardCharsets.UTF_8);
        assertTrue(map.contains("\"relayMap\":{\"regions\":[{\"id\":1,\"code\":\"fra\""), map);
        assertTrue(map.contains("\"stunPort\":3478,\"tls\":true"), map);
        Node n = new Node(7, "b", "u", NodeKey.of(key(1)), null, null, List.of(), List.of(), List.of(), null, null,
                null, true, true, false, false, List.of(), null, 0);
        String none = new String(ControlJson.encodeValue(n), StandardCharsets.UTF_8);
        assertTrue(!none.contains("homeRelay") && !none.contains("discoKey"), "0 and null are left out: " + none);
        String some = new String(ControlJson.encodeValue(n.withDisco(DiscoKey.of(key(4)), 2)), StandardCharsets.UTF_8);
        assertTrue(some.contains("\"discoKey\":\"discokey:0404") && some.contains("\"homeRelay\":2"), some);
    }

    @Test
    void versionThreePacketFilterRoundTripsWithItsDocumentedJson() throws Exception {
        var rule = new dev.warren.wire.filter.FilterRule("acls[0]",
                List.of(dev.warren.wire.net.IpPrefix.parse("100.64.0.0/10"), dev.warren.wire.net.IpPrefix.parse("fd7a::/48")),
                List.of(), List.of(new dev.warren.wire.filter.PortRange(
                        dev.warren.wire.net.IpPrefix.parse("100.64.0.7/32"), 22, 22)));
        MapResponse m = MapResponse.full("s", 1, null, List.of(), null, null, List.of(rule), Instant.EPOCH);
        String text = new String(ControlJson.encode(m), StandardCharsets.UTF_8);
        assertTrue(text.contains("\"packetFilter\":[{\"origin\":\"acls[0]\",\"sources\":[\"100.64.0.0/10\","
                + "\"fd7a::/48\"],\"protocols\":[],\"destinations\":[{\"prefix\":\"100.64.0.7/32\",\"first\":22,"
                + "\"last\":22}]}]"), text);
        assertEquals(m, ControlJson.decode(ControlJson.encode(m)));
        MapResponse empty = MapResponse.full("s", 1, null, List.of(), null, null, List.of(), Instant.EPOCH);
        assertEquals(List.of(), ((MapResponse) ControlJson.decode(ControlJson.encode(empty))).packetFilter(),
                "an empty filter (deny all) stays distinct from an absent one");
        assertEquals(null, ((MapResponse) ControlJson.decode(ControlJson.encode(
                MapResponse.full("s", 1, null, List.of(), null, null, Instant.EPOCH)))).packetFilter());
        assertEquals(dev.warren.wire.filter.FilterRule.DEFAULT_PROTOCOLS, rule.effectiveProtocols());
        assertEquals("100.64.0.7/32:22", rule.destinations().getFirst().toString());
    }

    /** What a capability-version-1 node or server sends still decodes, the new fields absent. */
    @Test
    void versionOneMessagesStillDecode() throws Exception {
        var m = (MapRequest) ControlJson.decode("""
                {"type":"map","version":1,"nodeKey":"nodekey:0101010101010101010101010101010101010101010101010101010101010101",
                 "stream":true,"lastSeq":0}""".getBytes(StandardCharsets.UTF_8));
        assertEquals(1, m.version());
        assertEquals(null, m.discoKey());
        assertEquals(null, m.homeRelay());
        var u = (UpdateRequest) ControlJson.decode("""
                {"type":"update","endpoints":["1.2.3.4:5"]}""".getBytes(StandardCharsets.UTF_8));
        assertEquals(new UpdateRequest(List.of("1.2.3.4:5"), null, null, null), u);
        var r = (MapResponse) ControlJson.decode("""
                {"type":"mapResponse","sessionHandle":"s","seq":1,"keepAlive":false,"peers":[{"id":4,"name":"b",
                 "key":"nodekey:0101010101010101010101010101010101010101010101010101010101010101",
                 "machineAuthorized":true,"expired":false,"ephemeral":false}],
                 "peersChangedPatch":[{"nodeId":4,"online":true}]}""".getBytes(StandardCharsets.UTF_8));
        Node b = r.peers().getFirst();
        assertEquals(null, b.discoKey());
        assertEquals(0, b.homeRelay());
        assertEquals(null, r.relayMap());
        PeerPatch p = r.peersChangedPatch().getFirst();
        assertEquals(null, p.discoKey());
        assertEquals(null, p.homeRelay());
        Node patched = p.applyTo(b);
        assertEquals(true, patched.online());
        assertEquals(null, patched.discoKey());
        assertEquals(0, patched.homeRelay());
    }

    @Test
    void patchesApplyOnlyTheirFields() {
        Node n = new Node(7, "b", "u", NodeKey.of(key(1)), null, null, List.of(), List.of(), List.of("1.1.1.1:1"),
                null, null, null, true, true, false, false, List.of(), DiscoKey.of(key(2)), 1);
        Node disco = new PeerPatch(7, null, null, null, null, null, DiscoKey.of(key(3)), null).applyTo(n);
        assertEquals(DiscoKey.of(key(3)), disco.discoKey());
        assertEquals(1, disco.homeRelay());
        assertEquals(List.of("1.1.1.1:1"), disco.endpoints());
        Node home = new PeerPatch(7, null, false, null, null, null, null, 0).applyTo(disco);
        assertEquals(0, home.homeRelay());
        assertEquals(DiscoKey.of(key(3)), home.discoKey());
        assertEquals(false, home.online());
    }

    @Test
    void negativeHomeRelayIsMalformed() {
        assertThrows(MalformedMessageException.class, () -> ControlJson.decode("""
                {"type":"mapResponse","seq":1,"keepAlive":false,"node":{"id":4,"name":"b","homeRelay":-1,
                 "machineAuthorized":true,"expired":false,"ephemeral":false}}""".getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void unknownFieldsAreIgnored() throws Exception {
        ControlMessage m = ControlJson.decode("""
                {"type":"update","endpoints":["1.2.3.4:5"],"futureField":{"x":1}}""".getBytes(StandardCharsets.UTF_8));
        assertEquals(new UpdateRequest(List.of("1.2.3.4:5"), null), m);
    }

    @Test
    void badInputNamesTheProblem() {
        var e = assertThrows(MalformedMessageException.class, () -> ControlJson.decode("""
                {"type":"map","version":1,"nodeKey":"nodekey:zz","stream":true,"lastSeq":0}""".getBytes(StandardCharsets.UTF_8)));
        assertTrue(e.getMessage().contains("nodeKey"), e.getMessage());
        assertThrows(MalformedMessageException.class, () -> ControlJson.decode("{\"type\":\"nope\"}".getBytes(StandardCharsets.UTF_8)));
        assertThrows(MalformedMessageException.class, () -> ControlJson.decode("[".getBytes(StandardCharsets.UTF_8)));
        assertThrows(MalformedMessageException.class, () -> ControlJson.decode("null".getBytes(StandardCharsets.UTF_8)));
    }
}
