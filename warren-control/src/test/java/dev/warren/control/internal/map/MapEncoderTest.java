package dev.warren.control.internal.map;

import dev.warren.control.internal.state.NodeEntry;
import dev.warren.control.internal.store.Rows.NodeRow;
import dev.warren.wire.control.ControlJson;
import dev.warren.wire.control.ControlSettings;
import dev.warren.wire.control.Hostinfo;
import dev.warren.wire.control.MapResponse;
import dev.warren.wire.control.Node;
import dev.warren.wire.control.PeerPatch;
import dev.warren.wire.control.RelayMap;
import dev.warren.wire.filter.FilterRule;
import dev.warren.wire.filter.PortRange;
import dev.warren.wire.net.IpPrefix;
import dev.warren.wire.key.DiscoKey;
import dev.warren.wire.key.MachineKey;
import dev.warren.wire.key.NodeKey;
import dev.warren.wire.key.PublicKey;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Spliced map responses are byte-for-byte what Jackson makes of the same message, and decode equal. */
class MapEncoderTest {
    static final Instant NOW = Instant.parse("2026-12-04T20:00:00.123Z");
    static final Random R = new Random(7);
    /** A filter whose origin looks like the placeholders the encoder searches for: it must not confuse it. */
    static final List<FilterRule> FILTER = List.of(
            new FilterRule("acls[0] \"peers\":[] \"peersChanged\":[]", List.of(IpPrefix.parse("100.64.0.0/10")),
                    List.of(6), List.of(new PortRange(IpPrefix.parse("100.64.0.1/32"), 22, 22))),
            new FilterRule("acls[1]", List.of(IpPrefix.parse("fd7a:115c:a1e0::/48")), List.of(),
                    List.of(PortRange.all(IpPrefix.parse("fd7a:115c:a1e0::1/128")))));

    /** A relay map whose text holds the splice placeholders, to prove the search cannot be fooled by it. */
    static final RelayMap RELAYS = new RelayMap(List.of(new RelayMap.RelayRegion(1, "fra", "\"peers\":[] \"peersChangedPatch\":[]",
            List.of(new RelayMap.RelayNode("fra1", "relay.example.net", "203.0.113.7", null, 443, 3478, true)))));

    static NodeEntry entry(long id, String hostname, boolean online) {
        byte[] a = new byte[32];
        byte[] b = new byte[32];
        R.nextBytes(a);
        R.nextBytes(b);
        NodeRow row = new NodeRow(id, 1, 1, MachineKey.of(PublicKey.of(a)), NodeKey.of(PublicKey.of(b)), "n" + id,
                id + 1, new Hostinfo(hostname, "linux", null), id % 2 == 0 ? List.of("198.51.100.1:41641") : List.of(),
                id % 3 == 0 ? List.of("tag:x") : List.of(), NOW, id % 2 == 0 ? NOW : null, NOW.plusSeconds(3600),
                id % 5 == 0, true, id % 4 == 0, null);
        return NodeEntry.of(row, "u@example", online, 0, id % 3 == 1 ? DiscoKey.of(PublicKey.of(a)) : null,
                (int) (id % 4), NOW);
    }

    @Test
    void fullMapIsJacksonsBytes() throws Exception {
        NodeEntry self = entry(1, "self \"peers\":[] host", true);
        List<NodeEntry> peers = new ArrayList<>();
        for (int i = 2; i < 50; i++) {
            peers.add(entry(i, i == 3 ? "q\"peers\":[]" : "h" + i, i % 2 == 0));
        }
        ControlSettings settings = new ControlSettings("corp", 50, 25);
        for (List<FilterRule> filter : java.util.Arrays.asList(null, List.<FilterRule>of(), FILTER)) {
            byte[] spliced = MapEncoder.full("h1", 1, self, peers, settings, RELAYS, filter, NOW);
            MapResponse expected = MapResponse.full("h1", 1, self.wire(),
                    peers.stream().map(NodeEntry::wire).toList(), settings, RELAYS, filter, NOW);
            assertArrayEquals(ControlJson.encode(expected), spliced, new String(spliced, StandardCharsets.UTF_8));
            assertEquals(expected, ControlJson.decode(spliced));
            byte[] empty = MapEncoder.full("h1", 1, self, List.of(), settings, RELAYS, filter, NOW);
            assertEquals(MapResponse.full("h1", 1, self.wire(), List.of(), settings, RELAYS, filter, NOW),
                    ControlJson.decode(empty));
        }
    }

    @Test
    void compressedFullMapDecodesEqual() throws Exception {
        MapDeflater deflater = new MapDeflater();
        List<NodeEntry> all = new ArrayList<>();
        for (int i = 1; i < 300; i++) {
            all.add(entry(i, "h" + i, i % 2 == 0));
        }
        ControlSettings settings = new ControlSettings("corp", 50, 25);
        for (int round = 0; round < 3; round++) { // later rounds reuse cached groups
            for (NodeEntry self : List.of(all.get(0), all.get(70), all.get(298))) {
                List<NodeEntry> peers = new ArrayList<>(all);
                peers.remove(self);
                java.util.Collections.reverse(peers); // any order in, id order out
                byte[] env = MapEncoder.fullEnvelope("h", 1, self, settings, RELAYS, FILTER, NOW);
                byte[] z = deflater.full(env, self, peers);
                assertEquals(ControlJson.DEFLATED, z[0]);
                MapResponse m = (MapResponse) ControlJson.decode(z);
                List<Node> sorted = peers.stream().sorted(java.util.Comparator.comparingLong(NodeEntry::id))
                        .map(NodeEntry::wire).toList();
                assertEquals(MapResponse.full("h", 1, self.wire(), sorted, settings, RELAYS, FILTER, NOW), m);
                assertTrue(z.length * 3 < MapEncoder.full(env, peers).length, "compresses: " + z.length);
            }
            all.set(100, entry(101, "changed" + round, true)); // invalidates one group
        }
        NodeEntry alone = all.get(5);
        assertEquals(MapResponse.full("h", 1, alone.wire(), List.of(), settings, RELAYS, NOW), ControlJson.decode(
                deflater.full(MapEncoder.fullEnvelope("h", 1, alone, settings, RELAYS, null, NOW), alone, List.of())));
        byte[] delta = MapEncoder.delta("h", 2, null, all.subList(0, 10), List.of(), List.of(), null, FILTER, NOW);
        assertEquals(ControlJson.decode(delta), ControlJson.decode(deflater.whole(delta)));
    }

    @Test
    void deltasAreJacksonsBytes() throws Exception {
        NodeEntry a = entry(2, "a", true);
        NodeEntry b = entry(3, "b", false);
        NodeEntry c = entry(4, "c", true);
        NodeEntry d = entry(7, "d", true); // has a disco key and home relay 3
        Node self = entry(1, "self", true).wire();
        for (int shape = 0; shape < 64; shape++) {
            List<NodeEntry> changed = (shape & 1) != 0 ? List.of(a, b) : List.of();
            List<Long> removed = (shape & 2) != 0 ? List.of(9L, 10L) : List.of();
            List<MapEncoder.Patch> patches = (shape & 4) != 0
                    ? List.of(new MapEncoder.Patch(c, true, false, false), new MapEncoder.Patch(b, true, true, true),
                    new MapEncoder.Patch(a, false, true, false), new MapEncoder.Patch(d, false, false, true))
                    : List.of();
            Node me = (shape & 8) != 0 ? self : null;
            RelayMap relays = (shape & 16) != 0 ? RELAYS : null;
            List<FilterRule> filter = (shape & 32) != 0 ? FILTER : null;
            byte[] spliced = MapEncoder.delta("h", 7, me, changed, removed, patches, relays, filter, NOW);
            List<PeerPatch> pp = patches.stream().map(p -> new PeerPatch(p.entry().id(),
                    p.endpoints() ? p.entry().row().endpoints() : null, p.online() ? p.entry().online() : null,
                    p.online() ? p.entry().row().lastSeen() : null, null, null,
                    p.disco() ? p.entry().discoKey() : null, p.disco() ? p.entry().homeRelay() : null)).toList();
            MapResponse expected = new MapResponse("h", 7, false, me, null,
                    changed.isEmpty() ? null : changed.stream().map(NodeEntry::wire).toList(),
                    removed.isEmpty() ? null : removed, pp.isEmpty() ? null : pp, null, NOW, relays, filter);
            assertArrayEquals(ControlJson.encode(expected), spliced, "shape " + shape);
            assertEquals(expected, ControlJson.decode(spliced), "shape " + shape);
        }
    }
}
