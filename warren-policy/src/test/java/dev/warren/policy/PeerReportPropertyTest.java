package dev.warren.policy;

import dev.warren.wire.net.IpPrefix;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * {@link CompiledPolicy#update(java.util.Collection, java.util.Collection, CompiledPolicy.PeerReport)} against the
 * full variant: the same {@code next} and {@code filterChanged}, and {@code peersChanged} exactly the asked ids
 * whose peer set differs (checked against the before/after answers, not only against the full variant's set).
 * The chain of updates continues from the narrow variant's result, so slot reuse and table growth are exercised
 * on its states too.
 */
class PeerReportPropertyTest {

    @Property(tries = 300)
    void narrowReportMatchesFullVariantOnSmallDomains(@ForAll long seed) throws PolicyException {
        Random r = new Random(seed);
        run(r, Policy.parse("gen.hujson", Gen.policy(r)), 1 + r.nextInt(8), 8, 3, false);
    }

    @Property(tries = 10)
    void narrowReportMatchesFullVariantOnLargeDomains(@ForAll long seed) throws PolicyException {
        Random r = new Random(seed);
        run(r, Policy.parse("gen.hujson", Gen.policy(r)), 600, 3, 40, true);
    }

    @Property(tries = 5)
    void allowAllRegistrationsReportOnlyTheAskedNode(@ForAll long seed) {
        Random r = new Random(seed);
        run(r, Policy.allowAll(), 700, 3, 1, true);
    }

    /** {@code PeerReport.ALL} is the two-argument update. */
    @Property(tries = 100)
    void reportAllIsTheTwoArgumentUpdate(@ForAll long seed) throws PolicyException {
        Random r = new Random(seed);
        Policy policy = Policy.parse("gen.hujson", Gen.policy(r));
        List<PolicyNode> nodes = Gen.nodes(r, 1 + r.nextInt(8));
        CompiledPolicy c = PolicyCompiler.compile(policy, nodes);
        PolicyNode fresh = Gen.node(r, 1000, Gen.used(nodes));
        List<Long> removed = List.of(nodes.getFirst().id());
        CompiledPolicy.Update a = c.update(List.of(fresh), removed);
        CompiledPolicy.Update b = c.update(List.of(fresh), removed, CompiledPolicy.PeerReport.ALL);
        assertEquals(a.filterChanged(), b.filterChanged());
        assertEquals(a.peersChanged(), b.peersChanged());
        for (long id : a.next().nodeIds()) {
            assertArrayEquals(a.next().peersOf(id), b.next().peersOf(id));
            assertEquals(a.next().filterFor(id), b.next().filterFor(id));
        }
    }

    @Property(tries = 20)
    void narrowVariantRejectsWhatTheFullOneRejects(@ForAll long seed) throws PolicyException {
        Random r = new Random(seed);
        Policy policy = Policy.parse("gen.hujson", Gen.policy(r));
        List<PolicyNode> nodes = Gen.nodes(r, 1 + r.nextInt(6));
        CompiledPolicy c = PolicyCompiler.compile(policy, nodes);
        PolicyNode n = nodes.getFirst();
        CompiledPolicy.PeerReport only = CompiledPolicy.PeerReport.only(List.of(n.id()));
        assertThrows(IllegalArgumentException.class, () -> c.update(List.of(n), List.of(n.id()), only));
        assertThrows(IllegalArgumentException.class, () -> c.update(List.of(n, n), List.of(), only));
        assertThrows(NullPointerException.class, () -> c.update(List.of(n), List.of(), null));
    }

    private static void run(Random r, Policy policy, int initial, int steps, int changes, boolean big) {
        Map<Long, PolicyNode> nodes = new HashMap<>();
        List<PolicyNode> start = big ? bigNodes(r, initial) : Gen.nodes(r, initial);
        start.forEach(n -> nodes.put(n.id(), n));
        CompiledPolicy c = PolicyCompiler.compile(policy, nodes.values());
        long nextId = 10_000;
        for (int step = 0; step < steps; step++) {
            List<PolicyNode> upserts = new ArrayList<>();
            List<Long> removes = new ArrayList<>();
            List<Long> ids = new ArrayList<>(new TreeSet<>(nodes.keySet()));
            java.util.Collections.shuffle(ids, r);
            int k = 0;
            for (int i = 0; i < changes; i++) {
                int kind = r.nextInt(3);
                if (kind == 0 || k >= ids.size()) {
                    upserts.add(node(r, nextId++, nodes, upserts, big));
                } else if (kind == 1) {
                    removes.add(ids.get(k++));
                } else {
                    PolicyNode old = nodes.get(ids.get(k++));
                    PolicyNode fresh = node(r, old.id(), nodes, upserts, big);
                    upserts.add(r.nextBoolean() ? fresh
                            : new PolicyNode(old.id(), old.name(), fresh.user(), fresh.tags(), old.addresses()));
                }
            }
            // ask about a random mix: upserted, removed, untouched and unknown ids
            Set<Long> asked = new HashSet<>();
            upserts.forEach(n -> {
                if (r.nextInt(4) > 0) {
                    asked.add(n.id());
                }
            });
            removes.forEach(id -> {
                if (r.nextBoolean()) {
                    asked.add(id);
                }
            });
            for (int i = 0; i < 5 && !ids.isEmpty(); i++) {
                asked.add(ids.get(r.nextInt(ids.size())));
            }
            asked.add(-7L);
            CompiledPolicy.Update full = c.update(upserts, removes);
            CompiledPolicy.Update narrow = c.update(upserts, removes, CompiledPolicy.PeerReport.only(asked));
            Set<Long> all = new TreeSet<>(nodes.keySet());
            upserts.forEach(n -> nodes.put(n.id(), n));
            removes.forEach(nodes::remove);
            all.addAll(nodes.keySet());
            assertArrayEquals(full.next().nodeIds(), narrow.next().nodeIds());
            Set<Long> wantPeers = new HashSet<>();
            for (long id : all) {
                assertEquals(full.next().filterFor(id), narrow.next().filterFor(id), "filter of " + id);
                assertArrayEquals(full.next().peersOf(id), narrow.next().peersOf(id), "peers of " + id);
                if (asked.contains(id) && !Arrays.equals(c.peersOf(id), narrow.next().peersOf(id))) {
                    wantPeers.add(id);
                }
            }
            assertEquals(full.filterChanged(), narrow.filterChanged(), "filterChanged at step " + step);
            assertEquals(wantPeers, narrow.peersChanged(), "peersChanged at step " + step);
            Set<Long> inter = new HashSet<>(full.peersChanged());
            inter.retainAll(asked);
            assertEquals(inter, narrow.peersChanged());
            c = narrow.next();
        }
    }

    private static PolicyNode node(Random r, long id, Map<Long, PolicyNode> nodes, List<PolicyNode> pending,
                                   boolean big) {
        Set<IpPrefix> used = Gen.used(nodes.values());
        pending.forEach(n -> used.addAll(n.addresses()));
        if (big) {
            while (true) {
                PolicyNode n = bigNode(r, id, 20_000 + r.nextInt(40_000));
                if (n.addresses().stream().noneMatch(used::contains)) {
                    return n;
                }
            }
        }
        return Gen.node(r, id, used);
    }

    private static List<PolicyNode> bigNodes(Random r, int n) {
        List<PolicyNode> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            out.add(bigNode(r, i, i));
        }
        return out;
    }

    /** A node whose addresses are derived from {@code a} (IPv4 in 100.64.0.0/16, IPv6 under fd7a:115c:a1e0::). */
    private static PolicyNode bigNode(Random r, long id, long a) {
        PolicyNode shape = Gen.node(r, id, new HashSet<>());
        List<IpPrefix> addrs = List.of(IpPrefix.parse("100.64." + (a / 256) + "." + (a % 256) + "/32"),
                IpPrefix.parse("fd7a:115c:a1e0::" + Long.toHexString(a) + "/128"));
        return new PolicyNode(id, "n" + id, shape.user(), shape.tags(), addrs);
    }
}
