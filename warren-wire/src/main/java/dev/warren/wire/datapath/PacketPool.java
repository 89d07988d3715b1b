package dev.warren.wire.datapath;

import java.lang.foreign.MemorySegment;

/**
 * A bounded pool of equally sized {@link PacketBuffer}s carved from one lazily backed native region, so
 * only the bytes packets actually touch become resident. Lock-free and allocation-free after construction.
 * {@link #acquire()} returns null when the pool is exhausted: the caller drops the packet (back-pressure),
 * it never waits.
 *
 * <p>The free list is a LIFO stack (a Treiber stack over buffer indices with a version tag against ABA): the
 * buffer released last is handed out first, so a steady flow keeps reusing the same few buffers — their
 * pages stay in cache and the rest of the region is never touched (resident memory stays small).
 *
 * <p>Invariant: {@code head} packs (version, index + 1) with 0 meaning empty; {@code next[i]} is the index + 1
 * below buffer i on the stack. A pop reads {@code next[top]} racily, which is safe because the CAS on
 * {@code head} fails if anything changed meanwhile (the version moves on every push and pop).
 */
public final class PacketPool {
    private final PacketBuffer[] buffers;
    private final int[] next;
    private final java.util.concurrent.atomic.AtomicLong head = new java.util.concurrent.atomic.AtomicLong();
    private final java.util.concurrent.atomic.AtomicInteger available = new java.util.concurrent.atomic.AtomicInteger();
    private final int bufferSize;
    private final int count;

    /**
     * @param count      number of buffers
     * @param bufferSize bytes per buffer (rounded up to 64), including head- and tailroom
     */
    public PacketPool(int count, int bufferSize) {
        if (count <= 0 || bufferSize <= PacketBuffer.HEADROOM + PacketBuffer.TAILROOM) {
            throw new IllegalArgumentException("bad pool geometry " + count + " x " + bufferSize);
        }
        this.bufferSize = (bufferSize + 63) & ~63;
        this.count = count;
        this.buffers = new PacketBuffer[count];
        this.next = new int[count];
        MemorySegment region = NativeMemory.allocateLazily((long) this.bufferSize * count);
        for (int i = count - 1; i >= 0; i--) {
            buffers[i] = new PacketBuffer(region.asSlice((long) i * this.bufferSize, this.bufferSize), this, i);
            push(i);
        }
    }

    /** A free buffer with an empty window at {@link PacketBuffer#HEADROOM}, or null when none is left. */
    public PacketBuffer acquire() {
        while (true) {
            long h = head.get();
            int top = (int) h;
            if (top == 0) {
                return null;
            }
            long nh = ((h >>> 32) + 1) << 32 | (next[top - 1] & 0xffffffffL);
            if (head.compareAndSet(h, nh)) {
                available.decrementAndGet();
                PacketBuffer b = buffers[top - 1];
                b.inPool = false;
                b.set(PacketBuffer.HEADROOM, 0);
                return b;
            }
        }
    }

    void release(PacketBuffer b) {
        if (b.inPool) {
            throw new IllegalStateException("packet buffer released twice");
        }
        b.inPool = true;
        push(b.poolIndex);
    }

    private void push(int index) {
        while (true) {
            long h = head.get();
            next[index] = (int) h;
            long nh = ((h >>> 32) + 1) << 32 | (index + 1);
            if (head.compareAndSet(h, nh)) {
                available.incrementAndGet();
                return;
            }
        }
    }

    public int bufferSize() {
        return bufferSize;
    }

    public int capacity() {
        return count;
    }

    /** Buffers currently in the pool (approximate while others run). */
    public int available() {
        return available.get();
    }
}
