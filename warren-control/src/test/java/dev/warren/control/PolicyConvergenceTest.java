package dev.warren.control;

import dev.warren.policy.CompiledPolicy;
import dev.warren.policy.Policy;
import dev.warren.policy.PolicyCompiler;
import dev.warren.policy.PolicyNode;
import dev.warren.wire.control.Node;
import dev.warren.wire.net.IpPrefix;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

/**
 * Differential test of the incremental path: seeded random registrations under several users and tags,
 * re-logins that change a node's tags, policy sets, endpoint updates, approvals, deletions, disconnects, resumes
 * and fresh streams. Afterwards every streaming node's view — built only from the deltas it received — must equal
 * what a fresh compile of the final policy over the final nodes says: exactly the visible peers the policy lets
 * it see (with current endpoints) and exactly its filter.
 */
class PolicyConvergenceTest {
    static final String[] USERS = {"u0@corp", "u1@corp", "u2@corp"};
    static final List<List<String>> TAGS = List.of(List.of(), List.of(), List.of("tag:a"), List.of("tag:b"),
            List.of("tag:a", "tag:b"));
    static final String OWNERS = "\"tagOwners\": {\"tag:a\": [\"group:g\"], \"tag:b\": [\"group:g\"]},"
            + " \"groups\": {\"group:g\": [\"u0@corp\", \"u1@corp\"]},";
    static final List<String> POLICIES = List.of(
            Policy.ALLOW_ALL_TEXT,
            "{" + OWNERS + " \"acls\": [{\"action\": \"accept\", \"src\": [\"u0@corp\"], \"dst\": [\"tag:a:22\"]}]}",
            "{" + OWNERS + " \"acls\": [{\"action\": \"accept\", \"src\": [\"group:g\"], \"dst\": [\"tag:b:*\"]},"
                    + " {\"action\": \"accept\", \"src\": [\"tag:a\"], \"dst\": [\"tag:b:80,443\"]}]}",
            "{" + OWNERS + " \"acls\": [{\"action\": \"accept\", \"src\": [\"autogroup:member\"],"
                    + " \"dst\": [\"autogroup:self:*\"]}, {\"action\": \"accept\", \"src\": [\"u2@corp\"],"
                    + " \"proto\": \"udp\", \"dst\": [\"u0@corp:53\"]}]}",
            "{" + OWNERS + " \"acls\": []}");

    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3})
    void everyViewEqualsAFreshCompile(long seed) throws Exception {
        try (Fixture f = new Fixture(dir, ControlOptions.defaults().withBatchInterval(Duration.ofMillis(2))
                .withBacklogMessages(4))) {
            f.admin.createDomain("corp", true);
            Random r = new Random(seed);
            Map<String, String> keys = new HashMap<>();
            List<SimNode> live = new ArrayList<>();
            String policy = Policy.ALLOW_ALL_TEXT;
            int made = 0;
            for (int step = 0; step < 120; step++) {
                int op = r.nextInt(100);
                if (live.size() < 3 || op < 14) {
                    SimNode n = f.node("h" + made++);
                    n.register(key(f, keys, r));
                    long id = idOf(f, n);
                    if (r.nextInt(4) != 0) {
                        f.admin.approveNode(id);
                        n.stream(false, List.of("192.0.2.1:" + step));
                        n.await("first map", x -> x.self() != null);
                        live.add(n);
                    }
                    continue;
                }
                SimNode n = live.get(r.nextInt(live.size()));
                if (op < 30) {
                    policy = POLICIES.get(r.nextInt(POLICIES.size()));
                    f.admin.setPolicy("corp", null, policy);
                } else if (op < 45) {
                    n.registerBeside(key(f, keys, r)); // another user and/or tags for the same machine
                } else if (op < 60) {
                    n.update(List.of("198.51.100." + r.nextInt(255) + ":" + step));
                } else if (op < 68) {
                    n.disconnect();
                    n.stream(true, null);
                } else if (op < 74) {
                    n.disconnect();
                    n.stream(false, null);
                } else if (op < 82) {
                    f.admin.deleteNode(n.id());
                    live.remove(n);
                } else if (op < 88) {
                    f.admin.renameNode(n.id(), "n" + step);
                } else {
                    // approve a waiting node, if there is one: it appears where the policy allows
                    for (NodeView v : f.admin.listNodes("corp")) {
                        if (!v.authorized()) {
                            f.admin.approveNode(v.id());
                            break;
                        }
                    }
                }
            }
            CompiledPolicy fresh = PolicyCompiler.compile(Policy.parse("final", policy), policyNodes(f));
            for (SimNode n : live) {
                n.await("the fresh compile's view (seed " + seed + ")", x -> matches(f, fresh, x));
            }
        }
    }

    /** A reusable, preapproved-or-not key for a random user and tags, made once per combination. */
    private static String key(Fixture f, Map<String, String> keys, Random r) {
        String user = USERS[r.nextInt(USERS.length)];
        List<String> tags = TAGS.get(r.nextInt(TAGS.size()));
        return keys.computeIfAbsent(user + tags, k -> f.admin.createAuthKey(new AuthKeySpec("corp", true, false,
                false, tags, null, user)));
    }

    private static long idOf(Fixture f, SimNode n) {
        return f.admin.listNodes("corp").stream().filter(v -> v.nodeKey().equals(n.nodeKey.toString()))
                .findFirst().orElseThrow().id();
    }

    private static List<PolicyNode> policyNodes(Fixture f) {
        List<PolicyNode> out = new ArrayList<>();
        for (NodeView v : f.admin.listNodes("corp")) {
            out.add(new PolicyNode(v.id(), v.name(), v.user(), v.tags(),
                    v.addresses().stream().map(IpPrefix::parse).toList()));
        }
        return out;
    }

    private static boolean matches(Fixture f, CompiledPolicy fresh, SimNode x) {
        long self = x.self().id();
        Set<Long> allowed = new HashSet<>();
        for (long id : fresh.peersOf(self)) {
            allowed.add(id);
        }
        Map<Long, Node> peers = x.peers();
        List<NodeView> expected = f.admin.listNodes("corp").stream()
                .filter(v -> v.id() != self && v.authorized() && !v.expired() && allowed.contains(v.id())).toList();
        if (peers.size() != expected.size()) {
            return false;
        }
        for (NodeView v : expected) {
            Node p = peers.get(v.id());
            if (p == null || !p.endpoints().equals(v.endpoints()) || !p.tags().equals(v.tags())) {
                return false;
            }
        }
        return fresh.filterFor(self).equals(x.filter()) && x.gaps().isEmpty();
    }
}
