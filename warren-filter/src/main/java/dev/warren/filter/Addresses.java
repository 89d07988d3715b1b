package dev.warren.filter;

import dev.warren.wire.net.IpAddresses;
import dev.warren.wire.net.IpPrefix;

/**
 * IP addresses as two longs, the form the filter's tables and {@link PacketHeaders} use: an IPv4 address in the low
 * 32 bits of {@code lo} with {@code hi = 0}, an IPv6 address as its high and low 64 bits. A prefix becomes the
 * inclusive range of addresses it covers.
 */
final class Addresses {
    private Addresses() {
    }

    /** The high half of the first address of {@code p}. */
    static long firstHi(IpPrefix p) {
        return p.isIpv4() ? 0 : half(p, 0);
    }

    static long firstLo(IpPrefix p) {
        return p.isIpv4() ? v4(p) : half(p, 8);
    }

    /** The high half of the last address of {@code p}. */
    static long lastHi(IpPrefix p) {
        if (p.isIpv4()) {
            return 0;
        }
        return half(p, 0) | hostMask(p.bits(), 0);
    }

    static long lastLo(IpPrefix p) {
        if (p.isIpv4()) {
            long host = p.bits() == 0 ? 0xffffffffL : (1L << (32 - p.bits())) - 1;
            return v4(p) | host;
        }
        return half(p, 8) | hostMask(p.bits(), 64);
    }

    /** The host bits of a /bits IPv6 prefix within the 64-bit half starting at bit {@code base}. */
    private static long hostMask(int bits, int base) {
        int inHalf = bits - base;
        if (inHalf <= 0) {
            return -1L;
        }
        if (inHalf >= 64) {
            return 0;
        }
        return -1L >>> inHalf;
    }

    private static long v4(IpPrefix p) {
        return ((long) p.byteAt(0) << 24) | (p.byteAt(1) << 16) | (p.byteAt(2) << 8) | p.byteAt(3);
    }

    private static long half(IpPrefix p, int from) {
        long v = 0;
        for (int i = from; i < from + 8; i++) {
            v = (v << 8) | p.byteAt(i);
        }
        return v;
    }

    /** Appends the address (and port when {@code withPort}) in the usual text form; allocates. */
    static void append(StringBuilder out, int family, long hi, long lo, int port, boolean withPort) {
        byte[] a;
        if (family == 4) {
            a = new byte[]{(byte) (lo >>> 24), (byte) (lo >>> 16), (byte) (lo >>> 8), (byte) lo};
        } else {
            a = new byte[16];
            for (int i = 0; i < 8; i++) {
                a[i] = (byte) (hi >>> (56 - 8 * i));
                a[8 + i] = (byte) (lo >>> (56 - 8 * i));
            }
        }
        String text = IpAddresses.format(a);
        if (withPort) {
            out.append(family == 6 ? "[" + text + "]" : text).append(':').append(port);
        } else {
            out.append(text);
        }
    }
}
