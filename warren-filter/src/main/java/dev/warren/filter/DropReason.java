package dev.warren.filter;

/** Why the filter dropped an inbound packet; each has a counter in {@link FilterSnapshot#drops()}. */
public enum DropReason {
    /** No filter from control yet (or the node logged out): everything not tracked is denied. */
    NO_FILTER("no-filter"),
    /** No rule admits the packet and it belongs to no tracked flow. */
    NO_RULE("no-rule"),
    /** A TCP packet of an untracked connection that is not an opening SYN, though a rule admits its flow. */
    TCP_NOT_SYN("tcp-not-syn"),
    /** An ICMP error about a flow this node does not track (and no rule admits ICMP from its sender). */
    ICMP_ERROR_UNTRACKED("icmp-error-untracked"),
    /** A later fragment that overlaps the transport header (offset 8 bytes; RFC 1858's tiny-fragment attack). */
    BAD_FRAGMENT("bad-fragment"),
    /** Not a well-formed IPv4/IPv6 packet (truncated headers, bad lengths, too many extension headers). */
    BAD_PACKET("bad-packet");

    private final String text;

    DropReason(String text) {
        this.text = text;
    }

    /** The name in counters, logs and JSON ({@code "no-rule"}). */
    public String text() {
        return text;
    }

    @Override
    public String toString() {
        return text;
    }
}
