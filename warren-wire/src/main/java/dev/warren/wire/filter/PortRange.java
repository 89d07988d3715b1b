package dev.warren.wire.filter;

import dev.warren.wire.net.IpPrefix;

import java.util.Objects;

/**
 * A destination of a {@link FilterRule}: packets to an address inside {@code prefix} with a destination port in
 * {@code first..last} (inclusive). Ports are ignored for protocols without ports (ICMP and others), for which
 * control always sends {@code 0..65535}.
 *
 * @param prefix the destination addresses (one of the receiving node's addresses or routes)
 * @param first  the lowest port, 0..65535
 * @param last   the highest port, first..65535
 */
public record PortRange(IpPrefix prefix, int first, int last) {
    /** Every port. */
    public static final int MAX_PORT = 65535;

    public PortRange {
        Objects.requireNonNull(prefix, "prefix");
        if (first < 0 || last > MAX_PORT || first > last) {
            throw new IllegalArgumentException("port range " + first + "-" + last + " is not within 0-65535");
        }
    }

    /** All ports of {@code prefix}. */
    public static PortRange all(IpPrefix prefix) {
        return new PortRange(prefix, 0, MAX_PORT);
    }

    /** Whether {@code port} is inside this range. */
    public boolean containsPort(int port) {
        return port >= first && port <= last;
    }

    @Override
    public String toString() {
        String p = first == 0 && last == MAX_PORT ? "*" : first == last ? Integer.toString(first) : first + "-" + last;
        return (prefix.isIpv4() ? prefix.toString() : "[" + prefix + "]") + ":" + p;
    }
}
