package dev.warren.control;

import dev.warren.wire.control.Node;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Random sequences of registrations, endpoint updates, renames, approvals, expiries, deletions, disconnects,
 * resumes and fresh streams; afterwards every node that is still registered and streaming must see exactly the
 * server's state: the visible peers, their names, endpoints and online flags. Seeded, so a failure reproduces.
 */
class RandomizedConvergenceTest {
    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3, 4})
    void everyViewConvergesToTheServerState(long seed) throws Exception {
        try (Fixture f = new Fixture(dir, ControlOptions.defaults().withBatchInterval(Duration.ofMillis(2))
                .withBacklogMessages(4))) {
            f.admin.createDomain("corp", true);
            Random r = new Random(seed);
            String key = f.admin.createAuthKey(new AuthKeySpec("corp", true, false, false, null, null, null));
            List<SimNode> live = new ArrayList<>();
            List<SimNode> gone = new ArrayList<>();
            int made = 0;
            for (int step = 0; step < 150; step++) {
                int op = r.nextInt(100);
                if (live.size() < 3 || op < 12) {
                    SimNode n = f.node("h" + made++);
                    n.register(key);
                    long id = idOf(f, n);
                    f.admin.approveNode(id);
                    n.stream(false, List.of("192.0.2.1:" + step));
                    n.await("first map", x -> x.self() != null);
                    live.add(n);
                    continue;
                }
                SimNode n = live.get(r.nextInt(live.size()));
                if (op < 45) {
                    n.update(List.of("198.51.100." + r.nextInt(255) + ":" + step));
                } else if (op < 55) {
                    f.admin.renameNode(n.id(), "n" + step);
                } else if (op < 65) {
                    n.disconnect();
                    n.stream(true, null);
                } else if (op < 72) {
                    n.disconnect();
                    n.stream(false, null);
                } else if (op < 80) {
                    n.disconnect(); // stays offline until the end
                    gone.add(n);
                    live.remove(n);
                } else if (op < 88) {
                    f.admin.deleteNode(n.id());
                    live.remove(n);
                } else if (op < 93) {
                    f.admin.expireNode(n.id());
                    live.remove(n);
                } else {
                    f.admin.setKeyExpiryDisabled(n.id(), r.nextBoolean());
                }
            }
            for (SimNode n : gone) {
                n.stream(true, null);
                live.add(n);
            }
            for (SimNode n : live) {
                n.await("converged (seed " + seed + ")", x -> matches(f, x));
            }
        }
    }

    private static long idOf(Fixture f, SimNode n) {
        return f.admin.listNodes("corp").stream().filter(v -> v.nodeKey().equals(n.nodeKey.toString()))
                .findFirst().orElseThrow().id();
    }

    private static boolean matches(Fixture f, SimNode x) {
        Map<Long, Node> peers = x.peers();
        long self = x.self().id();
        List<NodeView> visible = f.admin.listNodes("corp").stream()
                .filter(v -> v.id() != self && v.authorized() && !v.expired()).toList();
        if (peers.size() != visible.size()) {
            return false;
        }
        for (NodeView v : visible) {
            Node p = peers.get(v.id());
            if (p == null || !p.name().equals(v.name()) || !p.endpoints().equals(v.endpoints())
                    || !Boolean.valueOf(v.online()).equals(p.online())) {
                return false;
            }
        }
        return x.gaps().isEmpty();
    }
}
