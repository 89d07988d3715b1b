package dev.warren.magicsock;

import dev.warren.wire.datapath.Endpoint;
import dev.warren.wire.datapath.PacketBuffer;

import java.nio.channels.ClosedChannelException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * WireGuard packets that arrived through a relay, on their way to the engine's relay receiver, handed over in
 * batches.
 *
 * <p>Flow: a relay link's reader thread {@link #add}s each packet of what one socket read returned to its own
 * staging list (per thread, no lock) and calls {@link #flush} when it is about to block for more bytes: the whole
 * run enters the queue under one lock with one wake-up of the engine's receiver, which then {@link #take}s up to a
 * full engine batch at once. A packet per hand-off would wake the engine's (platform) receiver thread once per
 * packet and hand it batches of one or two, which defeats its batched decryption and the TUN write's coalescing.
 * A staging list is also flushed when it reaches {@link #STAGE_MAX} packets.
 *
 * <p>Bounds: the queue holds at most {@code capacity} packets; packets that find it full are dropped (the engine
 * is not keeping up; WireGuard tolerates loss), as UDP would.
 *
 * <p>Threads: any number of producers ({@link #add}/{@link #flush} from relay reader threads), one consumer
 * ({@link #take}); {@link #close} from any thread. {@link #lock} guards the queue and the closed flag.
 */
final class RelayInbox {
    /** A staging list is flushed when it holds this many packets even if its reader has not called flush. */
    static final int STAGE_MAX = 128;

    record Inbound(Endpoint source, byte[] bytes) {
    }

    private final int capacity;
    private final ThreadLocal<ArrayList<Inbound>> staged = ThreadLocal.withInitial(ArrayList::new);
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition nonEmpty = lock.newCondition();
    // guarded by lock
    private final ArrayDeque<Inbound> queue = new ArrayDeque<>();
    // guarded by lock
    private boolean closed;
    // guarded by lock: packets dropped because the queue was full (tests, statistics)
    private long dropped;
    /** Consumer-thread only: what one take moved out of the queue, copied into the engine's buffers unlocked. */
    private Inbound[] grabbed = new Inbound[0];

    RelayInbox(int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity must be at least 1, got " + capacity);
        }
        this.capacity = capacity;
    }

    /** Stages a packet of the calling thread's current run; it reaches the engine at the next {@link #flush}. */
    void add(Endpoint source, byte[] bytes) {
        ArrayList<Inbound> s = staged.get();
        s.add(new Inbound(source, bytes));
        if (s.size() >= STAGE_MAX) {
            flush();
        }
    }

    /** Hands the calling thread's staged packets to the engine (those that do not fit are dropped). */
    void flush() {
        ArrayList<Inbound> s = staged.get();
        if (s.isEmpty()) {
            return;
        }
        lock.lock();
        try {
            if (!closed) {
                boolean wasEmpty = queue.isEmpty();
                for (Inbound in : s) {
                    if (queue.size() < capacity) {
                        queue.addLast(in);
                    } else {
                        dropped++;
                    }
                }
                if (wasEmpty && !queue.isEmpty()) {
                    nonEmpty.signal();
                }
            }
        } finally {
            lock.unlock();
        }
        s.clear();
    }

    /**
     * Waits for packets and copies up to {@code max} of them into {@code bufs} (packets larger than a buffer are
     * dropped); returns how many. Throws {@link ClosedChannelException} once closed, {@code InterruptedException}
     * when interrupted.
     */
    int take(PacketBuffer[] bufs, int max) throws ClosedChannelException, InterruptedException {
        if (grabbed.length < max) {
            grabbed = new Inbound[max];
        }
        while (true) {
            int k = 0;
            lock.lock();
            try {
                while (queue.isEmpty() && !closed) {
                    nonEmpty.await();
                }
                if (closed) {
                    throw new ClosedChannelException();
                }
                while (k < max && !queue.isEmpty()) {
                    grabbed[k++] = queue.pollFirst();
                }
            } finally {
                lock.unlock();
            }
            int n = 0;
            for (int i = 0; i < k; i++) {
                Inbound in = grabbed[i];
                grabbed[i] = null;
                PacketBuffer b = bufs[n];
                if (in.bytes().length <= b.capacity()) {
                    b.copyFrom(in.bytes(), 0, 0, in.bytes().length);
                    b.set(0, in.bytes().length);
                    b.setSource(in.source());
                    n++;
                }
            }
            if (n > 0) {
                return n;
            }
        }
    }

    /** Ends the inbox: queued packets are discarded and {@link #take} throws from now on. */
    void close() {
        lock.lock();
        try {
            closed = true;
            queue.clear();
            nonEmpty.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** Packets waiting for the engine (tests). */
    int queued() {
        lock.lock();
        try {
            return queue.size();
        } finally {
            lock.unlock();
        }
    }

    /** Packets dropped because the queue was full (tests, statistics). */
    long dropped() {
        lock.lock();
        try {
            return dropped;
        } finally {
            lock.unlock();
        }
    }
}
