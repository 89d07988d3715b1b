package dev.warren.wireguard;

import dev.warren.crypto.Aead;
import dev.warren.wire.datapath.MpmcRing;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;

/**
 * Platform threads that help the packet paths encrypt and decrypt large batches.
 *
 * <pre>
 * 1. a packet thread (TUN reader or UDP receiver) has a batch of n packets of one peer
 * 2. n small → it runs the whole batch itself (no hand-off latency, nothing shared)
 * 3. n large → it posts its Batch to the pool, wakes idle workers, and works on chunks itself
 * 4. chunks are claimed with an atomic counter; a chunk no worker has picked up yet is done by the owner
 * 5. the owner waits only for chunks already being processed, then sends/writes the batch in order
 * </pre>
 *
 * Per-peer order is kept because a batch is sent only when all its chunks are done, and a packet thread
 * starts its next batch only after that. On a busy machine the owner ends up doing all chunks itself, so the
 * pool never makes things slower than inline work. Each worker owns its own {@link Aead}.
 */
final class CryptoPool implements AutoCloseable {
    /** The work for one chunk {@code [from, to)} of a batch. */
    interface Job {
        void run(int from, int to, Aead aead);
    }

    static final int CHUNK = 8;
    static final int MIN_PARALLEL = 2 * CHUNK;

    /** One owner's reusable batch descriptor. Not shared between owners. */
    static final class Batch {
        /** nextChunk while no run is open: stale queue entries from an earlier run claim nothing. */
        private static final int CLOSED = Integer.MAX_VALUE / 2;
        private final AtomicInteger nextChunk = new AtomicInteger(CLOSED);
        private final AtomicInteger pending = new AtomicInteger();
        private volatile Job job;
        private volatile int n;
        private volatile int chunks;
        private volatile Thread owner;

        /** Claims and runs chunks until none are left. */
        private void help(Aead aead) {
            while (true) {
                int c = nextChunk.getAndIncrement();
                // Read the run's size only after claiming: a claim below CLOSED belongs to the run opened by the
                // nextChunk.set(0) it read, so this read sees that run's fields (a stale read could let a late
                // worker claim chunks past the end and drive pending below zero).
                if (c >= chunks) {
                    return;
                }
                int from = c * CHUNK;
                try {
                    job.run(from, Math.min(n, from + CHUNK), aead);
                } finally {
                    if (pending.decrementAndGet() == 0) {
                        LockSupport.unpark(owner);
                    }
                }
            }
        }
    }

    private final class Worker implements Runnable {
        final Aead aead;
        final AtomicBoolean listedIdle = new AtomicBoolean();
        volatile Thread thread;

        Worker(Aead aead) {
            this.aead = aead;
        }

        @Override
        public void run() {
            thread = Thread.currentThread();
            while (running) {
                Batch b = queue.poll();
                if (b != null) {
                    b.help(aead);
                    continue;
                }
                if (listedIdle.compareAndSet(false, true) && !idle.offer(this)) {
                    listedIdle.set(false);
                }
                if (queue.size() == 0 && running) {
                    LockSupport.parkNanos(this, 50_000_000L);
                }
            }
        }
    }

    private final MpmcRing<Batch> queue = new MpmcRing<>(256);
    private final MpmcRing<Worker> idle;
    private final List<Worker> workers = new ArrayList<>();
    private final List<Thread> threads = new ArrayList<>();
    private volatile boolean running = true;

    CryptoPool(int workerCount, Supplier<Aead> aeads, String name) {
        idle = new MpmcRing<>(Math.max(2, workerCount));
        for (int i = 0; i < workerCount; i++) {
            Worker w = new Worker(aeads.get());
            workers.add(w);
            Thread t = Thread.ofPlatform().daemon().name(name + "-crypto-" + i).unstarted(w);
            threads.add(t);
            t.start();
        }
    }

    int workers() {
        return workers.size();
    }

    /** Runs {@code job} over {@code [0, n)} using {@code aead} on the calling thread plus any idle workers. */
    void run(Batch batch, Job job, int n, Aead aead) {
        if (workers.isEmpty() || n < MIN_PARALLEL) {
            job.run(0, n, aead);
            return;
        }
        int chunks = (n + CHUNK - 1) / CHUNK;
        batch.job = job;
        batch.n = n;
        batch.chunks = chunks;
        batch.owner = Thread.currentThread();
        batch.pending.set(chunks);
        batch.nextChunk.set(0); // opens the run; everything above is published by this write
        int helpers = Math.min(workers.size(), chunks - 1);
        for (int i = 0; i < helpers; i++) {
            if (!queue.offer(batch)) {
                break;
            }
            Worker w = idle.poll();
            if (w != null) {
                w.listedIdle.set(false);
                LockSupport.unpark(w.thread);
            }
        }
        batch.help(aead);
        int spins = 0;
        while (batch.pending.get() != 0) {
            if (++spins < 200) {
                Thread.onSpinWait();
            } else {
                LockSupport.parkNanos(this, 20_000L);
            }
        }
        batch.nextChunk.set(Batch.CLOSED);
    }

    @Override
    public void close() {
        running = false;
        for (Thread t : threads) {
            LockSupport.unpark(t);
        }
    }
}
