package dev.warren.policy;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** {@link LongIntMap} against {@link HashMap} under random puts and removes, and copies staying independent. */
class LongIntMapTest {

    @Property(tries = 200)
    void behavesLikeAHashMap(@ForAll long seed) {
        Random r = new Random(seed);
        // a small key range forces collisions, long probe runs and removals from their middle
        int range = 1 + r.nextInt(r.nextBoolean() ? 40 : 5_000);
        LongIntMap m = new LongIntMap();
        Map<Long, Integer> ref = new HashMap<>();
        LongIntMap snapshot = null;
        Map<Long, Integer> snapshotRef = null;
        for (int i = 0; i < 3_000; i++) {
            long key = r.nextBoolean() ? r.nextInt(range) : (long) r.nextInt(range) << 40;
            if (r.nextInt(3) == 0) {
                Integer prev = ref.remove(key);
                assertEquals(prev == null ? -1 : prev, m.remove(key));
            } else {
                int v = r.nextInt(1_000_000);
                Integer prev = ref.put(key, v);
                assertEquals(prev == null ? -1 : prev, m.put(key, v));
            }
            if (i == 1_500) {
                snapshot = m.copy();
                snapshotRef = new HashMap<>(ref);
            }
        }
        check(ref, m, range);
        check(snapshotRef, snapshot, range);
    }

    @Property(tries = 20)
    void rejectsNegativeValues(@ForAll long key) {
        LongIntMap m = new LongIntMap();
        assertThrows(IllegalArgumentException.class, () -> m.put(key, -1));
        assertEquals(0, m.size());
    }

    private static void check(Map<Long, Integer> ref, LongIntMap m, int range) {
        assertEquals(ref.size(), m.size());
        for (long k = 0; k < range; k++) {
            for (long key : new long[]{k, k << 40}) {
                assertEquals(ref.getOrDefault(key, -1), m.get(key), "key " + key);
                assertEquals(ref.containsKey(key), m.containsKey(key));
            }
        }
        long[] keys = m.keys();
        Arrays.sort(keys);
        assertArrayEquals(ref.keySet().stream().mapToLong(Long::longValue).sorted().toArray(), keys);
    }
}
