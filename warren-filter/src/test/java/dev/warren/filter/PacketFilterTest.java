package dev.warren.filter;

import dev.warren.testing.FakeClock;
import dev.warren.wire.filter.FilterRule;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static dev.warren.filter.Rules.rule;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Connection tracking and the inbound decision, each case on IPv4 and IPv6. */
class PacketFilterTest {
    /** This node (local), a permitted peer (remote) and another peer. */
    record Net(String local, String remote, String other, String localPrefix, String remotePrefix) {
        static Net of(int family) {
            return family == 4 ? new Net("100.64.0.1", "100.64.0.2", "100.64.0.3", "100.64.0.1/32", "100.64.0.2/32")
                    : new Net("fd7a::1", "fd7a::2", "fd7a::3", "[fd7a::1/128]", "fd7a::2/128");
        }
    }

    private final FakeClock clock = new FakeClock();
    private final PacketFilter filter = new PacketFilter(clock);
    private final PacketFilter.Cursor in = filter.newCursor();
    private final PacketFilter.Cursor out = filter.newCursor();

    private DropReason inbound(byte[] p) {
        return in.inbound(Pkt.buf(p));
    }

    private void outbound(byte[] p) {
        out.outbound(Pkt.buf(p));
    }

    /** remote may open TCP 22 and UDP 53 on local. */
    private void installSsh(Net n) {
        filter.install(List.of(rule("acls[0]", n.remotePrefix(), "tcp", n.localPrefix() + ":22"),
                rule("acls[1]", n.remotePrefix(), "udp", n.localPrefix() + ":53")));
    }

    @ParameterizedTest
    @ValueSource(ints = {4, 6})
    void beforeTheFirstFilterEverythingNewIsDeniedButRepliesPass(int fam) {
        Net n = Net.of(fam);
        assertFalse(filter.installed());
        assertEquals(DropReason.NO_FILTER, inbound(Pkt.tcp(n.remote(), 4000, n.local(), 22, Pkt.SYN)));
        outbound(Pkt.udp(n.local(), 5000, n.remote(), 53));
        assertNull(inbound(Pkt.udp(n.remote(), 53, n.local(), 5000)), "a reply of an outbound flow");
        filter.install(List.of());
        assertTrue(filter.installed());
        assertEquals(DropReason.NO_RULE, inbound(Pkt.tcp(n.remote(), 4000, n.local(), 22, Pkt.SYN)),
                "an empty filter denies all");
        assertEquals(1, filter.drops(DropReason.NO_FILTER));
        assertEquals(1, filter.drops(DropReason.NO_RULE));
    }

    @ParameterizedTest
    @ValueSource(ints = {4, 6})
    void tcpIsAdmittedOnSynAndTheSessionIsTrackedFromThen(int fam) {
        Net n = Net.of(fam);
        installSsh(n);
        assertEquals(DropReason.TCP_NOT_SYN, inbound(Pkt.tcp(n.remote(), 4000, n.local(), 22, Pkt.ACK)),
                "an allowed port, but no connection was opened");
        assertEquals(DropReason.NO_RULE, inbound(Pkt.tcp(n.other(), 4000, n.local(), 22, Pkt.SYN)));
        assertEquals(DropReason.NO_RULE, inbound(Pkt.tcp(n.remote(), 4000, n.local(), 23, Pkt.SYN)));
        assertNull(inbound(Pkt.tcp(n.remote(), 4000, n.local(), 22, Pkt.SYN)));
        outbound(Pkt.tcp(n.local(), 22, n.remote(), 4000, Pkt.SYN | Pkt.ACK));
        assertNull(inbound(Pkt.tcp(n.remote(), 4000, n.local(), 22, Pkt.ACK)));
        assertNull(inbound(Pkt.tcp(n.remote(), 4000, n.local(), 22, Pkt.ACK | 0x08)));
        assertEquals(DropReason.TCP_NOT_SYN, inbound(Pkt.tcp(n.remote(), 4001, n.local(), 22, Pkt.ACK)),
                "another source port is another connection");
        FilterSnapshot s = filter.snapshot();
        assertEquals(1L, s.hits().get("acls[0]"), "the SYN was admitted by the rule, the rest by tracking");
        assertEquals(2, s.acceptedTracked());
        assertEquals(2L, s.drops().get("tcp-not-syn"));
        assertEquals(2L, s.drops().get("no-rule"));
    }

    @ParameterizedTest
    @ValueSource(ints = {4, 6})
    void anEstablishedSessionSurvivesAPolicyChangeButNewOnesAreDenied(int fam) {
        Net n = Net.of(fam);
        installSsh(n);
        assertNull(inbound(Pkt.tcp(n.remote(), 4000, n.local(), 22, Pkt.SYN)));
        filter.install(List.of());
        assertNull(inbound(Pkt.tcp(n.remote(), 4000, n.local(), 22, Pkt.ACK)), "kept across the change");
        assertEquals(DropReason.NO_RULE, inbound(Pkt.tcp(n.remote(), 4002, n.local(), 22, Pkt.SYN)));
        assertEquals(1L, filter.snapshot().hits().get("acls[0]"), "hits of the old rules are kept");
    }

    @ParameterizedTest
    @ValueSource(ints = {4, 6})
    void outboundTcpAdmitsItsRepliesOnly(int fam) {
        Net n = Net.of(fam);
        filter.install(List.of());
        outbound(Pkt.tcp(n.local(), 40000, n.remote(), 443, Pkt.SYN));
        assertNull(inbound(Pkt.tcp(n.remote(), 443, n.local(), 40000, Pkt.SYN | Pkt.ACK)));
        assertEquals(DropReason.NO_RULE, inbound(Pkt.tcp(n.other(), 443, n.local(), 40000, Pkt.SYN | Pkt.ACK)));
        assertEquals(DropReason.NO_RULE, inbound(Pkt.tcp(n.remote(), 443, n.local(), 40001, Pkt.ACK)));
    }

    @ParameterizedTest
    @ValueSource(ints = {4, 6})
    void finAndRstShortenTheFlowAndANewSynIsJudgedAgain(int fam) {
        Net n = Net.of(fam);
        installSsh(n);
        assertNull(inbound(Pkt.tcp(n.remote(), 4000, n.local(), 22, Pkt.SYN)));
        assertNull(inbound(Pkt.tcp(n.remote(), 4000, n.local(), 22, Pkt.FIN | Pkt.ACK)));
        outbound(Pkt.tcp(n.local(), 22, n.remote(), 4000, Pkt.FIN | Pkt.ACK));
        clock.advance(Duration.ofSeconds(20));
        assertNull(inbound(Pkt.tcp(n.remote(), 4000, n.local(), 22, Pkt.ACK)), "within the closing timeout");
        clock.advance(Duration.ofSeconds(31));
        assertEquals(DropReason.TCP_NOT_SYN, inbound(Pkt.tcp(n.remote(), 4000, n.local(), 22, Pkt.ACK)));
        // a closing flow does not admit a new SYN by itself
        filter.install(List.of());
        outbound(Pkt.tcp(n.local(), 22, n.remote(), 4000, Pkt.RST));
        assertEquals(DropReason.NO_RULE, inbound(Pkt.tcp(n.remote(), 4000, n.local(), 22, Pkt.SYN)));
    }

    @ParameterizedTest
    @ValueSource(ints = {4, 6})
    void aHalfOpenConnectionIsForgottenAfterThirtySecondsAnAnsweredOneLives(int fam) {
        Net n = Net.of(fam);
        installSsh(n);
        assertNull(inbound(Pkt.tcp(n.remote(), 4000, n.local(), 22, Pkt.SYN)), "never answered");
        assertNull(inbound(Pkt.tcp(n.remote(), 4001, n.local(), 22, Pkt.SYN)));
        outbound(Pkt.tcp(n.local(), 22, n.remote(), 4001, Pkt.SYN | Pkt.ACK));
        clock.advance(Duration.ofSeconds(31));
        assertEquals(DropReason.TCP_NOT_SYN, inbound(Pkt.tcp(n.remote(), 4000, n.local(), 22, Pkt.ACK)));
        assertNull(inbound(Pkt.tcp(n.remote(), 4001, n.local(), 22, Pkt.ACK)), "the answered one is established");
        filter.install(List.of());
        outbound(Pkt.tcp(n.local(), 40000, n.remote(), 443, Pkt.SYN));
        clock.advance(Duration.ofSeconds(31));
        assertEquals(DropReason.NO_RULE, inbound(Pkt.tcp(n.remote(), 443, n.local(), 40000, Pkt.SYN | Pkt.ACK)),
                "an outbound SYN nobody answered within 30 s is forgotten too");
    }

    @Test
    void aSynFloodEvictsItsOwnHalfOpenEntriesBeforeEstablishedConnections() {
        PacketFilter small = new PacketFilter(clock, new PacketFilter.Options(8, Duration.ofHours(2),
                Duration.ofSeconds(30), Duration.ofSeconds(30), Duration.ofMinutes(2), Duration.ofSeconds(30),
                Duration.ofMinutes(2)));
        Net n = Net.of(4);
        small.install(List.of(rule("ssh", "0.0.0.0/0", "tcp", n.localPrefix() + ":22")));
        PacketFilter.Cursor c = small.newCursor();
        c.outbound(Pkt.buf(Pkt.tcp(n.local(), 40000, n.remote(), 443, Pkt.ACK))); // established, idle 2 h
        clock.advance(Duration.ofMinutes(10));
        for (int port = 1; port <= 100; port++) {
            assertNull(c.inbound(Pkt.buf(Pkt.tcp(n.other(), port, n.local(), 22, Pkt.SYN))));
        }
        assertNull(c.inbound(Pkt.buf(Pkt.tcp(n.remote(), 443, n.local(), 40000, Pkt.ACK))),
                "the established connection outlived 100 SYNs in an 8-flow table");
        assertTrue(small.snapshot().flowEvictions() >= 90);
    }

    @ParameterizedTest
    @ValueSource(ints = {4, 6})
    void tcpIdlesOutAfterTwoHours(int fam) {
        Net n = Net.of(fam);
        filter.install(List.of());
        outbound(Pkt.tcp(n.local(), 40000, n.remote(), 443, Pkt.SYN));
        assertNull(inbound(Pkt.tcp(n.remote(), 443, n.local(), 40000, Pkt.SYN | Pkt.ACK)), "now established");
        clock.advance(Duration.ofMinutes(119));
        assertNull(inbound(Pkt.tcp(n.remote(), 443, n.local(), 40000, Pkt.ACK)), "and refreshed");
        clock.advance(Duration.ofMinutes(119));
        assertNull(inbound(Pkt.tcp(n.remote(), 443, n.local(), 40000, Pkt.ACK)));
        clock.advance(Duration.ofMinutes(121));
        assertEquals(DropReason.NO_RULE, inbound(Pkt.tcp(n.remote(), 443, n.local(), 40000, Pkt.ACK)));
    }

    @ParameterizedTest
    @ValueSource(ints = {4, 6})
    void udpRepliesPassUntilTheFlowIdlesOut(int fam) {
        Net n = Net.of(fam);
        filter.install(List.of());
        outbound(Pkt.udp(n.local(), 5000, n.remote(), 9999));
        assertNull(inbound(Pkt.udp(n.remote(), 9999, n.local(), 5000)));
        assertEquals(DropReason.NO_RULE, inbound(Pkt.udp(n.remote(), 9998, n.local(), 5000)));
        assertEquals(DropReason.NO_RULE, inbound(Pkt.udp(n.other(), 9999, n.local(), 5000)));
        clock.advance(Duration.ofSeconds(119));
        assertNull(inbound(Pkt.udp(n.remote(), 9999, n.local(), 5000)));
        clock.advance(Duration.ofSeconds(121));
        assertEquals(DropReason.NO_RULE, inbound(Pkt.udp(n.remote(), 9999, n.local(), 5000)));
    }

    @ParameterizedTest
    @ValueSource(ints = {4, 6})
    void udpAllowedByARuleIsCountedPerPacket(int fam) {
        Net n = Net.of(fam);
        installSsh(n);
        assertNull(inbound(Pkt.udp(n.remote(), 1234, n.local(), 53)));
        assertNull(inbound(Pkt.udp(n.remote(), 1235, n.local(), 53)));
        assertEquals(DropReason.NO_RULE, inbound(Pkt.udp(n.remote(), 1234, n.local(), 54)));
        assertEquals(2L, filter.snapshot().hits().get("acls[1]"));
    }

    @ParameterizedTest
    @ValueSource(ints = {4, 6})
    void echoRepliesOfOurPingsPassOthersDoNot(int fam) {
        Net n = Net.of(fam);
        filter.install(List.of());
        outbound(Pkt.echo(n.local(), n.remote(), 77, false));
        assertNull(inbound(Pkt.echo(n.remote(), n.local(), 77, true)));
        assertEquals(DropReason.NO_RULE, inbound(Pkt.echo(n.remote(), n.local(), 78, true)), "another id");
        assertEquals(DropReason.NO_RULE, inbound(Pkt.echo(n.remote(), n.local(), 5, false)), "a request");
        clock.advance(Duration.ofSeconds(31));
        assertEquals(DropReason.NO_RULE, inbound(Pkt.echo(n.remote(), n.local(), 77, true)), "timed out");
        filter.install(List.of(rule("ping", n.remotePrefix(), fam == 4 ? "icmp" : "icmpv6", n.localPrefix() + ":*")));
        assertNull(inbound(Pkt.echo(n.remote(), n.local(), 5, false)), "now a rule admits pings");
    }

    @ParameterizedTest
    @ValueSource(ints = {4, 6})
    void icmpErrorsPassWhenTheyQuoteATrackedFlow(int fam) {
        Net n = Net.of(fam);
        filter.install(List.of());
        byte[] sent = Pkt.udp(n.local(), 5000, n.remote(), 9999);
        outbound(sent);
        assertNull(inbound(Pkt.unreachable(n.remote(), n.local(), sent)));
        assertNull(inbound(Pkt.unreachable(n.other(), n.local(), sent)), "a router on the way may report it");
        byte[] notSent = Pkt.udp(n.local(), 5001, n.remote(), 9999);
        assertEquals(DropReason.ICMP_ERROR_UNTRACKED, inbound(Pkt.unreachable(n.remote(), n.local(), notSent)));
        byte[] ping = Pkt.echo(n.local(), n.remote(), 9, false);
        outbound(ping);
        assertNull(inbound(Pkt.unreachable(n.other(), n.local(), ping)), "an error about our ping");
        byte[] truncated = java.util.Arrays.copyOf(Pkt.unreachable(n.remote(), n.local(), sent), fam == 4 ? 40 : 60);
        fixLength(truncated);
        assertEquals(DropReason.ICMP_ERROR_UNTRACKED, inbound(truncated), "a quote without ports proves nothing");
    }

    private static void fixLength(byte[] p) {
        if ((p[0] >> 4) == 4) {
            p[2] = (byte) (p.length >> 8);
            p[3] = (byte) p.length;
        } else {
            p[4] = (byte) ((p.length - 40) >> 8);
            p[5] = (byte) (p.length - 40);
        }
    }

    @Test
    void ipv4LaterFragmentsFollowTheirFirstAndTinyOnesAreDropped() {
        Net n = Net.of(4);
        installSsh(n);
        byte[] syn = Pkt.tcp(n.remote(), 4000, n.local(), 22, Pkt.SYN);
        assertNull(inbound(Pkt.fragment4(syn, 0x2000)), "a first fragment is filtered on its ports: allowed");
        assertEquals(DropReason.NO_RULE, inbound(Pkt.fragment4(Pkt.tcp(n.remote(), 4000, n.local(), 23, Pkt.SYN),
                0x2000)), "a first fragment is filtered on its ports: denied");
        assertNull(inbound(Pkt.fragment4(syn, 0x2000 | 3)), "a later fragment passes");
        assertEquals(DropReason.BAD_FRAGMENT, inbound(Pkt.fragment4(syn, 1)), "offset 8 could rewrite TCP flags");
        byte[] shortFirst = java.util.Arrays.copyOf(Pkt.fragment4(syn, 0x2000), 28);
        fixLength(shortFirst);
        assertEquals(DropReason.BAD_PACKET, inbound(shortFirst), "a first fragment without the whole TCP header");
        assertEquals(1, filter.snapshot().acceptedFragments());
    }

    @Test
    void ipv6FragmentAndExtensionHeadersAreWalked() {
        Net n = Net.of(6);
        installSsh(n);
        byte[] syn = Pkt.tcp(n.remote(), 4000, n.local(), 22, Pkt.SYN);
        assertNull(inbound(Pkt.hopByHop6(syn)));
        assertEquals(DropReason.NO_RULE, inbound(Pkt.hopByHop6(Pkt.tcp(n.remote(), 4000, n.local(), 23, Pkt.SYN))));
        assertNull(inbound(Pkt.fragment6(Pkt.tcp(n.remote(), 4001, n.local(), 22, Pkt.SYN), 0, true)));
        assertEquals(DropReason.NO_RULE, inbound(Pkt.fragment6(Pkt.tcp(n.remote(), 4001, n.local(), 23, Pkt.SYN), 0,
                true)));
        assertNull(inbound(Pkt.fragment6(syn, 1448, false)));
        assertEquals(DropReason.BAD_FRAGMENT, inbound(Pkt.fragment6(syn, 8, true)));
    }

    @Test
    void malformedPacketsAreDroppedAndCounted() {
        assertEquals(DropReason.BAD_PACKET, inbound(new byte[]{0x45, 0, 0}));
        assertEquals(DropReason.BAD_PACKET, inbound(new byte[40]), "version 0");
        byte[] p = Pkt.tcp("100.64.0.2", 1, "100.64.0.1", 22, Pkt.SYN);
        p[3] = (byte) 200; // total length beyond the packet
        assertEquals(DropReason.BAD_PACKET, inbound(p));
        assertEquals(3, filter.snapshot().drops().get("bad-packet"));
    }

    @Test
    void theFlowTableIsBoundedAndEvictsTheFlowNearestItsDeadline() {
        PacketFilter small = new PacketFilter(clock, new PacketFilter.Options(8, Duration.ofHours(2),
                Duration.ofSeconds(30), Duration.ofSeconds(30), Duration.ofMinutes(2), Duration.ofSeconds(30), Duration.ofMinutes(2)));
        small.install(List.of());
        PacketFilter.Cursor c = small.newCursor();
        c.outbound(Pkt.buf(Pkt.tcp("100.64.0.1", 40000, "100.64.0.2", 443, Pkt.ACK)));
        for (int i = 0; i < 7; i++) {
            c.outbound(Pkt.buf(Pkt.udp("100.64.0.1", 5000 + i, "100.64.0.2", 53)));
            clock.advance(Duration.ofSeconds(1));
        }
        assertEquals(8, small.snapshot().trackedFlows());
        c.outbound(Pkt.buf(Pkt.udp("100.64.0.1", 6000, "100.64.0.2", 53)));
        FilterSnapshot s = small.snapshot();
        assertEquals(8, s.trackedFlows());
        assertEquals(1, s.flowEvictions());
        assertEquals(DropReason.NO_RULE, c.inbound(Pkt.buf(Pkt.udp("100.64.0.2", 53, "100.64.0.1", 5000))),
                "the oldest UDP flow went");
        assertNull(c.inbound(Pkt.buf(Pkt.tcp("100.64.0.2", 443, "100.64.0.1", 40000, Pkt.ACK))), "TCP stayed");
        assertNull(c.inbound(Pkt.buf(Pkt.udp("100.64.0.2", 53, "100.64.0.1", 6000))));
        clock.advance(Duration.ofMinutes(3));
        c.outbound(Pkt.buf(Pkt.udp("100.64.0.1", 7000, "100.64.0.2", 53)));
        assertEquals(1, small.snapshot().flowEvictions(), "expired slots are reused without evicting");
        assertEquals(2, small.snapshot().trackedFlows());
    }

    @Test
    void clearForgetsRulesAndFlows() {
        Net n = Net.of(4);
        installSsh(n);
        outbound(Pkt.udp(n.local(), 5000, n.remote(), 9999));
        filter.clear();
        assertFalse(filter.installed());
        assertEquals(DropReason.NO_FILTER, inbound(Pkt.udp(n.remote(), 9999, n.local(), 5000)));
    }

    @Test
    void originsSumAcrossRulesThatShareThemAndEmptyOriginsGetAnIndex() {
        Net n = Net.of(4);
        List<FilterRule> rules = List.of(rule("acls[0]", n.remotePrefix(), "tcp", n.localPrefix() + ":22"),
                rule("acls[0]", n.remotePrefix(), "tcp", n.localPrefix() + ":80"),
                rule("", n.remotePrefix(), "udp", n.localPrefix() + ":*"));
        filter.install(rules);
        assertNull(inbound(Pkt.tcp(n.remote(), 1, n.local(), 22, Pkt.SYN)));
        assertNull(inbound(Pkt.tcp(n.remote(), 1, n.local(), 80, Pkt.SYN)));
        assertNull(inbound(Pkt.udp(n.remote(), 1, n.local(), 7)));
        FilterSnapshot s = filter.snapshot();
        assertEquals(2L, s.hits().get("acls[0]"));
        assertEquals(1L, s.hits().get("rule 2"));
        assertEquals(rules, s.rules());
    }
}
