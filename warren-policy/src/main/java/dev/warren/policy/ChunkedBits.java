package dev.warren.policy;

import java.util.Arrays;
import java.util.IdentityHashMap;

/**
 * Immutable bit rows in chunks of 512 bits ({@code long[8]}; a null chunk is all zero, and an all-zero chunk is
 * always stored as null). Writing a bit returns a new row that shares every other chunk, so flipping one node's
 * bit in thousands of peer rows copies a few hundred bytes per row instead of the whole row: the peer matrix of a
 * large, densely connected domain changes that way on every node update. Chunks are never written after they are
 * built, so rows may share them (see {@link #with(long[][], int, boolean, Memo)}).
 */
final class ChunkedBits {
    private static final int SHIFT = 9;
    private static final int WORDS = 8;
    static final long[][] EMPTY = new long[0][];

    private ChunkedBits() {
    }

    /** A chunked copy of a flat row. */
    static long[][] of(long[] flat) {
        int chunks = (flat.length + WORDS - 1) / WORDS;
        long[][] out = new long[chunks][];
        int last = -1;
        for (int c = 0; c < chunks; c++) {
            long[] ch = Arrays.copyOfRange(flat, c * WORDS, c * WORDS + WORDS);
            if (!zero(ch)) {
                out[c] = ch;
                last = c;
            }
        }
        return last < 0 ? EMPTY : last + 1 == chunks ? out : Arrays.copyOf(out, last + 1);
    }

    static boolean get(long[][] row, int i) {
        int c = i >>> SHIFT;
        if (c >= row.length) {
            return false;
        }
        long[] ch = row[c];
        return ch != null && (ch[(i >>> 6) & (WORDS - 1)] & (1L << i)) != 0;
    }

    /** The row with bit i set to v (the same row when it already is). */
    static long[][] with(long[][] row, int i, boolean v) {
        return with(row, i, v, null);
    }

    /**
     * {@link #with(long[][], int, boolean)} that reuses chunks: {@code memo} (for one bit i and one value v, or
     * null) maps an old chunk (null = absent) to the chunk it became, so rows that shared a chunk
     * before share its successor. Flipping one node's bit in every row of a densely connected domain — every
     * registration under allow-all — then allocates one chunk per distinct old chunk instead of one per row.
     */
    static long[][] with(long[][] row, int i, boolean v, Memo memo) {
        if (get(row, i) == v) {
            return row;
        }
        int c = i >>> SHIFT;
        long[][] r = Arrays.copyOf(row, Math.max(row.length, c + 1));
        long[] old = r[c];
        long[] ch = memo == null ? null : memo.get(old);
        if (ch == null) {
            ch = old == null ? new long[WORDS] : old.clone();
            int w = (i >>> 6) & (WORDS - 1);
            if (v) {
                ch[w] |= 1L << i;
            } else {
                ch[w] &= ~(1L << i);
            }
            if (!v && zero(ch)) { // setting a bit never leaves a chunk zero
                ch = null;
            } else if (memo != null) {
                memo.put(old, ch);
            }
        }
        r[c] = ch;
        return r;
    }

    /**
     * Old chunk → new chunk by identity, for one bit and value. Most lookups hit the last entry (rows built the same
     * way share their chunks), so it is checked before the map. Not thread-safe; one per update.
     */
    static final class Memo {
        private final IdentityHashMap<long[], long[]> map = new IdentityHashMap<>();
        private long[] lastOld;
        private long[] lastNew; // null: no last entry

        long[] get(long[] old) {
            if (lastNew != null && lastOld == old) {
                return lastNew;
            }
            return map.get(old);
        }

        void put(long[] old, long[] now) {
            map.put(old, now);
            lastOld = old;
            lastNew = now;
        }
    }

    /** The next set bit at or after {@code from}, or -1. */
    static int next(long[][] row, int from) {
        for (int c = from >>> SHIFT; c < row.length; c++) {
            long[] ch = row[c];
            if (ch == null) {
                continue;
            }
            int startWord = c == from >>> SHIFT ? (from >>> 6) & (WORDS - 1) : 0;
            for (int w = startWord; w < WORDS; w++) {
                long word = ch[w];
                int base = (c << SHIFT) + (w << 6);
                if (base + 63 < from) {
                    continue;
                }
                if (base < from) {
                    word &= -1L << (from - base);
                }
                if (word != 0) {
                    return base + Long.numberOfTrailingZeros(word);
                }
            }
        }
        return -1;
    }

    static int cardinality(long[][] row) {
        int n = 0;
        for (long[] ch : row) {
            if (ch != null) {
                for (long w : ch) {
                    n += Long.bitCount(w);
                }
            }
        }
        return n;
    }

    /** Content equality (shared chunks compare by identity). */
    static boolean same(long[][] a, long[][] b) {
        if (a == b) {
            return true;
        }
        int n = Math.max(a.length, b.length);
        for (int c = 0; c < n; c++) {
            long[] x = c < a.length ? a[c] : null;
            long[] y = c < b.length ? b[c] : null;
            if (x != y && (x == null || y == null || !Arrays.equals(x, y))) {
                return false;
            }
        }
        return true;
    }

    private static boolean zero(long[] ch) {
        for (long w : ch) {
            if (w != 0) {
                return false;
            }
        }
        return true;
    }
}
