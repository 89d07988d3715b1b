package dev.warren.control.internal.state;

import dev.warren.control.internal.store.Rows.NodeRow;
import dev.warren.wire.key.MachineKey;
import dev.warren.wire.key.NodeKey;
import dev.warren.wire.key.PublicKey;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

/** The copy-on-write node table behaves like an immutable map, and older versions never change. */
class NodeTableTest {
    static NodeEntry entry(long id, String name) {
        byte[] k = new byte[32];
        new Random(id).nextBytes(k);
        Instant now = Instant.parse("2026-12-04T20:00:00Z");
        return NodeEntry.of(new NodeRow(id, 1, 1, MachineKey.of(PublicKey.of(k)), NodeKey.of(PublicKey.of(k)), name,
                id, null, List.of(), List.of(), now, null, now.plusSeconds(60), false, true, false, null), "u", false,
                0, now);
    }

    @Test
    void actsAsAMap() {
        Random r = new Random(3);
        Map<Long, NodeEntry> model = new HashMap<>();
        NodeTable t = NodeTable.EMPTY;
        List<NodeTable> versions = new ArrayList<>();
        List<Map<Long, NodeEntry>> models = new ArrayList<>();
        for (int step = 0; step < 3000; step++) {
            long id = r.nextInt(1200);
            if (r.nextInt(4) == 0) {
                t = t.without(id);
                model.remove(id);
            } else {
                NodeEntry e = entry(id, "n" + step);
                t = t.with(e);
                model.put(id, e);
            }
            if (step % 500 == 0) {
                versions.add(t);
                models.add(new HashMap<>(model));
            }
        }
        assertEquals(model, t);
        assertEquals(model.size(), t.values().size());
        long last = -1;
        for (NodeEntry e : t.values()) {
            assertSame(model.get(e.id()), e);
            assertEquals(true, e.id() > last, "id order");
            last = e.id();
        }
        assertNull(t.get(5000L));
        assertNull(t.get(-1L));
        assertNull(t.get("x"));
        for (int i = 0; i < versions.size(); i++) {
            assertEquals(models.get(i), versions.get(i), "version " + i + " unchanged");
        }
    }
}
