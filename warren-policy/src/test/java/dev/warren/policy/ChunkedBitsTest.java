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
}
