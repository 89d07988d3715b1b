package dev.warren.wireguard;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Runs code inside a named network namespace ({@code ip netns add NAME}) without starting another process: a
 * fresh platform thread calls {@code setns(2)} on itself and then runs the task, so sockets the task opens
 * belong to that namespace for their whole life, whichever thread uses them later. The thread ends with the
 * task, so no other code ever runs in the namespace by accident. Needs root (CAP_SYS_ADMIN) and Linux.
 */
final class InNetns {
    private static final int O_RDONLY = 0;
    private static final int O_CLOEXEC = 0x80000;
    private static final int CLONE_NEWNET = 0x40000000;
    private static final Linker LINKER = Linker.nativeLinker();
    private static final SymbolLookup LIBC = LINKER.defaultLookup();
    private static final Linker.Option ERRNO = Linker.Option.captureCallState("errno");
    private static final MethodHandle OPEN = LINKER.downcallHandle(LIBC.find("open").orElseThrow(),
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT),
            Linker.Option.firstVariadicArg(2), ERRNO);
    private static final MethodHandle SETNS = LINKER.downcallHandle(LIBC.find("setns").orElseThrow(),
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT), ERRNO);
    private static final MethodHandle CLOSE = LINKER.downcallHandle(LIBC.find("close").orElseThrow(),
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
    private static final VarHandle ERRNO_VALUE = Linker.Option.captureStateLayout()
            .varHandle(java.lang.foreign.MemoryLayout.PathElement.groupElement("errno"));

    private InNetns() {
    }

    /** Runs {@code task} on a new thread that has entered namespace {@code name} and returns its result. */
    static <T> T call(String name, Callable<T> task) throws Exception {
        AtomicReference<T> result = new AtomicReference<>();
        AtomicReference<Exception> failure = new AtomicReference<>();
        Thread t = Thread.ofPlatform().name("netns-" + name).start(() -> {
            try {
                enter(name);
                result.set(task.call());
            } catch (Exception e) {
                failure.set(e);
            }
        });
        t.join();
        if (failure.get() != null) {
            throw failure.get();
        }
        return result.get();
    }

    private static void enter(String name) throws java.io.IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(Linker.Option.captureStateLayout());
            MemorySegment path = arena.allocateFrom("/var/run/netns/" + name);
            int fd = (int) OPEN.invokeExact(state, path, O_RDONLY | O_CLOEXEC);
            if (fd < 0) {
                throw new java.io.IOException("open /var/run/netns/" + name + ": errno " + (int) ERRNO_VALUE.get(state, 0L));
            }
            int rc = (int) SETNS.invokeExact(state, fd, CLONE_NEWNET);
            int errno = (int) ERRNO_VALUE.get(state, 0L);
            int ignored = (int) CLOSE.invokeExact(fd);
            if (rc != 0) {
                throw new java.io.IOException("setns(" + name + "): errno " + errno);
            }
        } catch (java.io.IOException | RuntimeException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("setns downcall failed", t);
        }
    }
}
