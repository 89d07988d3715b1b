package dev.warren.net.linux;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.util.Locale;

import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * Every Linux system call Warren makes, through one FFM downcall shape: glibc's variadic
 * {@code long syscall(long number, ...)} called with six {@code long} arguments after the number.
 *
 * <p><b>Why.</b> The FFM linker generates a stub (a set of hidden classes and lambda forms) per distinct
 * function shape — measured at ~7–15 ms of CPU each after a first one of ~30–100 ms, and the JDK's AOT cache
 * keeps none of them. Calling ~20 libc functions of ~20 shapes cost ~250 ms of CPU at daemon start; going
 * through {@code syscall} needs two stubs (with and without {@code errno} capture), whatever the call
 * (ADR 0019).
 *
 * <p><b>ABI.</b> {@code syscall} is variadic after the number ({@link Linker.Option#firstVariadicArg}{@code (1)}).
 * On x86-64 (System V) and aarch64 (AAPCS64 on Linux) variadic integer arguments travel in the same registers
 * as named ones, so six {@code long}s fill rdi..r9 after the number (x86-64) or x1..x6 (aarch64), which glibc
 * moves into the kernel's argument registers; the kernel ignores the ones a call does not take. {@code int}
 * arguments are widened by sign extension and the kernel reads their low 32 bits; pointers are passed as
 * their addresses, so the caller keeps the memory alive across the call. Like the libc functions it replaces,
 * {@code syscall} returns {@code -1} and sets {@code errno} on failure (kernel results -4095..-1).
 *
 * <p>The numbers are per architecture ({@link Numbers}): x86-64 and aarch64 are supported; on any other
 * architecture initialising this class fails (its cause, an {@link UnsupportedOperationException}, names the
 * architecture), and {@link Libc#isLinux64()} is false there so that callers take their portable paths. aarch64 has no
 * {@code open} or {@code eventfd}, so {@code openat} and {@code eventfd2} are used everywhere; it has no
 * {@code poll} either ({@link Numbers#poll} is -1 there), and {@link Libc#poll} uses {@code ppoll} instead.
 *
 * <p>Thread-safety: stateless; the handles are immutable.
 */
public final class Syscalls {
    /** {@code long syscall(long number, long a1, ..., long a6)}, variadic after the number. */
    private static final FunctionDescriptor SHAPE = FunctionDescriptor.of(JAVA_LONG,
            JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG);

    /** System call numbers of one architecture (from the kernel's unistd headers). */
    public record Numbers(String arch, int read, int write, int writev, int close, int openat, int ioctl,
                          int poll, int ppoll, int eventfd2, int socket, int bind, int getsockname,
                          int setsockopt, int getsockopt, int sendmsg, int sendmmsg, int recvmmsg,
                          int mmap, int munmap) {
        /** x86-64: arch/x86/entry/syscalls/syscall_64.tbl. */
        static final Numbers X86_64 = new Numbers("amd64", 0, 1, 20, 3, 257, 16, 7, 271, 290, 41, 49, 51, 54, 55,
                46, 307, 299, 9, 11);
        /** aarch64: include/uapi/asm-generic/unistd.h (no poll: ppoll only). */
        static final Numbers AARCH64 = new Numbers("aarch64", 63, 64, 66, 57, 56, 29, -1, 73, 19, 198, 200, 204,
                208, 209, 211, 269, 243, 222, 215);

        /** True when {@code osArch} (a value of {@code os.arch}) is one whose numbers are known. */
        public static boolean isKnown(String osArch) {
            return switch (osArch.toLowerCase(Locale.ROOT)) {
                case "amd64", "x86_64", "aarch64", "arm64" -> true;
                default -> false;
            };
        }

        /** The numbers for {@code os.arch}, or an exception naming the unsupported architecture. */
        public static Numbers forArch(String osArch) {
            return switch (osArch.toLowerCase(Locale.ROOT)) {
                case "amd64", "x86_64" -> X86_64;
                case "aarch64", "arm64" -> AARCH64;
                default -> throw new UnsupportedOperationException("Linux system calls are only wired up for "
                        + "x86-64 and aarch64, not for os.arch=" + osArch);
            };
        }
    }

    /** The running architecture's numbers (initialised with the handles, on first use). */
    public static final Numbers NR;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final MemorySegment SYSCALL;
    private static final MethodHandle WITH_ERRNO;

    static {
        NR = Numbers.forArch(System.getProperty("os.arch", "?"));
        SYSCALL = LINKER.defaultLookup().find("syscall")
                .orElseThrow(() -> new UnsatisfiedLinkError("libc symbol syscall not found"));
        WITH_ERRNO = LINKER.downcallHandle(SYSCALL, SHAPE, Linker.Option.captureCallState("errno"),
                Linker.Option.firstVariadicArg(1));
    }

    /**
     * The stub without errno capture, generated on first use: creating a device needs only the capturing one,
     * and each stub costs ~15–40 ms of CPU at start-up.
     */
    private static final class Fast {
        static final MethodHandle NO_ERRNO = LINKER.downcallHandle(SYSCALL, SHAPE, Linker.Option.firstVariadicArg(1));
    }

    private Syscalls() {
    }

    /** Generates the errno-capturing stub (the one set-up calls use) now, e.g. on a background thread. */
    public static void preloadCapturing() {
        if (WITH_ERRNO == null) {
            throw new AssertionError();
        }
    }

    /** Generates both downcall stubs now, the capturing one first. */
    public static void preload() {
        if (WITH_ERRNO == null || Fast.NO_ERRNO == null) {
            throw new AssertionError();
        }
    }

    /**
     * Makes system call {@code nr}; on failure returns -1 with {@code errno} in {@code callState}
     * ({@link Libc#newCallState}).
     */
    public static long call(MemorySegment callState, int nr, long a1, long a2, long a3, long a4, long a5, long a6) {
        try {
            return (long) WITH_ERRNO.invokeExact(callState, (long) nr, a1, a2, a3, a4, a5, a6);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * Makes system call {@code nr} without capturing {@code errno} (no per-call allocation even when escape
     * analysis fails): for hot paths that repeat a failed call with {@link #call} to learn why.
     */
    public static long callFast(int nr, long a1, long a2, long a3, long a4, long a5, long a6) {
        try {
            return (long) Fast.NO_ERRNO.invokeExact((long) nr, a1, a2, a3, a4, a5, a6);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    private static RuntimeException rethrow(Throwable t) {
        if (t instanceof RuntimeException r) {
            throw r;
        }
        if (t instanceof Error e) {
            throw e;
        }
        throw new IllegalStateException("unexpected exception from a downcall", t);
    }
}
