package dev.warren.policy.internal;

import dev.warren.wire.net.IpPrefix;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

class RangesTest {
    private static List<IpPrefix> p(String... s) {
        return java.util.Arrays.stream(s).map(IpPrefix::parse).toList();
    }

    @Test
    void mergesAdjacentHostsIntoCidrs() {
        assertEquals(p("100.64.0.0/30"), Ranges.compress(p("100.64.0.3/32", "100.64.0.1/32", "100.64.0.0/32",
                "100.64.0.2/32")));
        assertEquals(p("100.64.0.1/32", "100.64.0.2/31"), Ranges.compress(p("100.64.0.1/32", "100.64.0.2/32",
                "100.64.0.3/32")));
        assertEquals(p("10.0.0.0/8", "fd7a::/126"), Ranges.compress(p("fd7a::3/128", "10.1.2.3/32", "10.0.0.0/8",
                "fd7a::/127", "fd7a::2/128")));
        assertEquals(p("0.0.0.0/0", "::/0"), Ranges.compress(p("::/0", "0.0.0.0/0", "1.2.3.4/32", "::1/128")));
        assertEquals(p("255.255.255.254/31", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128"),
                Ranges.compress(p("255.255.255.255/32", "255.255.255.254/32",
                        "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128")));
        assertEquals(List.of(), Ranges.compress(List.of()));
    }

    /** The compressed list covers exactly the same IPv4 addresses (checked over a small address space). */
    @Property(tries = 300)
    void coversExactlyTheSameAddresses(@ForAll @Size(max = 12) List<@IntRange(max = 255) Integer> hosts,
                                       @ForAll @IntRange(min = 24, max = 32) int bits) {
        List<IpPrefix> in = new ArrayList<>();
        for (int h : hosts) {
            in.add(IpPrefix.of(new byte[]{10, 0, 0, (byte) h}, h % 3 == 0 ? bits : 32));
        }
        List<IpPrefix> out = Ranges.compress(in);
        for (int a = 0; a < 256; a++) {
            byte[] addr = {10, 0, 0, (byte) a};
            boolean want = in.stream().anyMatch(x -> x.contains(addr, 0, 4));
            boolean got = out.stream().anyMatch(x -> x.contains(addr, 0, 4));
            assertEquals(want, got, "address " + a + " in " + in + " vs " + out);
        }
        for (int i = 1; i < out.size(); i++) {
            assertEquals(-1, Integer.signum(out.get(i - 1).compareTo(out.get(i))), "sorted");
        }
    }
}
