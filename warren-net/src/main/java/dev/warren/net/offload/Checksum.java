package dev.warren.net.offload;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The Internet checksum (RFC 1071) over packet memory. Sums are kept unfolded in a {@code long}: eight bytes
 * are read at a time and added as two 32-bit halves, which cannot overflow for anything up to many megabytes;
 * {@link #fold} reduces to 16 bits at the end (2^16 = 1 modulo 2^16 - 1, so folding is exact).
 */
public final class Checksum {
    private Checksum() {
    }

    /**
     * Adds {@code s[off, off+len)} as big-endian 16-bit words to {@code acc}. An odd trailing byte counts as the
     * high half of a word, so only the last range of a sum may have an odd length.
     *
     * <p>The bulk is read as little-endian (native on x86 and arm64) longs into four independent accumulators;
     * the ones-complement sum of byte-swapped words is the byte-swapped sum (RFC 1071 §2B), so the folded
     * result is swapped once at the end. About twice as fast as big-endian reads here.
     */
    public static long add(MemorySegment s, long off, int len, long acc) {
        long p = off;
        long end = off + len;
        if (end - p >= 32) {
            long a = 0;
            long b = 0;
            long c = 0;
            long d = 0;
            while (end - p >= 32) {
                long v0 = s.get(Bytes.LE64, p);
                long v1 = s.get(Bytes.LE64, p + 8);
                long v2 = s.get(Bytes.LE64, p + 16);
                long v3 = s.get(Bytes.LE64, p + 24);
                a += (v0 >>> 32) + (v0 & 0xffffffffL);
                b += (v1 >>> 32) + (v1 & 0xffffffffL);
                c += (v2 >>> 32) + (v2 & 0xffffffffL);
                d += (v3 >>> 32) + (v3 & 0xffffffffL);
                p += 32;
            }
            int swapped = fold(a + b + c + d);
            acc += ((swapped & 0xff) << 8) | (swapped >>> 8);
        }
        long sum = acc;
        while (end - p >= 8) {
            long v = s.get(Bytes.BE64, p);
            sum += (v >>> 32) + (v & 0xffffffffL);
            p += 8;
        }
        if (end - p >= 4) {
            sum += s.get(Bytes.BE32, p) & 0xffffffffL;
            p += 4;
        }
        if (end - p >= 2) {
            sum += s.get(Bytes.BE16, p) & 0xffff;
            p += 2;
        }
        if (p < end) {
            sum += (s.get(ValueLayout.JAVA_BYTE, p) & 0xff) << 8;
        }
        return sum;
    }

    /** Folds an unfolded sum to 16 bits (not complemented). */
    public static int fold(long acc) {
        long s = acc;
        while ((s >>> 16) != 0) {
            s = (s & 0xffff) + (s >>> 16);
        }
        return (int) s;
    }

    /** The checksum field value for a sum: the complement of the folded sum. */
    public static int finish(long acc) {
        return ~fold(acc) & 0xffff;
    }

    /**
     * The TCP/UDP pseudo-header sum for the IP header at {@code ipOff}: source and destination address, protocol
     * and the transport length.
     */
    public static long pseudoHeader(MemorySegment s, long ipOff, boolean v6, int proto, int l4Len) {
        long sum = v6 ? add(s, ipOff + 8, 32, 0) : add(s, ipOff + 12, 8, 0);
        return sum + proto + l4Len;
    }

    /** True when the IPv4 header of {@code ihl} bytes at {@code off} carries a correct checksum. */
    public static boolean ipv4HeaderValid(MemorySegment s, long off, int ihl) {
        return fold(add(s, off, ihl, 0)) == 0xffff;
    }

    /** True when the transport segment {@code [l4Off, l4Off+l4Len)} checks against its pseudo-header. */
    public static boolean transportValid(MemorySegment s, long ipOff, boolean v6, int proto, long l4Off, int l4Len) {
        return fold(add(s, l4Off, l4Len, pseudoHeader(s, ipOff, v6, proto, l4Len))) == 0xffff;
    }
}
