package dev.warren.wireguard.tables;

import java.util.Arrays;

/**
 * The anti-replay window of RFC 6479, sized as WireGuard uses it: a ring of {@value #RING_BLOCKS} 64-bit
 * blocks (8192 bits), of which all but one block form the window, so a counter up to {@value #WINDOW_SIZE}
 * below the highest one seen is still accepted once.
 *
 * <p>How it works: {@code last} is the highest counter accepted so far; block {@code c >>> 6} of counter
 * {@code c} lives in ring slot {@code (c >>> 6) % 128}, bit {@code c & 63}. A counter above {@code last}
 * moves the window forward, zeroing the slots of the blocks it skips (at most the whole ring), so stale
 * bits from a previous lap are never mistaken for seen counters. The one spare block is what lets the
 * window advance in block steps without clearing bits still inside it.
 *
 * <p>Invariants: every ring slot for blocks {@code (last>>>6)-127 .. last>>>6} holds exactly the counters
 * of that block accepted so far; any counter more than {@link #WINDOW_SIZE} below {@code last} is
 * rejected without looking at the ring.
 *
 * <p>Counters are unsigned 64-bit values compared with unsigned arithmetic, so the engine may pass
 * WireGuard's limit {@link #REJECT_AFTER_MESSAGES} (2^64 − 2^13 − 1) as it is.
 *
 * <p>Concurrency: not thread-safe. The engine calls it from the one thread that decrypts for a keypair, or
 * under its own lock; it allocates nothing.
 */
public final class ReplayFilter {
    /** Bits per ring block. */
    public static final int BLOCK_BITS = 64;
    /** Blocks in the ring. */
    public static final int RING_BLOCKS = 128;
    /** How far below the highest accepted counter a counter may be and still be accepted. */
    public static final long WINDOW_SIZE = (long) (RING_BLOCKS - 1) * BLOCK_BITS;
    /** WireGuard's REJECT_AFTER_MESSAGES, 2^64 − 2^13 − 1, as an unsigned long. */
    public static final long REJECT_AFTER_MESSAGES = -(1L << 13) - 1;

    private static final int BLOCK_SHIFT = 6;
    private static final int RING_MASK = RING_BLOCKS - 1;

    private final long[] ring = new long[RING_BLOCKS];
    private long last;

    /** A filter that has seen nothing. */
    public ReplayFilter() {
    }

    /** Forgets everything, as for a fresh keypair. */
    public void reset() {
        last = 0;
        Arrays.fill(ring, 0L);
    }

    /**
     * True iff {@code counter} is new (not seen before and not below the window) and, unsigned, below
     * {@code limit}; an accepted counter is recorded. Call it only after the packet authenticated, or an
     * attacker could advance the window with forged counters.
     */
    public boolean validateCounter(long counter, long limit) {
        if (Long.compareUnsigned(counter, limit) >= 0) {
            return false;
        }
        long block = counter >>> BLOCK_SHIFT;
        if (Long.compareUnsigned(counter, last) > 0) {
            long current = last >>> BLOCK_SHIFT;
            long skipped = block - current; // block >= current, so this is exact
            int clear = Long.compareUnsigned(skipped, RING_BLOCKS) > 0 ? RING_BLOCKS : (int) skipped;
            for (int i = 1; i <= clear; i++) {
                ring[(int) ((current + i) & RING_MASK)] = 0L;
            }
            last = counter;
        } else if (Long.compareUnsigned(last - counter, WINDOW_SIZE) > 0) {
            return false;
        }
        int slot = (int) (block & RING_MASK);
        long bit = 1L << (counter & (BLOCK_BITS - 1));
        long old = ring[slot];
        ring[slot] = old | bit;
        return (old & bit) == 0;
    }
}
