package dev.warren.wire.datapath;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * A bounded, lock-free, allocation-free multi-producer multi-consumer queue (D. Vyukov's array queue with
 * per-slot sequence numbers). Used for buffer pools and hand-offs on the packet path.
 *
 * <p>Invariants: slot {@code i} holds sequence {@code s}; a producer may fill it when {@code s == tail}, a
 * consumer may take it when {@code s == head + 1}. Capacity is rounded up to a power of two.
 */
public final class MpmcRing<T> {
    private final AtomicReferenceArray<T> items;
    private final AtomicLongArray sequence;
    private final int mask;
    private final AtomicLong head = new AtomicLong();
    private final AtomicLong tail = new AtomicLong();

    public MpmcRing(int capacity) {
        int cap = Integer.highestOneBit(Math.max(2, capacity - 1)) << 1;
        items = new AtomicReferenceArray<>(cap);
        sequence = new AtomicLongArray(cap);
        for (int i = 0; i < cap; i++) {
            sequence.set(i, i);
        }
        mask = cap - 1;
    }

    public int capacity() {
        return mask + 1;
    }

    /** Adds {@code item}; returns false when full. */
    public boolean offer(T item) {
        long pos = tail.get();
        while (true) {
            int idx = (int) pos & mask;
            long seq = sequence.get(idx);
            long dif = seq - pos;
            if (dif == 0) {
                if (tail.compareAndSet(pos, pos + 1)) {
                    items.lazySet(idx, item);
                    sequence.set(idx, pos + 1);
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

    /** Removes the oldest item, or returns null when empty. */
    public T poll() {
        long pos = head.get();
        while (true) {
            int idx = (int) pos & mask;
            long seq = sequence.get(idx);
            long dif = seq - (pos + 1);
            if (dif == 0) {
                if (head.compareAndSet(pos, pos + 1)) {
                    T item = items.get(idx);
                    items.lazySet(idx, null);
                    sequence.set(idx, pos + mask + 1);
                    return item;
                }
                pos = head.get();
            } else if (dif < 0) {
                return null;
            } else {
                pos = head.get();
            }
        }
    }

    /** Approximate number of items (exact when quiescent). */
    public int size() {
        long s = tail.get() - head.get();
        return (int) Math.max(0, Math.min(s, mask + 1));
    }
}
