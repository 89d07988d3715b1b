package dev.warren.wireguard.tables;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.constraints.IntRange;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.random.RandomGenerator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * IndexTable against a HashMap: indices are unique, non-zero and resolve to their latest value, also when
 * the generator draws from a tiny range so that collisions, retries and zeros are the rule.
 */
class IndexTablePropertyTest {
    /** 0 = allocate, 1 = put on a live index, 2 = remove a live index, 3 = remove with a wrong value. */
    @Property(tries = 300)
    void behavesLikeAMapWithUniqueIndices(@ForAll("ops") List<Integer> ops, @ForAll long seed,
                                          @ForAll @IntRange(min = 0, max = 1) int narrow) {
        SplittableRandom base = new SplittableRandom(seed);
        RandomGenerator rng = narrow == 1 ? new RandomGenerator() {
            @Override
            public long nextLong() {
                return base.nextInt(-600, 600);
            }

            @Override
            public int nextInt() {
                return (int) nextLong();
            }
        } : base;
        IndexTable<String> table = new IndexTable<>(rng);
        Map<Integer, String> model = new HashMap<>();
        List<Integer> live = new ArrayList<>();
        SplittableRandom pick = new SplittableRandom(seed ^ 0x5DEECE66DL);
        int n = 0;
        for (int op : ops) {
            if (op == 0 || live.isEmpty()) {
                if (narrow == 1 && live.size() >= 1000) {
                    continue; // the narrow generator only has 1199 non-zero values
                }
                String v = "v" + n++;
                int idx = table.allocate(v);
                assertNotEquals(0, idx);
                assertNull(model.put(idx, v), "index " + idx + " handed out twice");
                live.add(idx);
            } else {
                int idx = live.get(pick.nextInt(live.size()));
                switch (op) {
                    case 1 -> {
                        String v = "u" + n++;
                        assertTrue(table.put(idx, v));
                        model.put(idx, v);
                    }
                    case 2 -> {
                        assertTrue(table.remove(idx, model.remove(idx)));
                        live.remove(Integer.valueOf(idx));
                    }
                    default -> assertEquals(false, table.remove(idx, "not the value"));
                }
            }
            assertEquals(model.size(), table.size());
        }
        for (Map.Entry<Integer, String> e : model.entrySet()) {
            assertEquals(e.getValue(), table.get(e.getKey()));
        }
    }

    @Provide
    Arbitrary<List<Integer>> ops() {
        return Arbitraries.frequencyOf(
                        Tuple.of(6, Arbitraries.just(0)),
                        Tuple.of(2, Arbitraries.just(1)),
                        Tuple.of(3, Arbitraries.just(2)),
                        Tuple.of(1, Arbitraries.just(3)))
                .list().ofMinSize(1).ofMaxSize(1500);
    }
}
