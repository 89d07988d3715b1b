package dev.warren.filter;

import dev.warren.wire.filter.FilterRule;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static dev.warren.filter.Rules.rule;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RuleMatcherTest {
    private static int match(List<FilterRule> rules, byte[] packet) {
        return RuleMatcher.compile(rules).match(Pkt.parse(packet));
    }

    @Test
    void sourceDestinationAndPortMustAllMatch() {
        List<FilterRule> rules = List.of(rule("acls[0]", "100.64.0.2/32", "tcp", "100.64.0.1/32:22"));
        assertEquals(0, match(rules, Pkt.tcp("100.64.0.2", 5000, "100.64.0.1", 22, Pkt.SYN)));
        assertEquals(-1, match(rules, Pkt.tcp("100.64.0.3", 5000, "100.64.0.1", 22, Pkt.SYN)), "other source");
        assertEquals(-1, match(rules, Pkt.tcp("100.64.0.2", 5000, "100.64.0.9", 22, Pkt.SYN)), "other destination");
        assertEquals(-1, match(rules, Pkt.tcp("100.64.0.2", 5000, "100.64.0.1", 23, Pkt.SYN)), "other port");
        assertEquals(-1, match(rules, Pkt.udp("100.64.0.2", 5000, "100.64.0.1", 22)), "other protocol");
    }

    @Test
    void anEmptyProtocolListMeansTcpUdpAndIcmp() {
        List<FilterRule> rules = List.of(rule("a", "0.0.0.0/0,::/0", "", "100.64.0.1/32:*,[fd7a::1/128]:*"));
        assertEquals(0, match(rules, Pkt.tcp("100.64.0.2", 1, "100.64.0.1", 2, Pkt.SYN)));
        assertEquals(0, match(rules, Pkt.udp("fd7a::2", 1, "fd7a::1", 2)));
        assertEquals(0, match(rules, Pkt.echo("100.64.0.2", "100.64.0.1", 1, false)));
        assertEquals(0, match(rules, Pkt.echo("fd7a::2", "fd7a::1", 1, false)));
        assertEquals(-1, match(rules, Pkt.ip("100.64.0.2", "100.64.0.1", 47, new byte[8])), "GRE is not in the set");
    }

    @Test
    void icmpIgnoresPortsAndSourcesOfTheOtherFamilyNeverMatch() {
        List<FilterRule> rules = List.of(rule("a", "::/0", "icmp,icmpv6", "100.64.0.1/32:7,[fd7a::1/128]:7"));
        assertEquals(-1, match(rules, Pkt.echo("100.64.0.2", "100.64.0.1", 1, false)), "an IPv6 source range");
        assertEquals(0, match(rules, Pkt.echo("fd7a::2", "fd7a::1", 1, false)), "port 7 is ignored for ICMPv6");
    }

    @Test
    void theFirstMatchingRuleWinsAcrossPortSegmentsAndAllPorts() {
        List<FilterRule> rules = List.of(
                rule("narrow", "100.64.0.2/32", "tcp", "100.64.0.1/32:80"),
                rule("range", "100.64.0.0/24", "tcp", "100.64.0.1/32:1-1000"),
                rule("star", "0.0.0.0/0", "tcp", "100.64.0.0/10:*"));
        assertEquals(0, match(rules, Pkt.tcp("100.64.0.2", 1, "100.64.0.1", 80, Pkt.SYN)));
        assertEquals(1, match(rules, Pkt.tcp("100.64.0.3", 1, "100.64.0.1", 80, Pkt.SYN)));
        assertEquals(1, match(rules, Pkt.tcp("100.64.0.2", 1, "100.64.0.1", 81, Pkt.SYN)));
        assertEquals(2, match(rules, Pkt.tcp("100.64.0.2", 1, "100.64.0.1", 1001, Pkt.SYN)));
        assertEquals(2, match(rules, Pkt.tcp("8.8.8.8", 1, "100.64.0.1", 80, Pkt.SYN)));
        assertEquals(-1, match(rules, Pkt.tcp("8.8.8.8", 1, "100.128.0.1", 80, Pkt.SYN)));
        List<FilterRule> reversed = List.of(rules.get(2), rules.get(1), rules.get(0));
        assertEquals(0, match(reversed, Pkt.tcp("100.64.0.2", 1, "100.64.0.1", 80, Pkt.SYN)));
    }

    @Test
    void ipv6PrefixesAcrossTheHalfBoundary() {
        List<FilterRule> rules = List.of(rule("a", "fd7a:115c:a1e0::/48", "udp", "[fd7a::1/128]:53"),
                rule("b", "fd7a:115c:a1e0:ab12:4843:cd96:6200:0/120", "udp", "[fd7a::1/128]:54"));
        assertEquals(0, match(rules, Pkt.udp("fd7a:115c:a1e0:1::2", 1, "fd7a::1", 53)));
        assertEquals(-1, match(rules, Pkt.udp("fd7a:115c:a1e1::2", 1, "fd7a::1", 53)));
        assertEquals(1, match(rules, Pkt.udp("fd7a:115c:a1e0:ab12:4843:cd96:6200:ff", 1, "fd7a::1", 54)));
        assertEquals(-1, match(rules, Pkt.udp("fd7a:115c:a1e0:ab12:4843:cd96:6201:0", 1, "fd7a::1", 54)));
    }

    @Test
    void noRulesAdmitNothingAndTenThousandRulesCompile() {
        assertEquals(-1, match(List.of(), Pkt.tcp("100.64.0.2", 1, "100.64.0.1", 22, Pkt.SYN)));
        List<FilterRule> many = new ArrayList<>();
        for (int i = 0; i < 10_000; i++) {
            many.add(rule("r" + i, "10." + (i >> 8) + "." + (i & 255) + ".0/24", "tcp",
                    "100.64.0.1/32:" + (1000 + i % 5000)));
        }
        RuleMatcher m = RuleMatcher.compile(many);
        assertEquals(7777, m.match(Pkt.parse(Pkt.tcp("10.30.97.5", 1, "100.64.0.1", 1000 + 7777 % 5000, Pkt.SYN))));
        assertEquals(-1, m.match(Pkt.parse(Pkt.tcp("10.30.97.5", 1, "100.64.0.1", 999, Pkt.SYN))));
    }

    @Test
    void manyNestedWidePortRangesStayLinear() {
        List<FilterRule> nested = new ArrayList<>();
        for (int i = 0; i < 3000; i++) {
            nested.add(rule("n" + i, "10." + (i >> 8) + "." + (i & 255) + ".0/24", "tcp",
                    "100.64.0.1/32:" + (1 + i) + "-" + (65534 - i)));
        }
        long start = System.nanoTime();
        RuleMatcher m = RuleMatcher.compile(nested);
        long ms = (System.nanoTime() - start) / 1_000_000;
        assertTrue(ms < 20_000, "compiled in " + ms + " ms");
        assertEquals(2999, m.match(Pkt.parse(Pkt.tcp("10.11.183.1", 1, "100.64.0.1", 3000, Pkt.SYN))));
        assertEquals(-1, m.match(Pkt.parse(Pkt.tcp("10.11.183.1", 1, "100.64.0.1", 2999, Pkt.SYN))));
        assertEquals(0, m.match(Pkt.parse(Pkt.tcp("10.0.0.1", 1, "100.64.0.1", 30000, Pkt.SYN))));
    }
}
