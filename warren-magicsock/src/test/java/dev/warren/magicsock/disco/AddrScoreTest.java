package dev.warren.magicsock.disco;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.net.InetSocketAddress;

import static org.junit.jupiter.api.Assertions.assertEquals;

class AddrScoreTest {
    /** candidate, its latency (ms), current best, its latency (ms), whether the candidate wins. */
    @ParameterizedTest(name = "{0} @{1}ms vs {2} @{3}ms -> {4}")
    @CsvSource({
            "203.0.113.1, 10, 198.51.100.1, 10, false",  // equal: no flapping
            "203.0.113.1, 9.95, 198.51.100.1, 10, false", // 0.5 % faster: inside the hysteresis
            "203.0.113.1, 9.8, 198.51.100.1, 10, true",   // 2 % faster: switch
            "203.0.113.1, 10, 198.51.100.1, 9.8, false",
            "192.168.1.5, 12, 203.0.113.1, 10, true",     // private +20 beats 16.7 % slower
            "192.168.1.5, 20, 203.0.113.1, 10, false",    // private +20 loses to 50 % slower
            "127.0.0.1, 10, 192.168.1.5, 10, true",       // loopback beats private
            "[2001:db8::1], 10, 203.0.113.1, 10, true",   // IPv6 +10
            "203.0.113.1, 10, [2001:db8::1], 10.5, false",// IPv6 keeps its bonus against 5 % faster IPv4
            "[fe80::1], 10, 192.168.1.5, 10, true",       // link-local v6 (30 + 10) beats private
            "203.0.113.1, 10, 203.0.113.1, 1, false",     // same address never replaces itself
    })
    void betterAddrTable(String cand, double candMs, String cur, double curMs, boolean wins) {
        AddrScore.Measured c = new AddrScore.Measured(addr(cand), (long) (candMs * 1e6));
        AddrScore.Measured b = new AddrScore.Measured(addr(cur), (long) (curMs * 1e6));
        assertEquals(wins, AddrScore.better(c, b));
    }

    private static InetSocketAddress addr(String s) {
        String h = s.startsWith("[") ? s.substring(1, s.length() - 1) : s;
        return new InetSocketAddress(java.net.InetAddress.ofLiteral(h), 41641);
    }
}
