package dev.warren.net.testing;

import java.lang.management.ManagementFactory;

/** Bytes allocated by the current thread (HotSpot's per-thread TLAB accounting). */
public final class Allocations {
    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    private Allocations() {
    }

    public static long currentThread() {
        return THREADS.getCurrentThreadAllocatedBytes();
    }
}
