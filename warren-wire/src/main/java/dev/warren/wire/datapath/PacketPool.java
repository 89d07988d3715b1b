package dev.warren.wire.datapath;

import java.lang.foreign.MemorySegment;

/**
 * A bounded pool of equally sized {@link PacketBuffer}s carved from one lazily backed native region, so
 * only the bytes packets actually touch become resident. Lock-free and allocation-free after construction.
 * {@link #acquire()} returns null when the pool is exhausted: the caller drops the packet (back-pressure),
 * it never waits.
 */
public final class PacketPool {
    private final MpmcRing<PacketBuffer> free;
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
        this.free = new MpmcRing<>(count);
        MemorySegment region = NativeMemory.allocateLazily((long) this.bufferSize * count);
        for (int i = 0; i < count; i++) {
            free.offer(new PacketBuffer(region.asSlice((long) i * this.bufferSize, this.bufferSize), this));
        }
    }

    /** A free buffer with an empty window at {@link PacketBuffer#HEADROOM}, or null when none is left. */
    public PacketBuffer acquire() {
        PacketBuffer b = free.poll();
        if (b != null) {
            b.set(PacketBuffer.HEADROOM, 0);
        }
        return b;
    }

    void release(PacketBuffer b) {
        if (!free.offer(b)) {
            throw new IllegalStateException("packet buffer released twice");
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
        return free.size();
    }
}
