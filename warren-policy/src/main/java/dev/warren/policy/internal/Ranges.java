package dev.warren.policy.internal;

import dev.warren.wire.net.IpPrefix;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;

/**
 * Normalises a set of prefixes into the shortest equivalent sorted list of CIDRs: overlapping and adjacent
 * prefixes are merged into ranges, and each range is cut back into aligned CIDR blocks, so
 * {@code 100.64.0.0/32 + 100.64.0.1/32} becomes {@code 100.64.0.0/31} and contained prefixes disappear. The result
 * covers exactly the same addresses. Addresses are handled as unsigned 128-bit numbers in two longs (IPv4 in the
 * low 32 bits), without allocation per address beyond the arrays.
 */
public final class Ranges {
    private Ranges() {
    }

    /** Sorted, merged, minimal CIDRs covering exactly the union of {@code prefixes} (IPv4 first). */
    public static List<IpPrefix> compress(Collection<IpPrefix> prefixes) {
        List<IpPrefix> out = new ArrayList<>();
        compressFamily(prefixes, true, out);
        compressFamily(prefixes, false, out);
        return List.copyOf(out);
    }

    private static void compressFamily(Collection<IpPrefix> prefixes, boolean v4, List<IpPrefix> out) {
        int width = v4 ? 32 : 128;
        int n = 0;
        for (IpPrefix p : prefixes) {
            if (p.isIpv4() == v4) {
                n++;
            }
        }
        if (n == 0) {
            return;
        }
        // start (hi, lo) and end (hi, lo) of each prefix
        long[][] r = new long[n][];
        int i = 0;
        for (IpPrefix p : prefixes) {
            if (p.isIpv4() != v4) {
                continue;
            }
            long hi = 0;
            long lo = 0;
            if (v4) {
                lo = ((long) p.byteAt(0) << 24) | (p.byteAt(1) << 16) | (p.byteAt(2) << 8) | p.byteAt(3);
            } else {
                for (int b = 0; b < 8; b++) {
                    hi = (hi << 8) | p.byteAt(b);
                    lo = (lo << 8) | p.byteAt(b + 8);
                }
            }
            int hostBits = width - p.bits();
            long[] mask = ones(hostBits);
            r[i++] = new long[]{hi, lo, hi | mask[0], lo | mask[1]};
        }
        Arrays.sort(r, (a, b) -> {
            int c = Long.compareUnsigned(a[0], b[0]);
            return c != 0 ? c : Long.compareUnsigned(a[1], b[1]);
        });
        long sh = r[0][0];
        long sl = r[0][1];
        long eh = r[0][2];
        long el = r[0][3];
        for (int k = 1; k < n; k++) {
            long[] c = r[k];
            // merge when c.start <= end + 1 (careful: end may be the maximum)
            boolean endIsMax = v4 ? el == 0xffffffffL : eh == -1L && el == -1L;
            if (endIsMax || le(c[0], c[1], eh + (el == -1L ? 1 : 0), el + 1)) {
                if (gt(c[2], c[3], eh, el)) {
                    eh = c[2];
                    el = c[3];
                }
            } else {
                emit(sh, sl, eh, el, width, out);
                sh = c[0];
                sl = c[1];
                eh = c[2];
                el = c[3];
            }
        }
        emit(sh, sl, eh, el, width, out);
    }

    /** The low {@code bits} bits set, as (hi, lo). */
    private static long[] ones(int bits) {
        if (bits == 0) {
            return new long[]{0, 0};
        }
        if (bits < 64) {
            return new long[]{0, (1L << bits) - 1};
        }
        if (bits == 64) {
            return new long[]{0, -1L};
        }
        if (bits < 128) {
            return new long[]{(1L << (bits - 64)) - 1, -1L};
        }
        return new long[]{-1L, -1L};
    }

    private static boolean le(long ah, long al, long bh, long bl) {
        int c = Long.compareUnsigned(ah, bh);
        return c < 0 || c == 0 && Long.compareUnsigned(al, bl) <= 0;
    }

    private static boolean gt(long ah, long al, long bh, long bl) {
        return !le(ah, al, bh, bl);
    }

    /** Cuts [start, end] into aligned CIDR blocks. */
    private static void emit(long sh, long sl, long eh, long el, int width, List<IpPrefix> out) {
        while (true) {
            int tz = sl != 0 ? Long.numberOfTrailingZeros(sl) : sh != 0 ? 64 + Long.numberOfTrailingZeros(sh) : 128;
            int k = Math.min(tz, width);
            long[] m;
            long bh;
            long bl;
            while (true) {
                m = ones(k);
                bh = sh | m[0];
                bl = sl | m[1];
                if (le(bh, bl, eh, el)) {
                    break;
                }
                k--;
            }
            out.add(prefix(sh, sl, width - k, width));
            if (bh == eh && bl == el) {
                return;
            }
            // start = block end + 1
            sl = bl + 1;
            sh = bh + (bl == -1L ? 1 : 0);
        }
    }

    private static IpPrefix prefix(long hi, long lo, int bits, int width) {
        byte[] a = new byte[width / 8];
        if (width == 32) {
            for (int b = 0; b < 4; b++) {
                a[b] = (byte) (lo >>> (24 - 8 * b));
            }
        } else {
            for (int b = 0; b < 8; b++) {
                a[b] = (byte) (hi >>> (56 - 8 * b));
                a[b + 8] = (byte) (lo >>> (56 - 8 * b));
            }
        }
        return IpPrefix.of(a, bits);
    }
}
