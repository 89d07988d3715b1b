package dev.warren.net.linux;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * Plain (non-critical) FFM downcalls into glibc, each capturing {@code errno} into a caller-supplied
 * <em>call-state</em> segment ({@link #newCallState}). Every method returns the raw C result; on {@code -1} the
 * caller reads {@link #errno} from the same call-state segment and turns it into an exception with
 * {@link Errno#exception}.
 *
 * <p>Hot-path calls ({@code read}, {@code write}, {@code writev}, {@code poll}, {@code sendmmsg},
 * {@code recvmmsg}) take raw {@code long} addresses rather than {@link MemorySegment}s, so a caller can point
 * into the middle of a buffer without allocating a slice. The caller guarantees that the memory stays alive for
 * the call (a {@link CloseGuard} held across the call, or {@link java.lang.ref.Reference#reachabilityFence}).
 * Setup calls take segments.
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
    private static final Linker LINKER = Linker.nativeLinker();
    private static final SymbolLookup LOOKUP = LINKER.defaultLookup();
    private static final Linker.Option ERRNO = Linker.Option.captureCallState("errno");
    private static final StructLayout CALL_STATE = Linker.Option.captureStateLayout();
    private static final long ERRNO_OFFSET = CALL_STATE.byteOffset(MemoryLayout.PathElement.groupElement("errno"));

    // Downcall handles, in groups initialised lazily (each group is a holder class): generating an FFM stub
    // costs ~7 ms per distinct function shape (plus ~100 ms for the first), ~250 ms in all, and start-up should
    // only wait for what it needs first. preload* lets a background thread initialise groups ahead of use.
    /** Calls that creating a TUN device and an eventfd need. */
    private static final class Core {
        static final MethodHandle OPEN = handle("open",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT), ERRNO, Linker.Option.firstVariadicArg(2));
        static final MethodHandle CLOSE = handle("close", FunctionDescriptor.of(JAVA_INT, JAVA_INT), ERRNO);
        static final MethodHandle IOCTL_PTR = handle("ioctl",
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, ADDRESS), ERRNO, Linker.Option.firstVariadicArg(2));
        static final MethodHandle IOCTL_LONG = handle("ioctl",
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_LONG), ERRNO, Linker.Option.firstVariadicArg(2));
        static final MethodHandle EVENTFD = handle("eventfd",
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT), ERRNO);
        static final MethodHandle SOCKET = handle("socket",
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT), ERRNO);
        static final MethodHandle WRITE = handle("write",
                FunctionDescriptor.of(JAVA_LONG, JAVA_INT, JAVA_LONG, JAVA_LONG), ERRNO);
    }

    /** The hot read/write/poll calls (no errno capture). */
    private static final class Io {
        static final MethodHandle READ_FAST = handle("read",
                FunctionDescriptor.of(JAVA_LONG, JAVA_INT, JAVA_LONG, JAVA_LONG));
        static final MethodHandle WRITE_FAST = handle("write",
                FunctionDescriptor.of(JAVA_LONG, JAVA_INT, JAVA_LONG, JAVA_LONG));
        static final MethodHandle WRITEV_FAST = handle("writev",
                FunctionDescriptor.of(JAVA_LONG, JAVA_INT, JAVA_LONG, JAVA_INT));
        static final MethodHandle POLL_FAST = handle("poll",
                FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_INT));
    }

    /** read/writev/poll with errno capture: only after an unexpected failure. */
    private static final class IoErrno {
        static final MethodHandle READ = handle("read",
                FunctionDescriptor.of(JAVA_LONG, JAVA_INT, JAVA_LONG, JAVA_LONG), ERRNO);
        static final MethodHandle WRITEV = handle("writev",
                FunctionDescriptor.of(JAVA_LONG, JAVA_INT, JAVA_LONG, JAVA_INT), ERRNO);
        static final MethodHandle POLL = handle("poll",
                FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_INT), ERRNO);
    }

    /** Socket set-up and memory mapping for the UDP bind. */
    private static final class Sockets {
        static final MethodHandle BIND = handle("bind",
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT), ERRNO);
        static final MethodHandle GETSOCKNAME = handle("getsockname",
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS), ERRNO);
        static final MethodHandle SETSOCKOPT = handle("setsockopt",
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT), ERRNO);
        static final MethodHandle GETSOCKOPT = handle("getsockopt",
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, ADDRESS), ERRNO);
        static final MethodHandle SENDMSG = handle("sendmsg",
                FunctionDescriptor.of(JAVA_LONG, JAVA_INT, JAVA_LONG, JAVA_INT), ERRNO);
        static final MethodHandle MMAP = handle("mmap",
                FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_LONG), ERRNO);
        static final MethodHandle MUNMAP = handle("munmap",
                FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_LONG), ERRNO);
    }

    /** Batched UDP send and receive. */
    private static final class Mmsg {
        static final MethodHandle SENDMMSG_FAST = handle("sendmmsg",
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_INT, JAVA_INT));
        static final MethodHandle RECVMMSG_FAST = handle("recvmmsg",
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_INT, JAVA_INT, JAVA_LONG));
        static final MethodHandle SENDMMSG = handle("sendmmsg",
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_INT, JAVA_INT), ERRNO);
        static final MethodHandle RECVMMSG = handle("recvmmsg",
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_INT, JAVA_INT, JAVA_LONG), ERRNO);
    }

    private Libc() {
    }

    /** Initialises the handles a TUN device needs (creation, reads, writes), e.g. on a background thread. */
    public static void preloadTun() {
        touch(Core.OPEN, Io.READ_FAST);
    }

    /** Initialises the handles a UDP bind needs. */
    public static void preloadUdp() {
        touch(Sockets.BIND, Mmsg.RECVMMSG_FAST, IoErrno.POLL);
    }

    private static void touch(Object... handles) {
        if (handles.length == 0) {
            throw new AssertionError();
        }
    }

    private static MethodHandle handle(String name, FunctionDescriptor fd, Linker.Option... options) {
        MemorySegment symbol = LOOKUP.find(name)
                .orElseThrow(() -> new UnsatisfiedLinkError("libc symbol " + name + " not found"));
        return LINKER.downcallHandle(symbol, fd, options);
    }

    /** True when this platform looks like 64-bit Linux with glibc-compatible struct layouts. */
    public static boolean isLinux64() {
        return System.getProperty("os.name", "").startsWith("Linux") && ADDRESS.byteSize() == 8;
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

    private static RuntimeException rethrow(Throwable t) {
        if (t instanceof RuntimeException r) {
            throw r;
        }
        if (t instanceof Error e) {
            throw e;
        }
        throw new IllegalStateException("unexpected exception from a downcall", t);
    }

    public static int open(MemorySegment st, MemorySegment path, int flags, int mode) {
        try {
            return (int) Core.OPEN.invokeExact(st, path, flags, mode);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public static int close(MemorySegment st, int fd) {
        try {
            return (int) Core.CLOSE.invokeExact(st, fd);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public static long read(MemorySegment st, int fd, long buf, long count) {
        try {
            return (long) IoErrno.READ.invokeExact(st, fd, buf, count);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public static long write(MemorySegment st, int fd, long buf, long count) {
        try {
            return (long) Core.WRITE.invokeExact(st, fd, buf, count);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public static long writev(MemorySegment st, int fd, long iov, int iovcnt) {
        try {
            return (long) IoErrno.WRITEV.invokeExact(st, fd, iov, iovcnt);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public static int ioctl(MemorySegment st, int fd, long request, MemorySegment arg) {
        try {
            return (int) Core.IOCTL_PTR.invokeExact(st, fd, request, arg);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public static int ioctl(MemorySegment st, int fd, long request, long arg) {
        try {
            return (int) Core.IOCTL_LONG.invokeExact(st, fd, request, arg);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public static int poll(MemorySegment st, long fds, long nfds, int timeoutMillis) {
        try {
            return (int) IoErrno.POLL.invokeExact(st, fds, nfds, timeoutMillis);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public static int eventfd(MemorySegment st, int initval, int flags) {
        try {
            return (int) Core.EVENTFD.invokeExact(st, initval, flags);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public static int socket(MemorySegment st, int domain, int type, int protocol) {
        try {
            return (int) Core.SOCKET.invokeExact(st, domain, type, protocol);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public static int bind(MemorySegment st, int fd, MemorySegment addr, int addrLen) {
        try {
            return (int) Sockets.BIND.invokeExact(st, fd, addr, addrLen);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public static int getsockname(MemorySegment st, int fd, MemorySegment addr, MemorySegment addrLen) {
        try {
            return (int) Sockets.GETSOCKNAME.invokeExact(st, fd, addr, addrLen);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public static int setsockopt(MemorySegment st, int fd, int level, int name, MemorySegment value, int len) {
        try {
            return (int) Sockets.SETSOCKOPT.invokeExact(st, fd, level, name, value, len);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public static int getsockopt(MemorySegment st, int fd, int level, int name, MemorySegment value,
                                 MemorySegment len) {
        try {
            return (int) Sockets.GETSOCKOPT.invokeExact(st, fd, level, name, value, len);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public static long sendmsg(MemorySegment st, int fd, long msghdr, int flags) {
        try {
            return (long) Sockets.SENDMSG.invokeExact(st, fd, msghdr, flags);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public static int sendmmsg(MemorySegment st, int fd, long mmsghdrs, int vlen, int flags) {
        try {
            return (int) Mmsg.SENDMMSG.invokeExact(st, fd, mmsghdrs, vlen, flags);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public static int recvmmsg(MemorySegment st, int fd, long mmsghdrs, int vlen, int flags, long timeout) {
        try {
            return (int) Mmsg.RECVMMSG.invokeExact(st, fd, mmsghdrs, vlen, flags, timeout);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code read(2)} without errno capture. */
    public static long readFast(int fd, long buf, long count) {
        try {
            return (long) Io.READ_FAST.invokeExact(fd, buf, count);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code write(2)} without errno capture. */
    public static long writeFast(int fd, long buf, long count) {
        try {
            return (long) Io.WRITE_FAST.invokeExact(fd, buf, count);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code writev(2)} without errno capture. */
    public static long writevFast(int fd, long iov, int iovcnt) {
        try {
            return (long) Io.WRITEV_FAST.invokeExact(fd, iov, iovcnt);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code poll(2)} without errno capture. */
    public static int pollFast(long fds, long nfds, int timeoutMillis) {
        try {
            return (int) Io.POLL_FAST.invokeExact(fds, nfds, timeoutMillis);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code sendmmsg(2)} without errno capture. */
    public static int sendmmsgFast(int fd, long mmsghdrs, int vlen, int flags) {
        try {
            return (int) Mmsg.SENDMMSG_FAST.invokeExact(fd, mmsghdrs, vlen, flags);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code recvmmsg(2)} without errno capture. */
    public static int recvmmsgFast(int fd, long mmsghdrs, int vlen, int flags, long timeout) {
        try {
            return (int) Mmsg.RECVMMSG_FAST.invokeExact(fd, mmsghdrs, vlen, flags, timeout);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** Anonymous private read-write mapping; pages are zero-filled lazily. Returns -1 on failure. */
    public static long mmapAnonymous(MemorySegment st, long size) {
        try {
            return (long) Sockets.MMAP.invokeExact(st, 0L, size, LinuxConstants.PROT_READ | LinuxConstants.PROT_WRITE,
                    LinuxConstants.MAP_PRIVATE | LinuxConstants.MAP_ANONYMOUS, -1, 0L);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public static int munmap(MemorySegment st, long addr, long size) {
        try {
            return (int) Sockets.MUNMAP.invokeExact(st, addr, size);
        } catch (Throwable t) {
            throw rethrow(t);
        }
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
