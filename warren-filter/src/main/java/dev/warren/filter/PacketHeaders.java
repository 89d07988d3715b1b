package dev.warren.filter;

import dev.warren.wire.datapath.PacketBuffer;

/**
 * The headers of one IP packet that the filter decides on, parsed in place from a {@link PacketBuffer} without
 * allocating: a reusable, mutable scratch object (one per thread) that {@link #parse} refills.
 *
 * <p>What is read, all big-endian (network order), every access checked against the packet's length first:
 * <pre>
 * IPv4  off 0  version(4 bits)=4 ‖ IHL(4 bits, header length in 32-bit words, 5..15)
 *       off 2  total length u16 (≥ IHL·4, ≤ the buffer's length; bytes beyond it are ignored)
 *       off 6  flags(3 bits: -, DF, MF) ‖ fragment offset(13 bits, in 8-byte units)
 *       off 9  protocol u8; off 12 source[4]; off 16 destination[4]; the transport header at IHL·4
 * IPv6  off 0  version(4 bits)=6; off 4 payload length u16; off 6 next header u8; off 8 source[16];
 *       off 24 destination[16]; then up to {@value #MAX_EXTENSION_HEADERS} extension headers:
 *       hop-by-hop (0), routing (43), destination options (60): next u8 ‖ length u8 (8-byte units, not counting
 *       the first 8) ‖ …; fragment (44): next u8 ‖ reserved u8 ‖ offset(13 bits) ‖ res(2) ‖ M(1) ‖ id u32;
 *       authentication (51): next u8 ‖ length u8 (4-byte units, minus 2) ‖ …
 * TCP   off 0 source port u16 ‖ off 2 destination port u16 ‖ … off 13 flags u8 (20 bytes at least)
 * UDP, SCTP, UDP-Lite  off 0 source port u16 ‖ off 2 destination port u16 (8 bytes at least)
 * ICMP, ICMPv6  off 0 type u8 ‖ off 1 code u8 ‖ off 2 checksum u16 ‖ off 4 echo identifier u16 (8 bytes);
 *       an error message (ICMP 3, 11, 12; ICMPv6 1..4) quotes at off 8 the IP header and at least the first
 *       8 bytes of the offending packet, parsed into {@link #quoted()}
 * </pre>
 * Addresses are held as two longs: IPv4 in the low 32 bits of {@code lo} (hi = 0), IPv6 as its high and low 64
 * bits. A non-first fragment carries no transport header: {@link #fragment} is {@link #LATER_FRAGMENT} and the
 * ports are 0.
 *
 * <p>Not thread-safe: each thread parses into its own instance.
 */
public final class PacketHeaders {
    /** Not a fragment. */
    public static final int NOT_FRAGMENT = 0;
    /** The first fragment (offset 0, more fragments follow): it carries the transport header. */
    public static final int FIRST_FRAGMENT = 1;
    /** A later fragment (offset &gt; 0): no transport header. */
    public static final int LATER_FRAGMENT = 2;
    /** At most this many IPv6 extension headers are walked; more make the packet malformed. */
    public static final int MAX_EXTENSION_HEADERS = 8;

    static final int IPV4_HEADER = 20;
    static final int IPV6_HEADER = 40;
    static final int TCP_HEADER = 20;
    static final int L4_MIN = 8;

    /** IP version: 4 or 6. */
    int family;
    /** IP protocol (IPv6: the last next-header value). */
    int proto;
    long srcHi;
    long srcLo;
    long dstHi;
    long dstLo;
    /** Transport ports (0 for protocols without ports and for later fragments). */
    int srcPort;
    int dstPort;
    /** TCP flags byte (0 otherwise). */
    int tcpFlags;
    /** ICMP/ICMPv6 type and code (-1 when not ICMP). */
    int icmpType;
    int icmpCode;
    /** ICMP echo identifier (0 unless an echo request or reply). */
    int icmpId;
    /** {@link #NOT_FRAGMENT}, {@link #FIRST_FRAGMENT} or {@link #LATER_FRAGMENT}. */
    int fragment;
    /** Fragment offset in bytes. */
    int fragmentOffset;
    /** True when this is an ICMP error whose quoted packet parsed. */
    boolean hasQuoted;

    private final PacketHeaders quoted;

    /** A scratch object for outer packets (with room for an ICMP error's quoted packet). */
    public PacketHeaders() {
        this(true);
    }

    private PacketHeaders(boolean outer) {
        this.quoted = outer ? new PacketHeaders(false) : null;
    }

    /** TCP flag bits. */
    static final int FIN = 0x01;
    static final int SYN = 0x02;
    static final int RST = 0x04;
    static final int ACK = 0x10;

    /** Parses the packet in {@code b}'s window; false when it is not a well-formed IPv4 or IPv6 packet. */
    public boolean parse(PacketBuffer b) {
        return parse(b, b.offset(), b.length());
    }

    /** Parses {@code len} bytes at {@code off} of {@code b}; false when malformed (the fields are then undefined). */
    public boolean parse(PacketBuffer b, int off, int len) {
        clear();
        if (off < 0 || len < 1 || (long) off + len > b.capacity()) {
            return false;
        }
        int version = (b.getByte(off) & 0xff) >>> 4;
        if (version == 4) {
            return parse4(b, off, len, false);
        }
        if (version == 6) {
            return parse6(b, off, len, false);
        }
        return false;
    }

    private void clear() {
        family = 0;
        proto = -1;
        srcHi = srcLo = dstHi = dstLo = 0;
        srcPort = dstPort = tcpFlags = icmpId = 0;
        icmpType = icmpCode = -1;
        fragment = NOT_FRAGMENT;
        fragmentOffset = 0;
        hasQuoted = false;
    }

    /** A quoted packet (inside an ICMP error) may be truncated after its first 8 transport bytes. */
    private boolean parse4(PacketBuffer b, int off, int len, boolean isQuoted) {
        if (len < IPV4_HEADER) {
            return false;
        }
        int ihl = (b.getByte(off) & 0x0f) * 4;
        int total = b.getShortBE(off + 2);
        if (ihl < IPV4_HEADER || ihl > len || total < ihl) {
            return false;
        }
        if (!isQuoted) {
            if (total > len) {
                return false;
            }
            len = total;
        } else {
            len = Math.min(len, total);
        }
        family = 4;
        proto = b.getByte(off + 9) & 0xff;
        srcLo = b.getIntBE(off + 12) & 0xffffffffL;
        dstLo = b.getIntBE(off + 16) & 0xffffffffL;
        int frag = b.getShortBE(off + 6);
        fragmentOffset = (frag & 0x1fff) * 8;
        if (fragmentOffset != 0) {
            fragment = LATER_FRAGMENT;
            return !isQuoted; // a quoted later fragment tells nothing about a flow
        }
        fragment = (frag & 0x2000) != 0 ? FIRST_FRAGMENT : NOT_FRAGMENT;
        return transport(b, off + ihl, len - ihl, isQuoted);
    }

    private boolean parse6(PacketBuffer b, int off, int len, boolean isQuoted) {
        if (len < IPV6_HEADER) {
            return false;
        }
        int total = IPV6_HEADER + b.getShortBE(off + 4);
        if (!isQuoted) {
            if (total > len) {
                return false; // also rejects jumbograms (payload length 0 with a hop-by-hop jumbo option)
            }
            len = total;
        } else {
            len = Math.min(len, total);
        }
        family = 6;
        srcHi = b.getLongBE(off + 8);
        srcLo = b.getLongBE(off + 16);
        dstHi = b.getLongBE(off + 24);
        dstLo = b.getLongBE(off + 32);
        int next = b.getByte(off + 6) & 0xff;
        int pos = off + IPV6_HEADER;
        int end = off + len;
        for (int i = 0; ; i++) {
            if (next != 0 && next != 43 && next != 60 && next != 44 && next != 51) {
                break;
            }
            if (i == MAX_EXTENSION_HEADERS || end - pos < 8) {
                return false;
            }
            int nh = b.getByte(pos) & 0xff;
            int hlen;
            if (next == 44) {
                int fo = b.getShortBE(pos + 2);
                fragmentOffset = (fo >>> 3) * 8;
                hlen = 8;
                if (fragmentOffset != 0) {
                    fragment = LATER_FRAGMENT;
                    proto = nh;
                    return !isQuoted;
                }
                if ((fo & 1) != 0) {
                    fragment = FIRST_FRAGMENT;
                }
            } else if (next == 51) {
                hlen = ((b.getByte(pos + 1) & 0xff) + 2) * 4;
            } else {
                hlen = ((b.getByte(pos + 1) & 0xff) + 1) * 8;
            }
            if (hlen > end - pos) {
                return false;
            }
            pos += hlen;
            next = nh;
        }
        proto = next;
        return transport(b, pos, end - pos, isQuoted);
    }

    private boolean transport(PacketBuffer b, int pos, int avail, boolean isQuoted) {
        switch (proto) {
            case 6 -> {
                if (avail < (isQuoted ? L4_MIN : TCP_HEADER)) {
                    return false;
                }
                srcPort = b.getShortBE(pos);
                dstPort = b.getShortBE(pos + 2);
                tcpFlags = isQuoted ? 0 : b.getByte(pos + 13) & 0xff;
                return true;
            }
            case 17, 132, 136 -> {
                if (avail < L4_MIN) {
                    return false;
                }
                srcPort = b.getShortBE(pos);
                dstPort = b.getShortBE(pos + 2);
                return true;
            }
            case 1, 58 -> {
                if (proto != (family == 4 ? 1 : 58)) {
                    return true; // ICMP of the other family: an opaque protocol here
                }
                if (avail < L4_MIN) {
                    return false;
                }
                icmpType = b.getByte(pos) & 0xff;
                icmpCode = b.getByte(pos + 1) & 0xff;
                if (isEchoRequest() || isEchoReply()) {
                    icmpId = b.getShortBE(pos + 4);
                } else if (!isQuoted && isIcmpError()) {
                    hasQuoted = quoted.parseQuoted(b, pos + L4_MIN, avail - L4_MIN);
                }
                return true;
            }
            default -> {
                return true;
            }
        }
    }

    private boolean parseQuoted(PacketBuffer b, int off, int len) {
        clear();
        if (len < 1) {
            return false;
        }
        int version = (b.getByte(off) & 0xff) >>> 4;
        if (version == 4) {
            return parse4(b, off, len, true);
        }
        if (version == 6) {
            return parse6(b, off, len, true);
        }
        return false;
    }

    /** True for ICMP (IPv4) or ICMPv6 (IPv6) packets. */
    boolean isIcmp() {
        return icmpType >= 0;
    }

    boolean isEchoRequest() {
        return family == 4 ? icmpType == 8 : icmpType == 128;
    }

    boolean isEchoReply() {
        return family == 4 ? icmpType == 0 : icmpType == 129;
    }

    /** Destination unreachable, time exceeded, parameter problem (and ICMPv6 packet too big). */
    boolean isIcmpError() {
        return family == 4 ? icmpType == 3 || icmpType == 11 || icmpType == 12
                : icmpType >= 1 && icmpType <= 4;
    }

    /** Whether {@code proto} carries ports at the start of its header that rules match on (TCP, UDP, SCTP, UDP-Lite). */
    public static boolean hasPorts(int proto) {
        return proto == 6 || proto == 17 || proto == 132 || proto == 136;
    }

    /** The quoted packet of an ICMP error; meaningful only when {@link #hasQuoted}. */
    PacketHeaders quoted() {
        return quoted;
    }

    public int family() {
        return family;
    }

    public int protocol() {
        return proto;
    }

    public int sourcePort() {
        return srcPort;
    }

    public int destinationPort() {
        return dstPort;
    }

    /** Appends a short description ("tcp 100.64.0.2:5000 > 100.64.0.1:22 [S]") for logs; allocates. */
    void describe(StringBuilder out) {
        out.append(switch (proto) {
            case 6 -> "tcp";
            case 17 -> "udp";
            case 1 -> "icmp";
            case 58 -> "icmpv6";
            case 132 -> "sctp";
            default -> "proto-" + proto;
        }).append(' ');
        Addresses.append(out, family, srcHi, srcLo, srcPort, hasPorts(proto));
        out.append(" > ");
        Addresses.append(out, family, dstHi, dstLo, dstPort, hasPorts(proto));
        if (proto == 6 && fragment != LATER_FRAGMENT) {
            out.append(" [").append((tcpFlags & SYN) != 0 ? "S" : "").append((tcpFlags & ACK) != 0 ? "." : "")
                    .append((tcpFlags & FIN) != 0 ? "F" : "").append((tcpFlags & RST) != 0 ? "R" : "").append(']');
        }
        if (isIcmp()) {
            out.append(" type ").append(icmpType).append(" code ").append(icmpCode);
        }
        if (fragment == LATER_FRAGMENT) {
            out.append(" fragment@").append(fragmentOffset);
        }
    }
}
