package dev.warren.wireguard.alloc;

import dev.warren.wire.datapath.NativeMemory;
import dev.warren.wire.datapath.PacketBuffer;

import java.lang.foreign.MemorySegment;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.locks.LockSupport;

/**
 * A bounded multi-producer, single-consumer queue of packets stored in preallocated native slots, which neither
 * producers nor the consumer allocate anything to use: packets are copied in and out with
 * {@link MemorySegment#copy(MemorySegment, long, MemorySegment, long, long)}, the sender's address goes into
 * per-slot arrays, and a waiting consumer parks instead of blocking on a lock condition (whose wait nodes would
 * be allocations). Vyukov's per-slot sequence numbers order the hand-over: a producer writes the slot and then
 * publishes its sequence with a volatile write, the consumer reads the sequence first.
 */
final class SlotRing {
    private final MemorySegment memory;
    private final int slotSize;
    private final int mask;
    private final AtomicLongArray sequence;
    private final int[] lengths;
    private final byte[] addresses;
    private final int[] addressLengths;
    private final int[] ports;
    private final AtomicLong tail = new AtomicLong();
    private final AtomicLong head = new AtomicLong();
    private volatile Thread waiter;
    private volatile boolean closed;

    SlotRing(int capacity, int slotSize) {
        int cap = Integer.highestOneBit(Math.max(2, capacity - 1)) << 1;
        this.mask = cap - 1;
        this.slotSize = slotSize;
        this.memory = NativeMemory.allocateLazily((long) cap * slotSize);
        this.sequence = new AtomicLongArray(cap);
        for (int i = 0; i < cap; i++) {
            sequence.set(i, i);
        }
        this.lengths = new int[cap];
        this.addresses = new byte[cap * 16];
        this.addressLengths = new int[cap];
        this.ports = new int[cap];
    }

    int slotSize() {
        return slotSize;
    }

    /**
     * Copies {@code len} bytes at {@code off} of {@code src} into a free slot, with the sender's address; false
     * (nothing copied) when the ring is full or the packet does not fit.
     */
    boolean offer(MemorySegment src, long off, int len, byte[] fromAddress, int fromLength, int fromPort) {
        if (len > slotSize || closed) {
            return false;
        }
        long pos = tail.get();
        while (true) {
            int idx = (int) pos & mask;
            long dif = sequence.get(idx) - pos;
            if (dif == 0) {
                if (tail.compareAndSet(pos, pos + 1)) {
                    MemorySegment.copy(src, off, memory, (long) idx * slotSize, len);
                    lengths[idx] = len;
                    System.arraycopy(fromAddress, 0, addresses, idx * 16, fromLength);
                    addressLengths[idx] = fromLength;
                    ports[idx] = fromPort;
                    sequence.set(idx, pos + 1);
                    Thread w = waiter;
                    if (w != null) {
                        LockSupport.unpark(w);
                    }
                    return true;
                }
                pos = tail.get();
            } else if (dif < 0) {
                return false;
            } else {
                pos = tail.get();
            }
        }
    }

    /** Moves the oldest packet into {@code into} at {@code offset}, recording its source; false when empty. */
    boolean poll(PacketBuffer into, int offset) {
        long pos = head.get();
        int idx = (int) pos & mask;
        if (sequence.get(idx) != pos + 1) {
            return false;
        }
        int len = lengths[idx];
        MemorySegment.copy(memory, (long) idx * slotSize, into.memory(), offset, len);
        into.set(offset, len);
        into.setSource(addresses, idx * 16, addressLengths[idx], ports[idx]);
        sequence.set(idx, pos + mask + 1);
        head.set(pos + 1);
        return true;
    }

    /** True when a packet is waiting. */
    boolean ready() {
        long pos = head.get();
        return sequence.get((int) pos & mask) == pos + 1;
    }

    /**
     * Waits (parking, without allocating) until a packet is waiting or the ring is closed; returns false when
     * closed and empty.
     */
    boolean await() {
        if (ready()) {
            return true;
        }
        waiter = Thread.currentThread();
        try {
            while (!ready()) {
                if (closed) {
                    return false;
                }
                LockSupport.parkNanos(this, 1_000_000L);
            }
            return true;
        } finally {
            waiter = null;
        }
    }

    int size() {
        return (int) Math.max(0, tail.get() - head.get());
    }

    void close() {
        closed = true;
        Thread w = waiter;
        if (w != null) {
            LockSupport.unpark(w);
        }
    }

    boolean isClosed() {
        return closed;
    }
}
