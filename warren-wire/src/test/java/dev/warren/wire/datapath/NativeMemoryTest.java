package dev.warren.wire.datapath;

import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Lazily backed regions (an anonymous mmap through syscall(2) on Linux) are page-aligned, zeroed and usable. */
class NativeMemoryTest {
    @Test
    void regionIsAlignedZeroedAndWritable() {
        long size = 3L << 20;
        MemorySegment m = NativeMemory.allocateLazily(size);
        assertEquals(size, m.byteSize());
        assertEquals(0, m.address() % 4096, "page-aligned");
        for (long off = 0; off < size; off += 4096 * 37) {
            assertEquals(0L, m.get(ValueLayout.JAVA_LONG, off), "zero at " + off);
            m.set(ValueLayout.JAVA_LONG, off, off + 1);
        }
        for (long off = 0; off < size; off += 4096 * 37) {
            assertEquals(off + 1, m.get(ValueLayout.JAVA_LONG, off));
        }
        m.set(ValueLayout.JAVA_BYTE, size - 1, (byte) 7);
        assertEquals(7, m.get(ValueLayout.JAVA_BYTE, size - 1));
    }
}
