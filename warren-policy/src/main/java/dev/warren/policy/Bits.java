package dev.warren.policy;

import java.util.Arrays;

/**
 * Bit sets over node slots as plain {@code long[]} rows. Rows may be shorter than the current slot count (missing
 * words read as zero), so a row written before the node table grew stays valid. Rows held by a
 * {@link CompiledPolicy} are never written; updates copy a row before changing it.
 */
final class Bits {
    static final long[] EMPTY = new long[0];

    private Bits() {
    }

    static int words(int slots) {
        return (slots + 63) >>> 6;
    }

    static boolean get(long[] row, int i) {
        int w = i >>> 6;
        return w < row.length && (row[w] & (1L << i)) != 0;
    }

    /** Sets bit i in a row the caller owns (it must be long enough). */
    static void set(long[] row, int i) {
        row[i >>> 6] |= 1L << i;
    }

    /** ORs {@code src} into {@code dst} (dst at least as long as src's set words). */
    static void or(long[] dst, long[] src) {
        int n = Math.min(dst.length, src.length);
        for (int i = 0; i < n; i++) {
            dst[i] |= src[i];
        }
    }

    static boolean isEmpty(long[] row) {
        for (long w : row) {
            if (w != 0) {
                return false;
            }
        }
        return true;
    }

    /** Equality ignoring trailing zero words. */
    static boolean same(long[] a, long[] b) {
        int n = Math.max(a.length, b.length);
        for (int i = 0; i < n; i++) {
            long x = i < a.length ? a[i] : 0;
            long y = i < b.length ? b[i] : 0;
            if (x != y) {
                return false;
            }
        }
        return true;
    }

    static int cardinality(long[] row) {
        int c = 0;
        for (long w : row) {
            c += Long.bitCount(w);
        }
        return c;
    }

    /** The next set bit at or after {@code from}, or -1. */
    static int next(long[] row, int from) {
        int w = from >>> 6;
        if (w >= row.length) {
            return -1;
        }
        long word = row[w] & (-1L << from);
        while (true) {
            if (word != 0) {
                return (w << 6) + Long.numberOfTrailingZeros(word);
            }
            if (++w >= row.length) {
                return -1;
            }
            word = row[w];
        }
    }

    /** Trims trailing zero words (an all-zero row becomes {@link #EMPTY}). */
    static long[] trim(long[] row) {
        int n = row.length;
        while (n > 0 && row[n - 1] == 0) {
            n--;
        }
        return n == 0 ? EMPTY : n == row.length ? row : Arrays.copyOf(row, n);
    }
}
