package dev.warren.testing.nat;

import java.util.Locale;

/**
 * How a {@link NatLab} router treats traffic between its LAN and the internet. Every kind but {@link #NONE} is a
 * stateful firewall too: a packet from the internet passes only as part of a connection the LAN started (or one
 * a port mapping made), so filtering is endpoint-dependent like a home router's.
 */
public enum NatKind {
    /** Endpoint-independent mapping, port-preserving: nftables {@code masquerade}; one inside port keeps one
     *  outside port (the same one, unless another LAN host holds it) for every destination. */
    EASY,
    /** Endpoint-dependent mapping with random ports: nftables {@code masquerade random}; every destination
     *  gets its own outside port. */
    HARD,
    /** A firewall that drops all UDP between the LAN and the internet and NATs TCP like {@link #EASY}. */
    UDP_BLOCKED,
    /** {@link #EASY} plus Debian's {@code miniupnpd} on the LAN: UPnP IGD, NAT-PMP and PCP, open to the LAN. */
    UPNP,
    /** {@link #HARD} plus miniupnpd as in {@link #UPNP}: hard to punch, but a node can map a port. */
    HARD_UPNP,
    /** No NAT and no filtering: the router forwards, and the internet routes the LAN's addresses to it. */
    NONE;

    /** The kind named {@code text} (case-insensitive, {@code -} for {@code _}), or a clear error. */
    public static NatKind parse(String text) {
        String norm = text.strip().toUpperCase(Locale.ROOT).replace('-', '_');
        for (NatKind k : values()) {
            if (k.name().equals(norm)) {
                return k;
            }
        }
        throw new IllegalArgumentException("unknown NAT kind '" + text + "' (expected one of easy, hard, "
                + "udp-blocked, upnp, hard-upnp, none)");
    }

    /** Whether the router runs miniupnpd. */
    public boolean portMapping() {
        return this == UPNP || this == HARD_UPNP;
    }

    /** The lower-case name used in specs and state files, e.g. {@code udp-blocked}. */
    public String label() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }
}
