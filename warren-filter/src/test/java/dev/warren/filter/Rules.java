package dev.warren.filter;

import dev.warren.wire.filter.FilterRule;
import dev.warren.wire.filter.PortRange;
import dev.warren.wire.net.IpPrefix;

import java.util.ArrayList;
import java.util.List;

/** Compact rule construction for tests: {@code rule("acls[0]", "100.64.0.2/32", "tcp", "100.64.0.1/32:22")}. */
final class Rules {
    private Rules() {
    }

    /**
     * @param sources comma-separated prefixes
     * @param protos  comma-separated protocol numbers or names (tcp, udp, icmp, icmpv6), "" for the default set
     * @param dests   comma-separated {@code PREFIX:PORTS} with PORTS {@code *}, {@code N} or {@code N-M}; an IPv6
     *                prefix is written in brackets
     */
    static FilterRule rule(String origin, String sources, String protos, String dests) {
        List<IpPrefix> src = new ArrayList<>();
        for (String s : sources.split(",")) {
            src.add(IpPrefix.parse(s));
        }
        List<Integer> ps = new ArrayList<>();
        if (!protos.isBlank()) {
            for (String p : protos.split(",")) {
                ps.add(switch (p) {
                    case "tcp" -> 6;
                    case "udp" -> 17;
                    case "icmp" -> 1;
                    case "icmpv6" -> 58;
                    default -> Integer.parseInt(p);
                });
            }
        }
        List<PortRange> ds = new ArrayList<>();
        for (String d : dests.split(",")) {
            int colon = d.lastIndexOf(':');
            String pfx = d.substring(0, colon).replace("[", "").replace("]", "");
            String ports = d.substring(colon + 1);
            IpPrefix p = IpPrefix.parse(pfx);
            if (ports.equals("*")) {
                ds.add(PortRange.all(p));
            } else if (ports.contains("-")) {
                String[] ab = ports.split("-");
                ds.add(new PortRange(p, Integer.parseInt(ab[0]), Integer.parseInt(ab[1])));
            } else {
                ds.add(new PortRange(p, Integer.parseInt(ports), Integer.parseInt(ports)));
            }
        }
        return new FilterRule(origin, src, ps, ds);
    }
}
