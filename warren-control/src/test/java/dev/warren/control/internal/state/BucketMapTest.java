package dev.warren.control.internal.state;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

/** The copy-on-write hash map behaves like an immutable map (also with many keys per bucket). */
class BucketMapTest {
    @Test
    void actsAsAMap() {
        Random r = new Random(5);
        Map<String, Integer> model = new HashMap<>();
        BucketMap<String, Integer> m = BucketMap.empty();
        List<BucketMap<String, Integer>> versions = new ArrayList<>();
        List<Map<String, Integer>> models = new ArrayList<>();
        for (int step = 0; step < 20_000; step++) {
            String k = "k" + r.nextInt(3000);
            if (r.nextInt(3) == 0) {
                BucketMap<String, Integer> n = m.without(k);
                if (!model.containsKey(k)) {
                    assertSame(m, n);
                }
                m = n;
                model.remove(k);
            } else {
                m = m.with(k, step);
                model.put(k, step);
            }
            if (step % 4000 == 0) {
                versions.add(m);
                models.add(new HashMap<>(model));
            }
        }
        assertEquals(model, m);
        assertEquals(model.size(), m.size());
        assertNull(m.get("absent"));
        assertNull(m.get(null));
        for (int i = 0; i < versions.size(); i++) {
            assertEquals(models.get(i), versions.get(i), "version " + i + " unchanged");
        }
        assertEquals(model, BucketMap.copyOf(model));
    }
}
