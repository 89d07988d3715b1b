package dev.warren.filter;

import dev.warren.wire.filter.FilterRule;
import dev.warren.wire.filter.PortRange;
import dev.warren.wire.net.IpAddresses;
import dev.warren.wire.net.IpPrefix;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Differential test: the compiled {@link RuleMatcher} gives the same first matching rule as the naive linear
 * evaluation ({@link RuleMatcher#matchLinear}) for random rule lists and random packets drawn from a small address
 * and port universe (so that hits, misses, overlaps and nesting are all common), IPv4 and IPv6; both the
 * segmented port index and the unsegmented fallback.
 */
class RuleMatcherPropertiesTest {
    private static final String[] V4 = {"100.64.0.1", "100.64.0.2", "100.64.1.7", "10.0.0.1", "0.0.0.0", "255.255.255.255"};
    private static final String[] V6 = {"fd7a::1", "fd7a::2", "fd7a:0:0:1::7", "fd7a:ffff::1", "::", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"};
    private static final Integer[] PORTS = {0, 1, 22, 53, 80, 443, 1000, 65535};

    record Packet(int proto, byte[] src, byte[] dst, int port) {
    }

    @Property(tries = 300)
    void compiledMatcherAgreesWithLinearEvaluation(@ForAll("rules") List<FilterRule> rules,
                                                   @ForAll("packets") List<Packet> packets) {
        RuleMatcher m = RuleMatcher.compile(rules);
        RuleMatcher unsegmented = RuleMatcher.compile(rules, 0);
        for (Packet p : packets) {
            byte[] raw = build(p);
            PacketHeaders h = Pkt.parse(raw);
            int want = RuleMatcher.matchLinear(rules, p.proto(), p.src(), p.dst(), p.port());
            assertEquals(want, m.match(h), () -> "packet " + p.proto() + " " + IpAddresses.format(p.src()) + " > "
                    + IpAddresses.format(p.dst()) + ":" + p.port() + " rules " + rules);
            assertEquals(want, unsegmented.match(h), "the unsegmented fallback");
        }
    }

    private static byte[] build(Packet p) {
        String s = IpAddresses.format(p.src());
        String d = IpAddresses.format(p.dst());
        return switch (p.proto()) {
            case 6 -> Pkt.tcp(s, 1234, d, p.port(), Pkt.SYN);
            case 17 -> Pkt.udp(s, 1234, d, p.port());
            case 132 -> Pkt.ip(s, d, 132, new byte[]{4, (byte) 210, (byte) (p.port() >> 8), (byte) p.port(), 0, 0, 0, 0, 0, 0, 0, 0});
            case 1, 58 -> Pkt.ip(s, d, p.proto(), new byte[]{8, 0, 0, 0, 0, 1, 0, 1});
            default -> Pkt.ip(s, d, p.proto(), new byte[8]);
        };
    }

    private static Arbitrary<byte[]> address(boolean v4) {
        String[] pool = v4 ? V4 : V6;
        return Arbitraries.of(pool).map(IpAddresses::parse);
    }

    private static Arbitrary<IpPrefix> prefix(boolean v4) {
        int max = v4 ? 32 : 128;
        Arbitrary<Integer> bits = Arbitraries.oneOf(Arbitraries.of(0, max, max, max - 8, v4 ? 10 : 64, v4 ? 24 : 48),
                Arbitraries.integers().between(0, max));
        return Combinators.combine(address(v4), bits).as(IpPrefix::of);
    }

    private static Arbitrary<PortRange> portRange(IpPrefix p) {
        return Arbitraries.oneOf(Arbitraries.just(PortRange.all(p)),
                Arbitraries.of(PORTS).map(x -> new PortRange(p, x, x)),
                Combinators.combine(Arbitraries.of(PORTS), Arbitraries.of(PORTS))
                        .as((a, b) -> new PortRange(p, Math.min(a, b), Math.max(a, b))));
    }

    @Provide
    Arbitrary<List<FilterRule>> rules() {
        Arbitrary<IpPrefix> anyPrefix = Arbitraries.oneOf(prefix(true), prefix(false));
        Arbitrary<List<IpPrefix>> sources = anyPrefix.list().ofMinSize(1).ofMaxSize(3);
        Arbitrary<List<Integer>> protos = Arbitraries.oneOf(Arbitraries.just(List.<Integer>of()),
                Arbitraries.of(6, 17, 1, 58, 132, 47).list().ofMinSize(1).ofMaxSize(3));
        Arbitrary<List<PortRange>> dests = anyPrefix.flatMap(RuleMatcherPropertiesTest::portRange).list()
                .ofMinSize(1).ofMaxSize(3);
        Arbitrary<FilterRule> rule = Combinators.combine(Arbitraries.strings().alpha().ofMaxLength(3), sources, protos,
                dests).as(FilterRule::new);
        return rule.list().ofMaxSize(12);
    }

    @Provide
    Arbitrary<List<Packet>> packets() {
        Arbitrary<Packet> v4 = Combinators.combine(Arbitraries.of(6, 17, 1, 132, 47, 58), address(true), address(true),
                Arbitraries.of(PORTS)).as(Packet::new);
        Arbitrary<Packet> v6 = Combinators.combine(Arbitraries.of(6, 17, 58, 132, 47, 1), address(false),
                address(false), Arbitraries.of(PORTS)).as(Packet::new);
        return Arbitraries.oneOf(v4, v6).list().ofMinSize(1).ofMaxSize(40);
    }
}
