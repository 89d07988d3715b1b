package dev.warren.wireguard;

import java.util.Arrays;

/**
 * TAI64N timestamps as carried in handshake initiations: 8 bytes big-endian seconds since 1970 plus 2^62 + 10,
 * then 4 bytes big-endian nanoseconds. The low 24 bits of the nanoseconds are cleared ("whitened"), so an
 * initiation does not reveal the sender's clock precisely. Responders accept an initiation only if its
 * timestamp is greater than the last one seen from that peer (replay protection).
 */
final class Tai64n {
    static final int SIZE = 12;
    private static final long BASE = 0x400000000000000aL;
    private static final int WHITENER_MASK = 0x1000000 - 1;

    private Tai64n() {
    }

    static byte[] of(long epochNanos) {
        long secs = BASE + Math.floorDiv(epochNanos, 1_000_000_000L);
        int nanos = (int) Math.floorMod(epochNanos, 1_000_000_000L) & ~WHITENER_MASK;
        byte[] t = new byte[SIZE];
        for (int i = 0; i < 8; i++) {
            t[i] = (byte) (secs >>> (56 - 8 * i));
        }
        for (int i = 0; i < 4; i++) {
            t[8 + i] = (byte) (nanos >>> (24 - 8 * i));
        }
        return t;
    }

    /** True when {@code a} is strictly later than {@code b} (unsigned byte-wise comparison). */
    static boolean after(byte[] a, byte[] b) {
        return Arrays.compareUnsigned(a, b) > 0;
    }
}
