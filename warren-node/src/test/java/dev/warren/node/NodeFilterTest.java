package dev.warren.node;

import dev.warren.filter.FilterSnapshot;
import dev.warren.testing.Packets;
import dev.warren.wire.filter.FilterRule;
import dev.warren.wire.filter.PortRange;
import dev.warren.wire.net.IpAddresses;
import dev.warren.wire.net.IpPrefix;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The packet filter in the node: two or three NodeBackends on the real WireGuard engine over in-memory TUN and
 * network, with control's filters pushed through the fake control server's map stream (full maps and deltas).
 */
class NodeFilterTest {
    private static final Duration WAIT = Duration.ofSeconds(5);
    private static final Duration NOTHING = Duration.ofMillis(300);

    @TempDir
    Path dir;

    private static byte[] tcp(Mesh.TestNode from, int sport, Mesh.TestNode to, int dport, int flags, String data) {
        byte[] payload = data.getBytes();
        ByteBuffer b = ByteBuffer.allocate(40 + payload.length);
        b.put((byte) 0x45).put((byte) 0).putShort((short) (40 + payload.length)).putShort((short) 1)
                .putShort((short) 0x4000).put((byte) 64).put((byte) 6).putShort((short) 0)
                .put(IpAddresses.parse(from.v4())).put(IpAddresses.parse(to.v4()));
        b.putShort(10, (short) Packets.checksum(b.array(), 0, 20, 0));
        b.position(20);
        b.putShort((short) sport).putShort((short) dport).putInt(1).putInt(0).put((byte) 0x50).put((byte) flags)
                .putShort((short) 65535).putShort((short) 0).putShort((short) 0).put(payload);
        return b.array();
    }

    private static byte[] udp(Mesh.TestNode from, int sport, Mesh.TestNode to, int dport) {
        return Packets.udp4(IpAddresses.parse(from.v4()), IpAddresses.parse(to.v4()), sport, dport, "x".getBytes());
    }

    private static byte[] udp6(Mesh.TestNode from, int sport, Mesh.TestNode to, int dport) {
        return Packets.udp6(IpAddresses.parse(from.v6()), IpAddresses.parse(to.v6()), sport, dport, "y".getBytes());
    }

    private static FilterRule allow(String origin, Mesh.TestNode from, String proto, Mesh.TestNode to, int port) {
        return new FilterRule(origin, List.of(IpPrefix.parse(from.v4() + "/32"), IpPrefix.parse(from.v6() + "/128")),
                List.of(proto.equals("tcp") ? 6 : 17),
                List.of(new PortRange(IpPrefix.parse(to.v4() + "/32"), port, port),
                        new PortRange(IpPrefix.parse(to.v6() + "/128"), port, port)));
    }

    private static long id(Mesh m, Mesh.TestNode n) {
        return m.control.byName(n.name).id();
    }

    private static void awaitRules(Mesh.TestNode n, List<FilterRule> rules) throws InterruptedException {
        Mesh.await(n.name + " installs " + rules.size() + " rules",
                () -> n.backend.filter().installed() && n.backend.filter().rules().equals(rules));
    }

    @Test
    void deniedTrafficIsDroppedAndCountedAllowedAndRepliesPassAndSessionsSurviveAFilterChange() throws Exception {
        try (Mesh m = new Mesh(dir)) {
            Mesh.TestNode a = m.up("a");
            Mesh.TestNode b = m.up("b");
            Mesh.await("peers", () -> a.backend.device().state().peers().size() == 1
                    && b.backend.device().state().peers().size() == 1);
            awaitRules(b, FakeControl.ALLOW_ALL);

            // b lets a reach TCP 22 only
            List<FilterRule> ssh = List.of(allow("acls[0]", a, "tcp", b, 22));
            m.control.setFilter(id(m, b), ssh);
            awaitRules(b, ssh);

            a.tun.inject(udp(a, 1000, b, 9999));
            a.tun.inject(udp6(a, 1000, b, 9999));
            a.tun.inject(tcp(a, 4000, b, 80, 0x02, ""));
            assertNull(b.tun.take(NOTHING), "denied traffic does not reach b's host");
            Mesh.await("drops counted", () -> b.backend.filter().drops().get("no-rule") == 3);

            byte[] syn = tcp(a, 4000, b, 22, 0x02, "");
            a.tun.inject(syn);
            assertArrayEquals(syn, b.tun.take(WAIT), "an allowed SYN arrives");
            byte[] synAck = tcp(b, 22, a, 4000, 0x12, "");
            b.tun.inject(synAck);
            assertArrayEquals(synAck, a.tun.take(WAIT), "a allows everything");
            byte[] data = tcp(a, 4000, b, 22, 0x18, "ls -l");
            a.tun.inject(data);
            assertArrayEquals(data, b.tun.take(WAIT));

            // the policy changes to deny everything: the established session keeps working, new ones do not
            m.control.setFilter(id(m, b), List.of());
            awaitRules(b, List.of());
            byte[] more = tcp(a, 4000, b, 22, 0x18, "uptime");
            a.tun.inject(more);
            assertArrayEquals(more, b.tun.take(WAIT), "the established session survives the filter change");
            a.tun.inject(tcp(a, 4001, b, 22, 0x02, ""));
            assertNull(b.tun.take(NOTHING), "a new connection follows the new filter");

            // replies to b's own flows pass even with a deny-all filter
            byte[] out = udp(b, 5353, a, 53);
            b.tun.inject(out);
            assertArrayEquals(out, a.tun.take(WAIT));
            byte[] reply = udp(a, 53, b, 5353);
            a.tun.inject(reply);
            assertArrayEquals(reply, b.tun.take(WAIT), "the reply of b's outbound flow");
            a.tun.inject(udp(a, 54, b, 5353));
            assertNull(b.tun.take(NOTHING), "but not another flow");

            Mesh.await("five drops in all", () -> b.backend.filter().drops().get("no-rule") == 5);
            FilterSnapshot s = b.backend.filter();
            assertEquals(1L, s.hits().get("acls[0]"), "one SYN admitted by the rule");
            assertTrue(s.acceptedTracked() >= 2);
            FilterStatus st = b.backend.status().filter();
            assertTrue(st.installed());
            assertEquals(0, st.rules());
            assertEquals(5, st.dropped());
            assertEquals(Optional.of(5L), Optional.ofNullable(st.drops().get("no-rule")));
        }
    }

    @Test
    void aNodeWithoutAFilterFromControlDeniesNewInboundFlows() throws Exception {
        try (Mesh m = new Mesh(dir)) {
            Mesh.TestNode a = m.up("a");
            m.control.filters.put(2L, Optional.empty()); // b, registered next, gets maps without a filter
            Mesh.TestNode b = m.up("b");
            assertEquals(2L, id(m, b));
            Mesh.await("peers", () -> a.backend.device().state().peers().size() == 1
                    && b.backend.device().state().peers().size() == 1);
            FilterStatus st = b.backend.status().filter();
            assertFalse(st.installed());
            a.tun.inject(udp(a, 1000, b, 9999));
            assertNull(b.tun.take(NOTHING));
            Mesh.await("counted as no-filter", () -> b.backend.filter().drops().get("no-filter") == 1);
            // b's own flows still get their replies
            b.tun.inject(udp(b, 7000, a, 7001));
            byte[] p = a.tun.take(WAIT);
            assertEquals(udp(b, 7000, a, 7001).length, p.length);
            byte[] reply = udp(a, 7001, b, 7000);
            a.tun.inject(reply);
            assertArrayEquals(reply, b.tun.take(WAIT));
            // a delta with a filter installs it
            m.control.setFilter(2L, List.of(allow("acls[0]", a, "udp", b, 9999)));
            Mesh.await("installed", () -> b.backend.filter().installed());
            byte[] now = udp(a, 1000, b, 9999);
            a.tun.inject(now);
            assertArrayEquals(now, b.tun.take(WAIT));
        }
    }

    @Test
    void logoutGoesBackToDenyAll() throws Exception {
        try (Mesh m = new Mesh(dir)) {
            Mesh.TestNode a = m.up("a");
            awaitRules(a, FakeControl.ALLOW_ALL);
            a.backend.logout();
            assertFalse(a.backend.filter().installed());
            assertFalse(a.backend.status().filter().installed());
        }
    }
}
