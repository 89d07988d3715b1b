package dev.warren.wireguard.tables;

import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.random.RandomGenerator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

class IndexTableTest {
    @Test
    void allocateGetPutRemove() {
        IndexTable<String> t = new IndexTable<>(new SecureRandom());
        int a = t.allocate("handshake");
        assertNotEquals(0, a);
        assertEquals("handshake", t.get(a));
        assertTrue(t.put(a, "keypair"));
        assertEquals("keypair", t.get(a));
        assertFalse(t.remove(a, "handshake"), "only the current value may be removed");
        assertTrue(t.remove(a, "keypair"));
        assertNull(t.get(a));
        assertFalse(t.put(a, "late"), "put on a freed index changes nothing");
        assertNull(t.get(a));
        assertNull(t.get(0));
        assertEquals(0, t.size());
    }

    @Test
    void skipsZeroAndIndicesInUse() {
        // A generator that repeats itself: 0, 7, 7, 7, 9 ... allocate must skip 0 and the duplicate 7s.
        int[] seq = {0, 7, 7, 7, 9, 0, 9, 11};
        RandomGenerator rng = new RandomGenerator() {
            int i;

            @Override
            public long nextLong() {
                return seq[i++ % seq.length];
            }

            @Override
            public int nextInt() {
                return (int) nextLong();
            }
        };
        IndexTable<String> t = new IndexTable<>(rng);
        assertEquals(7, t.allocate("a"));
        assertEquals(9, t.allocate("b"));
        assertEquals(11, t.allocate("c"));
        assertEquals(3, t.size());
    }

    @Test
    void growsAndShrinksThroughManyChurns() {
        IndexTable<Integer> t = new IndexTable<>(new SplittableRandom(1));
        List<int[]> live = new ArrayList<>();
        for (int round = 0; round < 20; round++) {
            for (int i = 0; i < 1000; i++) {
                Integer v = round * 1000 + i;
                live.add(new int[] {t.allocate(v), v});
            }
            for (int i = live.size() - 1; i >= 0; i -= 2) {
                int[] e = live.remove(i);
                assertTrue(t.remove(e[0], t.get(e[0])));
            }
            for (int[] e : live) {
                assertEquals(e[1], t.get(e[0]));
            }
            assertEquals(live.size(), t.size());
        }
        for (int[] e : live) {
            assertTrue(t.remove(e[0], t.get(e[0])));
        }
        assertEquals(0, t.size());
    }

    record Value(int index) {
    }

    @Test
    void readersNeverSeeAnotherIndexValue() throws Exception {
        IndexTable<Value> t = new IndexTable<>(new SplittableRandom(7));
        ConcurrentLinkedQueue<Integer> published = new ConcurrentLinkedQueue<>();
        AtomicBoolean stop = new AtomicBoolean();
        List<Throwable> failures = new ArrayList<>();
        List<Thread> readers = new ArrayList<>();
        for (int r = 0; r < 3; r++) {
            readers.add(Thread.ofPlatform().start(() -> {
                SplittableRandom rnd = new SplittableRandom();
                while (!stop.get()) {
                    for (Integer idx : published) {
                        Value v = t.get(idx);
                        if (v != null && v.index() != idx) {
                            synchronized (failures) {
                                failures.add(new AssertionError("index " + idx + " returned " + v));
                            }
                            return;
                        }
                    }
                    Value v = t.get(rnd.nextInt()); // mostly misses
                    if (v != null && t.get(v.index()) == null && v.index() == 0) {
                        return;
                    }
                }
            }));
        }
        SplittableRandom rnd = new SplittableRandom(3);
        List<Integer> mine = new ArrayList<>();
        for (int i = 0; i < 50_000; i++) {
            if (mine.size() < 2000 && (mine.isEmpty() || rnd.nextInt(3) != 0)) {
                int[] box = new int[1];
                box[0] = t.allocate(new Value(0)); // placeholder, replaced at once with the right value
                t.put(box[0], new Value(box[0]));
                mine.add(box[0]);
                published.add(box[0]);
            } else {
                int idx = mine.remove(rnd.nextInt(mine.size()));
                assertTrue(t.remove(idx, t.get(idx)));
                published.remove(idx);
            }
        }
        stop.set(true);
        for (Thread r : readers) {
            r.join();
        }
        assertTrue(failures.isEmpty(), failures.toString());
    }

    @Test
    void getDoesNotAllocate() {
        IndexTable<String> t = new IndexTable<>(new SplittableRandom(5));
        int[] idx = new int[512];
        for (int i = 0; i < idx.length; i++) {
            idx[i] = t.allocate("v" + i);
        }
        long sink = 0;
        for (int i = 0; i < 300_000; i++) {
            String v = t.get(idx[i & 511] ^ (i & 1024));
            sink += v == null ? 1 : v.length();
        }
        var mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long before = mx.getCurrentThreadAllocatedBytes();
        for (int i = 0; i < 100_000; i++) {
            String v = t.get(idx[i & 511] ^ (i & 1024));
            sink += v == null ? 1 : v.length();
        }
        long allocated = mx.getCurrentThreadAllocatedBytes() - before;
        assertTrue(allocated < 1024, "get allocated " + allocated + " bytes (sink " + sink + ")");
        assertSame(t.get(idx[3]), t.get(idx[3]));
    }
}
