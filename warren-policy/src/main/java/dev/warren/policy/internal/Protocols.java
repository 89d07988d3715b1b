package dev.warren.policy.internal;

import dev.warren.wire.filter.FilterRule;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Protocol names and numbers accepted in {@code proto} and grant {@code ip} entries, as Tailscale names them. */
public final class Protocols {
    private Protocols() {
    }

    /** Name to protocol numbers; {@code icmp} means ICMP and ICMPv6, as in Tailscale. */
    public static final Map<String, List<Integer>> NAMES;

    static {
        Map<String, List<Integer>> m = new LinkedHashMap<>();
        m.put("tcp", List.of(FilterRule.TCP));
        m.put("udp", List.of(FilterRule.UDP));
        m.put("icmp", List.of(FilterRule.ICMP, FilterRule.ICMPV6));
        m.put("ipv6-icmp", List.of(FilterRule.ICMPV6));
        m.put("icmpv6", List.of(FilterRule.ICMPV6));
        m.put("igmp", List.of(2));
        m.put("ipv4", List.of(4));
        m.put("ip-in-ip", List.of(4));
        m.put("egp", List.of(8));
        m.put("igp", List.of(9));
        m.put("gre", List.of(47));
        m.put("esp", List.of(50));
        m.put("ah", List.of(51));
        m.put("sctp", List.of(132));
        NAMES = java.util.Collections.unmodifiableMap(m);
    }

    /** Protocols whose packets carry ports: TCP, UDP, SCTP. */
    public static boolean hasPorts(int proto) {
        return proto == FilterRule.TCP || proto == FilterRule.UDP || proto == 132;
    }

    /**
     * Parses a name or a decimal number 1..255.
     *
     * @return the protocol numbers, or null when {@code text} is neither
     */
    public static List<Integer> parse(String text) {
        List<Integer> byName = NAMES.get(text.toLowerCase(java.util.Locale.ROOT));
        if (byName != null) {
            return byName;
        }
        if (!text.isEmpty() && text.length() <= 3 && text.chars().allMatch(c -> c >= '0' && c <= '9')) {
            int n = Integer.parseInt(text);
            if (n >= 1 && n <= 255) {
                return List.of(n);
            }
        }
        return null;
    }

    /** Whether every protocol in the list (empty = the default set) carries ports. */
    public static boolean allHavePorts(List<Integer> protos) {
        if (protos.isEmpty()) {
            return false;
        }
        for (int p : protos) {
            if (!hasPorts(p)) {
                return false;
            }
        }
        return true;
    }

    /** Whether a packet of protocol {@code proto} is allowed by a rule's protocol list (empty = default set). */
    public static boolean allows(List<Integer> ruleProtocols, int proto) {
        return (ruleProtocols.isEmpty() ? FilterRule.DEFAULT_PROTOCOLS : ruleProtocols).contains(proto);
    }
}
