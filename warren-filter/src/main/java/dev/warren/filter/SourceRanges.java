package dev.warren.filter;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A set of source addresses, each labelled with the index of the first rule that admits it: sorted, disjoint,
 * inclusive ranges of 128-bit addresses (see {@link Addresses}) in parallel arrays, searched with a binary search.
 * Built by {@link Builder}, which "paints" ranges in rule order: a range only fills addresses that no earlier
 * (lower-index) rule covered, so each address keeps the lowest index that admits it — first-match semantics.
 *
 * <p>Immutable once built; safe to share between threads.
 */
final class SourceRanges {
    private final long[] startHi;
    private final long[] startLo;
    private final long[] endHi;
    private final long[] endLo;
    private final int[] rule;

    private SourceRanges(long[] startHi, long[] startLo, long[] endHi, long[] endLo, int[] rule) {
        this.startHi = startHi;
        this.startLo = startLo;
        this.endHi = endHi;
        this.endLo = endLo;
        this.rule = rule;
    }

    /** The lowest rule index whose sources hold the address, or -1. */
    int lookup(long hi, long lo) {
        int a = 0;
        int b = rule.length - 1;
        int found = -1;
        while (a <= b) {
            int m = (a + b) >>> 1;
            if (compare(startHi[m], startLo[m], hi, lo) <= 0) {
                found = m;
                a = m + 1;
            } else {
                b = m - 1;
            }
        }
        if (found < 0 || compare(hi, lo, endHi[found], endLo[found]) > 0) {
            return -1;
        }
        return rule[found];
    }

    int size() {
        return rule.length;
    }

    static int compare(long aHi, long aLo, long bHi, long bLo) {
        int c = Long.compareUnsigned(aHi, bHi);
        return c != 0 ? c : Long.compareUnsigned(aLo, bLo);
    }

    /** A 128-bit address as a map key (compile time only). */
    private record U128(long hi, long lo) implements Comparable<U128> {
        @Override
        public int compareTo(U128 o) {
            return compare(hi, lo, o.hi, o.lo);
        }

        boolean isMax() {
            return hi == -1L && lo == -1L;
        }

        U128 next() {
            return lo == -1L ? new U128(hi + 1, 0) : new U128(hi, lo + 1);
        }

        U128 previous() {
            return lo == 0 ? new U128(hi - 1, -1L) : new U128(hi, lo - 1);
        }
    }

    private record Painted(U128 end, int rule) {
    }

    /** Collects ranges in rule order; not thread-safe. */
    static final class Builder {
        private final TreeMap<U128, Painted> ranges = new TreeMap<>();

        boolean isEmpty() {
            return ranges.isEmpty();
        }

        /** Adds {@code [start, end]} for {@code rule}, filling only what earlier adds left uncovered. */
        void add(long startHi, long startLo, long endHi, long endLo, int rule) {
            U128 s = new U128(startHi, startLo);
            U128 e = new U128(endHi, endLo);
            U128 cur = s;
            Map.Entry<U128, Painted> floor = ranges.floorEntry(s);
            if (floor != null && floor.getValue().end().compareTo(s) >= 0) {
                if (floor.getValue().end().compareTo(e) >= 0) {
                    return;
                }
                cur = floor.getValue().end().next();
            }
            List<U128[]> gaps = new ArrayList<>();
            boolean done = false;
            for (Map.Entry<U128, Painted> x : ranges.subMap(cur, true, e, true).entrySet()) {
                U128 a = x.getKey();
                U128 b = x.getValue().end();
                if (a.compareTo(cur) > 0) {
                    gaps.add(new U128[]{cur, a.previous()});
                }
                if (b.compareTo(e) >= 0) {
                    done = true;
                    break;
                }
                cur = b.next();
            }
            if (!done) {
                gaps.add(new U128[]{cur, e});
            }
            for (U128[] g : gaps) {
                ranges.put(g[0], new Painted(g[1], rule));
            }
        }

        /** The ranges, with neighbours of the same rule merged. */
        SourceRanges build() {
            List<long[]> out = new ArrayList<>();
            for (Map.Entry<U128, Painted> x : ranges.entrySet()) {
                U128 a = x.getKey();
                U128 b = x.getValue().end();
                int r = x.getValue().rule();
                if (!out.isEmpty()) {
                    long[] last = out.getLast();
                    if (last[4] == r && !new U128(last[2], last[3]).isMax()
                            && new U128(last[2], last[3]).next().equals(a)) {
                        last[2] = b.hi();
                        last[3] = b.lo();
                        continue;
                    }
                }
                out.add(new long[]{a.hi(), a.lo(), b.hi(), b.lo(), r});
            }
            int n = out.size();
            long[] sh = new long[n];
            long[] sl = new long[n];
            long[] eh = new long[n];
            long[] el = new long[n];
            int[] rs = new int[n];
            for (int i = 0; i < n; i++) {
                long[] x = out.get(i);
                sh[i] = x[0];
                sl[i] = x[1];
                eh[i] = x[2];
                el[i] = x[3];
                rs[i] = (int) x[4];
            }
            return new SourceRanges(sh, sl, eh, el, rs);
        }
    }
}
