package dev.warren.wire.datapath;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/**
 * Large native regions whose pages are only backed by RAM once touched. {@code Arena.allocate} zeroes what it
 * returns, which would make a pool of 64 KiB packet buffers resident at once; an anonymous {@code mmap} is
 * zero-filled lazily by the kernel instead. Falls back to the arena off Linux.
 */
public final class NativeMemory {
    private static final int PROT_READ = 1;
    private static final int PROT_WRITE = 2;
    private static final int MAP_PRIVATE = 2;
    private static final int MAP_ANONYMOUS = 0x20;
    private static final MethodHandle MMAP;

    static {
        MethodHandle h = null;
        try {
            Linker linker = Linker.nativeLinker();
            h = linker.downcallHandle(linker.defaultLookup().find("mmap").orElseThrow(),
                    FunctionDescriptor.of(ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG,
                            ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG));
        } catch (RuntimeException | LinkageError e) {
            h = null;
        }
        MMAP = h;
    }

    private NativeMemory() {
    }

    /** Reserves {@code size} bytes that live as long as the JVM, 4096-byte aligned, lazily backed. */
    public static MemorySegment allocateLazily(long size) {
        if (MMAP != null && System.getProperty("os.name", "").startsWith("Linux")) {
            try {
                MemorySegment p = (MemorySegment) MMAP.invokeExact(MemorySegment.NULL, size,
                        PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0L);
                if (p.address() != -1L && p.address() != 0L) {
                    return p.reinterpret(size);
                }
            } catch (Throwable e) {
                // fall back below
            }
        }
        return Arena.global().allocate(size, 4096);
    }
}
