package dev.warren.control.internal.map;

import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The primitive pending map merges flags like {@code Map.merge(id, flags, OR)}. */
class PendingChangesTest {
    @Test
    void mergesLikeAMap() {
        Random r = new Random(9);
        PendingChanges p = new PendingChanges();
        Map<Long, Integer> model = new HashMap<>();
        assertTrue(p.isEmpty());
        for (int i = 0; i < 50_000; i++) {
            long id = r.nextInt(20_000);
            int f = 1 << r.nextInt(4);
            p.merge(id, f);
            model.merge(id, f, (a, b) -> a | b);
        }
        assertEquals(model.size(), p.size());
        Map<Long, Integer> seen = new HashMap<>();
        p.forEach((id, f) -> assertEquals(null, seen.put(id, f)));
        assertEquals(model, seen);
        assertTrue(p.contains(model.keySet().iterator().next()));
        assertFalse(p.contains(-5));
        p.merge(0, 2);
        assertEquals(model.getOrDefault(0L, 0) | 2, p.get(0));
        p.clear();
        assertTrue(p.isEmpty());
        assertFalse(p.contains(0));
    }
}
