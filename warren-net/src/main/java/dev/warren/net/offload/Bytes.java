package dev.warren.net.offload;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/** Network-order (big-endian) and little-endian field access on packet memory; unaligned, allocation-free. */
final class Bytes {
    static final ValueLayout.OfShort BE16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    static final ValueLayout.OfInt BE32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    static final ValueLayout.OfLong BE64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    static final ValueLayout.OfLong LE64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfShort LE16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private Bytes() {
    }

    static int u8(MemorySegment s, long off) {
        return s.get(ValueLayout.JAVA_BYTE, off) & 0xff;
    }

    static int u16(MemorySegment s, long off) {
        return s.get(BE16, off) & 0xffff;
    }

    static int i32(MemorySegment s, long off) {
        return s.get(BE32, off);
    }

    static void put8(MemorySegment s, long off, int v) {
        s.set(ValueLayout.JAVA_BYTE, off, (byte) v);
    }

    static void put16(MemorySegment s, long off, int v) {
        s.set(BE16, off, (short) v);
    }

    static void put32(MemorySegment s, long off, int v) {
        s.set(BE32, off, v);
    }

    static int le16(MemorySegment s, long off) {
        return s.get(LE16, off) & 0xffff;
    }

    static void putLe16(MemorySegment s, long off, int v) {
        s.set(LE16, off, (short) v);
    }

    /** True when {@code a[ao, ao+len)} equals {@code b[bo, bo+len)}. */
    static boolean equal(MemorySegment a, long ao, MemorySegment b, long bo, int len) {
        int i = 0;
        for (; i + 8 <= len; i += 8) {
            if (a.get(BE64, ao + i) != b.get(BE64, bo + i)) {
                return false;
            }
        }
        for (; i < len; i++) {
            if (a.get(ValueLayout.JAVA_BYTE, ao + i) != b.get(ValueLayout.JAVA_BYTE, bo + i)) {
                return false;
            }
        }
        return true;
    }
}
