package dev.warren.wire.datapath;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The pool hands each buffer to one owner at a time, is LIFO, bounded, and refuses double releases. */
class PacketPoolTest {
    @Test
    void lifoBoundedAndDoubleReleaseRefused() {
        PacketPool pool = new PacketPool(4, 256);
        List<PacketBuffer> all = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            all.add(pool.acquire());
        }
        assertNull(pool.acquire(), "bounded");
        assertEquals(0, pool.available());
        PacketBuffer b = all.get(2);
        b.release();
        assertSame(b, pool.acquire(), "the buffer released last comes back first");
        b.release();
        assertThrows(IllegalStateException.class, b::release);
        assertEquals(1, pool.available());
    }

    @Test
    void concurrentOwnersNeverShareABuffer() throws Exception {
        PacketPool pool = new PacketPool(64, 256);
        ConcurrentHashMap<PacketBuffer, Thread> owners = new ConcurrentHashMap<>();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread[] threads = new Thread[4];
        for (int t = 0; t < threads.length; t++) {
            threads[t] = Thread.ofPlatform().start(() -> {
                PacketBuffer[] mine = new PacketBuffer[20];
                for (int round = 0; round < 50_000 && failure.get() == null; round++) {
                    int n = 0;
                    for (; n < mine.length; n++) {
                        PacketBuffer b = pool.acquire();
                        if (b == null) {
                            break;
                        }
                        if (owners.putIfAbsent(b, Thread.currentThread()) != null) {
                            failure.set(new AssertionError("buffer handed out twice"));
                        }
                        mine[n] = b;
                    }
                    for (int i = 0; i < n; i++) {
                        owners.remove(mine[i]);
                        mine[i].release();
                    }
                }
            });
        }
        for (Thread t : threads) {
            t.join();
        }
        if (failure.get() != null) {
            throw new AssertionError(failure.get());
        }
        assertEquals(64, pool.available());
    }
}
