package dev.warren.policy;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

import java.util.BitSet;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Chunked rows behave like a BitSet across many chunks, and writes never change the row written from. */
class ChunkedBitsTest {
    @Property(tries = 300)
    void behavesLikeABitSet(@ForAll @Size(max = 60) List<@IntRange(max = 3000) Integer> ops) {
        BitSet model = new BitSet();
        long[][] row = ChunkedBits.EMPTY;
        for (int op : ops) {
            boolean value = !model.get(op) || op % 3 != 0;
            long[][] before = row;
            BitSet beforeModel = (BitSet) model.clone();
            row = ChunkedBits.with(row, op, value);
            model.set(op, value);
            assertEquals(beforeModel.cardinality(), ChunkedBits.cardinality(before), "the old row is unchanged");
        }
        assertEquals(model.cardinality(), ChunkedBits.cardinality(row));
        int i = -1;
        for (int b = model.nextSetBit(0); b >= 0; b = model.nextSetBit(b + 1)) {
            i = ChunkedBits.next(row, i + 1);
            assertEquals(b, i);
            assertTrue(ChunkedBits.get(row, b));
        }
        assertEquals(-1, ChunkedBits.next(row, i + 1));
        long[] flat = new long[(3001 + 63) / 64];
        for (int b = model.nextSetBit(0); b >= 0; b = model.nextSetBit(b + 1)) {
            flat[b >>> 6] |= 1L << b;
        }
        assertTrue(ChunkedBits.same(row, ChunkedBits.of(flat)));
        for (int b = 0; b < 3100; b += 7) {
            assertEquals(model.get(b), ChunkedBits.get(row, b));
            assertEquals(model.nextSetBit(b), ChunkedBits.next(row, b));
        }
    }

    /**
     * Writing one bit into many rows through a memo gives each row the same content as writing it alone, leaves the
     * old rows unchanged, and rows that shared the written chunk share its successor.
     */
    @Property(tries = 200)
    void memoizedWritesEqualSingleWritesAndShareChunks(@ForAll @Size(min = 1, max = 12) List<@Size(max = 20)
            List<@IntRange(max = 1500) Integer>> rowBits, @ForAll @IntRange(max = 1500) int bit, @ForAll boolean value,
            @ForAll @IntRange(max = 11) int sharedFrom) {
        long[][][] rows = new long[rowBits.size()][][];
        for (int k = 0; k < rows.length; k++) {
            long[][] row = ChunkedBits.EMPTY;
            for (int b : rowBits.get(k)) {
                row = ChunkedBits.with(row, b, true);
            }
            rows[k] = row;
        }
        // some rows are the very same row object (as unchanged rows are shared between states)
        for (int k = Math.min(sharedFrom, rows.length - 1) + 1; k < rows.length; k += 2) {
            rows[k] = rows[k - 1];
        }
        ChunkedBits.Memo memo = new ChunkedBits.Memo();
        long[][][] out = new long[rows.length][][];
        for (int k = 0; k < rows.length; k++) {
            int before = ChunkedBits.cardinality(rows[k]);
            out[k] = ChunkedBits.with(rows[k], bit, value, memo);
            assertTrue(ChunkedBits.same(ChunkedBits.with(rows[k], bit, value), out[k]), "row " + k);
            assertEquals(before, ChunkedBits.cardinality(rows[k]), "the old row is unchanged");
        }
        int c = bit >>> 9;
        for (int k = 1; k < rows.length; k++) {
            long[] a = c < rows[k - 1].length ? rows[k - 1][c] : null;
            long[] b = c < rows[k].length ? rows[k][c] : null;
            if (a == b && ChunkedBits.get(rows[k], bit) != value && ChunkedBits.get(rows[k - 1], bit) != value) {
                assertTrue(out[k - 1][c] == out[k][c], "rows " + (k - 1) + " and " + k + " share the new chunk");
            }
        }
    }
}
