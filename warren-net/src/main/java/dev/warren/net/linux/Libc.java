package dev.warren.net.linux;

import java.lang.foreign.Arena;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.lang.ref.Reference;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import static dev.warren.net.linux.Syscalls.NR;

/**
 * The Linux system calls Warren uses, by name, each capturing {@code errno} into a caller-supplied
 * <em>call-state</em> segment ({@link #newCallState}). Every method returns the raw result; on {@code -1} the
 * caller reads {@link #errno} from the same call-state segment and turns it into an exception with
 * {@link Errno#exception}. All of them go through one FFM downcall, glibc's {@code syscall(2)}
 * ({@link Syscalls}; ADR 0019), rather than a downcall per libc function: each distinct downcall shape costs
 * an FFM stub, and ~20 of them made up most of the daemon's start-up.
 *
 * <p>Hot-path calls ({@code read}, {@code write}, {@code writev}, {@code poll}, {@code sendmmsg},
 * {@code recvmmsg}) take raw {@code long} addresses rather than {@link MemorySegment}s, so a caller can point
 * into the middle of a buffer without allocating a slice. The caller guarantees that the memory stays alive for
 * the call (a {@link CloseGuard} held across the call, or {@link java.lang.ref.Reference#reachabilityFence}).
 * Setup calls take native segments, which are kept reachable across the call here.
 *
 * <p><b>Fast path.</b> Capturing errno costs an object per call whenever the JIT's escape analysis does not
 * remove the call-state slice the linker creates (measured: 40 bytes per call, depending on profiles). So the
 * packet-path calls also exist without capture ({@code readFast}, {@code recvmmsgFast}, ...). Callers use
 * those, and only when one returns {@code -1} unexpectedly do they repeat the call with the capturing variant
 * to learn why — safe for these calls because a failed call has done nothing (no byte read or written, no
 * message sent or received), and an expected {@code EAGAIN} is answered by {@code poll} without asking.
 *
 * <p>Blocking calls here pin a virtual thread's carrier (JDK 25): run them on platform threads.
 *
 * <p>Thread-safety: the class is stateless; a call-state segment must not be shared by concurrent calls.
 */
public final class Libc {
    private static final StructLayout CALL_STATE = Linker.Option.captureStateLayout();
    private static final long ERRNO_OFFSET = CALL_STATE.byteOffset(MemoryLayout.PathElement.groupElement("errno"));
    /** {@code openat}'s "relative to the working directory". */
    private static final long AT_FDCWD = -100;

    private Libc() {
    }

    /**
     * Generates the downcall stub that creating a device needs (the errno-capturing one), e.g. on a background
     * thread while the rest of start-up goes on.
     */
    public static void preloadTun() {
        Syscalls.preloadCapturing();
    }

    /** Generates both downcall stubs (the packet loops' non-capturing one too). */
    public static void preloadUdp() {
        Syscalls.preload();
    }

    /**
     * True when this platform looks like 64-bit Linux with glibc-compatible struct layouts, on an architecture
     * whose system call numbers {@link Syscalls} knows.
     */
    public static boolean isLinux64() {
        return System.getProperty("os.name", "").startsWith("Linux") && ADDRESS.byteSize() == 8
                && Syscalls.Numbers.isKnown(System.getProperty("os.arch", "?"));
    }

    /**
     * A segment to pass as the first argument of every call here; errno lands in it. The memory comes from
     * {@code arena}, but the returned view has the global scope, so downcalls need not acquire and release
     * the arena's session on every call; the caller must stop using it before closing the arena (a
     * {@link CloseGuard} ensures that).
     */
    public static MemorySegment newCallState(Arena arena) {
        MemorySegment m = arena.allocate(CALL_STATE);
        return MemorySegment.ofAddress(m.address()).reinterpret(CALL_STATE.byteSize());
    }

    /** The errno captured by the last call that used {@code state}. */
    public static int errno(MemorySegment state) {
        return state.get(JAVA_INT, ERRNO_OFFSET);
    }

    /** {@code open(path, flags, mode)}, as {@code openat(AT_FDCWD, ...)}. */
    public static int open(MemorySegment st, MemorySegment path, int flags, int mode) {
        long r = Syscalls.call(st, NR.openat(), AT_FDCWD, address(path), flags, mode, 0, 0);
        Reference.reachabilityFence(path);
        return (int) r;
    }

    public static int close(MemorySegment st, int fd) {
        return (int) Syscalls.call(st, NR.close(), fd, 0, 0, 0, 0, 0);
    }

    public static long read(MemorySegment st, int fd, long buf, long count) {
        return Syscalls.call(st, NR.read(), fd, buf, count, 0, 0, 0);
    }

    public static long write(MemorySegment st, int fd, long buf, long count) {
        return Syscalls.call(st, NR.write(), fd, buf, count, 0, 0, 0);
    }

    public static long writev(MemorySegment st, int fd, long iov, int iovcnt) {
        return Syscalls.call(st, NR.writev(), fd, iov, iovcnt, 0, 0, 0);
    }

    public static int ioctl(MemorySegment st, int fd, long request, MemorySegment arg) {
        long r = Syscalls.call(st, NR.ioctl(), fd, request, address(arg), 0, 0, 0);
        Reference.reachabilityFence(arg);
        return (int) r;
    }

    public static int ioctl(MemorySegment st, int fd, long request, long arg) {
        return (int) Syscalls.call(st, NR.ioctl(), fd, request, arg, 0, 0, 0);
    }

    /**
     * {@code poll(2)}; on aarch64, which has only {@code ppoll}, a non-negative timeout is passed as a
     * {@code struct timespec} allocated for the call (a negative one, the packet path's, as NULL).
     */
    public static int poll(MemorySegment st, long fds, long nfds, int timeoutMillis) {
        if (NR.poll() >= 0) {
            return (int) Syscalls.call(st, NR.poll(), fds, nfds, timeoutMillis, 0, 0, 0);
        }
        if (timeoutMillis < 0) {
            return (int) Syscalls.call(st, NR.ppoll(), fds, nfds, 0, 0, 0, 0);
        }
        try (Arena arena = Arena.ofConfined()) {
            return (int) Syscalls.call(st, NR.ppoll(), fds, nfds, timespec(arena, timeoutMillis), 0, 0, 0);
        }
    }

    public static int eventfd(MemorySegment st, int initval, int flags) {
        return (int) Syscalls.call(st, NR.eventfd2(), initval, flags, 0, 0, 0, 0);
    }

    public static int socket(MemorySegment st, int domain, int type, int protocol) {
        return (int) Syscalls.call(st, NR.socket(), domain, type, protocol, 0, 0, 0);
    }

    public static int bind(MemorySegment st, int fd, MemorySegment addr, int addrLen) {
        long r = Syscalls.call(st, NR.bind(), fd, address(addr), addrLen, 0, 0, 0);
        Reference.reachabilityFence(addr);
        return (int) r;
    }

    public static int getsockname(MemorySegment st, int fd, MemorySegment addr, MemorySegment addrLen) {
        long r = Syscalls.call(st, NR.getsockname(), fd, address(addr), address(addrLen), 0, 0, 0);
        Reference.reachabilityFence(addr);
        Reference.reachabilityFence(addrLen);
        return (int) r;
    }

    public static int setsockopt(MemorySegment st, int fd, int level, int name, MemorySegment value, int len) {
        long r = Syscalls.call(st, NR.setsockopt(), fd, level, name, address(value), len, 0);
        Reference.reachabilityFence(value);
        return (int) r;
    }

    public static int getsockopt(MemorySegment st, int fd, int level, int name, MemorySegment value,
                                 MemorySegment len) {
        long r = Syscalls.call(st, NR.getsockopt(), fd, level, name, address(value), address(len), 0);
        Reference.reachabilityFence(value);
        Reference.reachabilityFence(len);
        return (int) r;
    }

    public static long sendmsg(MemorySegment st, int fd, long msghdr, int flags) {
        return Syscalls.call(st, NR.sendmsg(), fd, msghdr, flags, 0, 0, 0);
    }

    public static int sendmmsg(MemorySegment st, int fd, long mmsghdrs, int vlen, int flags) {
        return (int) Syscalls.call(st, NR.sendmmsg(), fd, mmsghdrs, vlen, flags, 0, 0);
    }

    public static int recvmmsg(MemorySegment st, int fd, long mmsghdrs, int vlen, int flags, long timeout) {
        return (int) Syscalls.call(st, NR.recvmmsg(), fd, mmsghdrs, vlen, flags, timeout, 0);
    }

    /** {@code read(2)} without errno capture. */
    public static long readFast(int fd, long buf, long count) {
        return Syscalls.callFast(NR.read(), fd, buf, count, 0, 0, 0);
    }

    /** {@code write(2)} without errno capture. */
    public static long writeFast(int fd, long buf, long count) {
        return Syscalls.callFast(NR.write(), fd, buf, count, 0, 0, 0);
    }

    /** {@code writev(2)} without errno capture. */
    public static long writevFast(int fd, long iov, int iovcnt) {
        return Syscalls.callFast(NR.writev(), fd, iov, iovcnt, 0, 0, 0);
    }

    /** {@code poll(2)} without errno capture (on aarch64 {@code ppoll}, see {@link #poll}). */
    public static int pollFast(long fds, long nfds, int timeoutMillis) {
        if (NR.poll() >= 0) {
            return (int) Syscalls.callFast(NR.poll(), fds, nfds, timeoutMillis, 0, 0, 0);
        }
        if (timeoutMillis < 0) {
            return (int) Syscalls.callFast(NR.ppoll(), fds, nfds, 0, 0, 0, 0);
        }
        try (Arena arena = Arena.ofConfined()) {
            return (int) Syscalls.callFast(NR.ppoll(), fds, nfds, timespec(arena, timeoutMillis), 0, 0, 0);
        }
    }

    /** {@code sendmmsg(2)} without errno capture. */
    public static int sendmmsgFast(int fd, long mmsghdrs, int vlen, int flags) {
        return (int) Syscalls.callFast(NR.sendmmsg(), fd, mmsghdrs, vlen, flags, 0, 0);
    }

    /** {@code recvmmsg(2)} without errno capture. */
    public static int recvmmsgFast(int fd, long mmsghdrs, int vlen, int flags, long timeout) {
        return (int) Syscalls.callFast(NR.recvmmsg(), fd, mmsghdrs, vlen, flags, timeout, 0);
    }

    /** Anonymous private read-write mapping; pages are zero-filled lazily. Returns -1 on failure. */
    public static long mmapAnonymous(MemorySegment st, long size) {
        return Syscalls.call(st, NR.mmap(), 0L, size, LinuxConstants.PROT_READ | LinuxConstants.PROT_WRITE,
                LinuxConstants.MAP_PRIVATE | LinuxConstants.MAP_ANONYMOUS, -1, 0L);
    }

    public static int munmap(MemorySegment st, long addr, long size) {
        return (int) Syscalls.call(st, NR.munmap(), addr, size, 0, 0, 0, 0);
    }

    /** The address of a native segment whose memory is still alive, for passing to a system call. */
    private static long address(MemorySegment s) {
        if (!s.isNative() || !s.scope().isAlive()) {
            throw new IllegalArgumentException("a system call needs live native memory, got " + s);
        }
        return s.address();
    }

    /** A {@code struct timespec} of {@code millis} (>= 0) in {@code arena}; its address. */
    private static long timespec(Arena arena, int millis) {
        MemorySegment ts = arena.allocate(16, 8);
        ts.set(JAVA_LONG, 0, millis / 1000);
        ts.set(JAVA_LONG, 8, (millis % 1000) * 1_000_000L);
        return ts.address();
    }

    /** A NUL-terminated copy of {@code s} (ASCII) in {@code arena}. */
    public static MemorySegment cString(Arena arena, String s) {
        return arena.allocateFrom(s);
    }

    /** Closes {@code fd} if it is not negative, ignoring errors (cleanup paths). */
    public static void closeQuietly(MemorySegment st, int fd) {
        if (fd >= 0) {
            close(st, fd);
        }
    }

    /** Value layouts used for host-order struct fields. */
    public static final ValueLayout.OfInt INT = JAVA_INT.withByteAlignment(1);
    public static final ValueLayout.OfLong LONG = JAVA_LONG.withByteAlignment(1);
    public static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT.withByteAlignment(1);
}
