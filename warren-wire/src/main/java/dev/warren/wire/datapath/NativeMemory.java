package dev.warren.wire.datapath;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.Locale;

/**
 * Large native regions whose pages are only backed by RAM once touched. {@code Arena.allocate} zeroes what it
 * returns, which would make a pool of 64 KiB packet buffers resident at once; an anonymous {@code mmap} is
 * zero-filled lazily by the kernel instead. Falls back to the arena off Linux (and on Linux architectures other
 * than x86-64 and aarch64).
 *
 * <p>{@code mmap} is called through glibc's {@code syscall(2)} with exactly the downcall shape warren-net's
 * {@code dev.warren.net.linux.Syscalls} uses (seven {@code long}s, variadic after the first, no errno capture):
 * the FFM linker caches stubs by shape, so this costs no stub of its own at start-up (ADR 0019).
 */
public final class NativeMemory {
    private static final int PROT_READ = 1;
    private static final int PROT_WRITE = 2;
    private static final int MAP_PRIVATE = 2;
    private static final int MAP_ANONYMOUS = 0x20;
    /** {@code mmap}'s system call number: x86-64 9, aarch64 222; -1 elsewhere. */
    private static final long SYS_MMAP = switch (System.getProperty("os.arch", "").toLowerCase(Locale.ROOT)) {
        case "amd64", "x86_64" -> 9;
        case "aarch64", "arm64" -> 222;
        default -> -1;
    };
    /** {@code long syscall(long nr, ...)} with six {@code long} arguments. */
    private static final MethodHandle SYSCALL;

    static {
        MethodHandle h = null;
        if (SYS_MMAP >= 0) {
            try {
                Linker linker = Linker.nativeLinker();
                ValueLayout l = ValueLayout.JAVA_LONG;
                h = linker.downcallHandle(linker.defaultLookup().find("syscall").orElseThrow(),
                        FunctionDescriptor.of(l, l, l, l, l, l, l, l), Linker.Option.firstVariadicArg(1));
            } catch (RuntimeException | LinkageError e) {
                h = null;
            }
        }
        SYSCALL = h;
    }

    private NativeMemory() {
    }

    /** Reserves {@code size} bytes that live as long as the JVM, 4096-byte aligned, lazily backed. */
    public static MemorySegment allocateLazily(long size) {
        if (SYSCALL != null && System.getProperty("os.name", "").startsWith("Linux")) {
            try {
                long p = (long) SYSCALL.invokeExact(SYS_MMAP, 0L, size, (long) (PROT_READ | PROT_WRITE),
                        (long) (MAP_PRIVATE | MAP_ANONYMOUS), -1L, 0L);
                if (p != -1L && p != 0L) {
                    return MemorySegment.ofAddress(p).reinterpret(size);
                }
            } catch (Throwable e) {
                // fall back below
            }
        }
        return Arena.global().allocate(size, 4096);
    }
}
