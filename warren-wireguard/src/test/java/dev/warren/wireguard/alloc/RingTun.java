package dev.warren.wireguard.alloc;

import dev.warren.wire.datapath.PacketBuffer;
import dev.warren.wire.datapath.TunDevice;

import java.lang.foreign.MemorySegment;
import java.nio.channels.ClosedChannelException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A TUN device that allocates nothing per packet, for allocation measurements. The host side {@link #inject}s
 * packets into a {@link SlotRing} that the engine reads; packets the engine writes are checked and counted in
 * place, not kept: each must carry, as a big-endian int at {@code sequenceOffset}, a number greater than the
 * previous packet's (the sender numbers them), so loss is visible in {@link #delivered()} and reordering in
 * {@link #outOfOrder()}. Optionally {@link #allocatePerWrite} makes every written packet allocate, to prove that
 * the measurement notices.
 */
public final class RingTun implements TunDevice {
    private static final byte[] NO_SOURCE = new byte[4];
    private final String name;
    private final SlotRing toEngine = new SlotRing(4096, 2048);
    private final int sequenceOffset;
    private final AtomicLong delivered = new AtomicLong();
    private final AtomicLong outOfOrder = new AtomicLong();
    private volatile long lastSequence = -1;
    private volatile boolean allocatePerWrite;
    /** Where deliberate allocations go, so escape analysis cannot remove them. */
    public static volatile Object sink;

    public RingTun(String name, int sequenceOffset) {
        this.name = name;
        this.sequenceOffset = sequenceOffset;
    }

    /** A packet the host sends into the tunnel; false when the ring is full. Call from one thread. */
    public boolean inject(MemorySegment packet, long off, int len) {
        return toEngine.offer(packet, off, len, NO_SOURCE, 4, 0);
    }

    /** Packets injected but not yet read by the engine. */
    public int queued() {
        return toEngine.size();
    }

    public long delivered() {
        return delivered.get();
    }

    public long outOfOrder() {
        return outOfOrder.get();
    }

    public void allocatePerWrite(boolean on) {
        allocatePerWrite = on;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public int mtu() {
        return 1420;
    }

    @Override
    public int read(PacketBuffer[] bufs, int max) throws ClosedChannelException {
        if (toEngine.isClosed() || !toEngine.await()) {
            throw new ClosedChannelException();
        }
        int n = 0;
        while (n < max && toEngine.poll(bufs[n], PacketBuffer.HEADROOM)) {
            n++;
        }
        return n;
    }

    @Override
    public void write(PacketBuffer[] bufs, int from, int count) {
        for (int i = from; i < from + count; i++) {
            PacketBuffer b = bufs[i];
            long seq = b.length() >= sequenceOffset + 4 ? b.getIntBE(b.offset() + sequenceOffset) & 0xffffffffL : -1;
            if (seq <= lastSequence) {
                outOfOrder.incrementAndGet();
            }
            lastSequence = seq;
            if (allocatePerWrite) {
                sink = new long[2];
            }
        }
        delivered.addAndGet(count);
    }

    @Override
    public int batchSize() {
        return 64;
    }

    @Override
    public void close() {
        toEngine.close();
    }
}
