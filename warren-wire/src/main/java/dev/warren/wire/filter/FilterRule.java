package dev.warren.wire.filter;

import dev.warren.wire.net.IpPrefix;

import java.util.List;
import java.util.Objects;

/**
 * One rule of a node's inbound packet filter, as control compiled it from the domain's policy: a packet is allowed
 * when its source address lies in one of {@code sources}, its IP protocol is one of {@code protocols} and its
 * destination address and port lie in one of {@code destinations}. A node's filter is an ordered list of such
 * rules with an implicit "deny everything else" at the end; replies to the node's own outbound flows are allowed
 * by its connection tracking, not by rules.
 *
 * @param origin       where the rule came from, for counters, logs and traces, e.g. {@code "acls[3]"} or
 *                     {@code "grants[0]"}; never null (empty when unknown)
 * @param sources      the source prefixes (IPv4 and IPv6; {@code 0.0.0.0/0} and {@code ::/0} for "*")
 * @param protocols    IANA IP protocol numbers; empty means the default set {@link #DEFAULT_PROTOCOLS}
 * @param destinations the destination addresses and port ranges
 */
public record FilterRule(String origin, List<IpPrefix> sources, List<Integer> protocols,
                         List<PortRange> destinations) {
    /** TCP. */
    public static final int TCP = 6;
    /** UDP. */
    public static final int UDP = 17;
    /** ICMP (IPv4). */
    public static final int ICMP = 1;
    /** ICMPv6. */
    public static final int ICMPV6 = 58;
    /** What a rule without a protocol allows, as Tailscale does: TCP, UDP, ICMP and ICMPv6. */
    public static final List<Integer> DEFAULT_PROTOCOLS = List.of(TCP, UDP, ICMP, ICMPV6);

    public FilterRule {
        origin = origin == null ? "" : origin;
        sources = List.copyOf(Objects.requireNonNull(sources, "sources"));
        protocols = protocols == null ? List.of() : List.copyOf(protocols);
        destinations = List.copyOf(Objects.requireNonNull(destinations, "destinations"));
        for (int p : protocols) {
            if (p < 0 || p > 255) {
                throw new IllegalArgumentException("IP protocol " + p + " is not within 0-255");
            }
        }
    }

    /** The protocols this rule allows, with the default set for an empty list. */
    public List<Integer> effectiveProtocols() {
        return protocols.isEmpty() ? DEFAULT_PROTOCOLS : protocols;
    }
}
