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

/**
 * Differential tests of the compiler: random valid policies over random node sets, compared packet by packet
 * against {@link Naive} (filterFor + the reference match), peer sets against the naive "some packet either way",
 * and incremental updates against compiling from scratch, including the reported changed sets.
 */
class CompilerPropertyTest {
    private static final int[] PROTOS = {6, 17, 1, 58, 132, 47};
    private static final int[] PORTS = {22, 80, 443, 8050, 8005, 9999};
    private static final List<byte[]> OUTSIDE = List.of(new byte[]{8, 8, 8, 8}, new byte[]{100, 64, 0, 15},
            new byte[]{(byte) 192, (byte) 168, 1, 1}, IpPrefix.parse("fd7a:115c:a1e0::7").address(),
            IpPrefix.parse("2001:db8::1").address());

    @Property(tries = 500)
    void compiledFilterMatchesNaiveEvaluator(@ForAll long seed) throws PolicyException {
        Random r = new Random(seed);
        Policy policy = Policy.parse("gen.hujson", Gen.policy(r));
        List<PolicyNode> nodes = Gen.nodes(r, r.nextInt(9));
        CompiledPolicy c = PolicyCompiler.compile(policy, nodes);
        for (PolicyNode dst : nodes) {
            List<byte[]> sources = new ArrayList<>(OUTSIDE);
            for (PolicyNode n : nodes) {
                n.addresses().forEach(a -> sources.add(a.address()));
            }
            for (IpPrefix da : dst.addresses()) {
                for (byte[] sa : sources) {
                    if (sa.length != da.address().length) {
                        continue;
                    }
                    for (int proto : PROTOS) {
                        for (int port : PORTS) {
                            boolean want = Naive.allowed(policy.model(), nodes, sa, dst, da.address(), proto, port);
                            boolean got = Naive.filterAllows(c.filterFor(dst.id()), sa, da.address(), proto, port);
                            assertEquals(want, got, () -> "packet " + Arrays.toString(sa) + " -> " + da + " proto "
                                    + proto + " port " + port + " to " + dst + "\nfilter " + c.filterFor(dst.id())
                                    + "\npolicy:\n" + policy.text() + "\nnodes " + nodes);
                        }
                    }
                }
            }
        }
        for (PolicyNode a : nodes) {
            TreeSet<Long> want = new TreeSet<>();
            for (PolicyNode b : nodes) {
                if (Naive.reaches(policy.model(), nodes, a, b) || Naive.reaches(policy.model(), nodes, b, a)) {
                    want.add(b.id());
                }
            }
            assertArrayEquals(want.stream().mapToLong(Long::longValue).toArray(), c.peersOf(a.id()),
                    () -> "peers of " + a + "\npolicy:\n" + policy.text() + "\nnodes " + nodes);
            for (PolicyNode b : nodes) {
                assertEquals(want.contains(b.id()), c.canSee(a.id(), b.id()));
            }
        }
    }

    @Property(tries = 400)
    void updatesEqualFullCompile(@ForAll long seed) throws PolicyException {
        Random r = new Random(seed);
        Policy policy = Policy.parse("gen.hujson", Gen.policy(r));
        Map<Long, PolicyNode> nodes = new HashMap<>();
        for (PolicyNode n : Gen.nodes(r, r.nextInt(8))) {
            nodes.put(n.id(), n);
        }
        CompiledPolicy c = PolicyCompiler.compile(policy, nodes.values());
        long nextId = 100;
        for (int step = 0; step < 8; step++) {
            List<PolicyNode> upserts = new ArrayList<>();
            List<Long> removes = new ArrayList<>();
            Set<Long> chosen = new HashSet<>();
            int changes = 1 + r.nextInt(3);
            for (int k = 0; k < changes; k++) {
                int kind = r.nextInt(4);
                List<Long> ids = new ArrayList<>(new TreeSet<>(nodes.keySet()));
                ids.removeAll(chosen);
                if (kind == 0 || ids.isEmpty()) {
                    Set<IpPrefix> used = Gen.used(nodes.values());
                    upserts.forEach(n -> used.addAll(n.addresses()));
                    PolicyNode n = Gen.node(r, nextId++, used);
                    upserts.add(n);
                    chosen.add(n.id());
                } else if (kind == 1) {
                    long id = ids.get(r.nextInt(ids.size()));
                    removes.add(id);
                    chosen.add(id);
                } else {
                    long id = ids.get(r.nextInt(ids.size()));
                    Set<IpPrefix> used = Gen.used(nodes.values());
                    upserts.forEach(n -> used.addAll(n.addresses()));
                    PolicyNode fresh = Gen.node(r, id, used);
                    PolicyNode old = nodes.get(id);
                    // change one aspect (or everything)
                    PolicyNode changed = switch (r.nextInt(4)) {
                        case 0 -> new PolicyNode(id, old.name(), fresh.user(), old.tags(), old.addresses());
                        case 1 -> new PolicyNode(id, old.name(), old.user(), fresh.tags(), old.addresses());
                        case 2 -> new PolicyNode(id, old.name(), old.user(), old.tags(), fresh.addresses());
                        default -> fresh;
                    };
                    upserts.add(changed);
                    chosen.add(id);
                }
            }
            CompiledPolicy.Update u = c.update(upserts, removes);
            Set<Long> all = new TreeSet<>(nodes.keySet());
            for (PolicyNode n : upserts) {
                nodes.put(n.id(), n);
            }
            removes.forEach(nodes::remove);
            all.addAll(nodes.keySet());
            CompiledPolicy full = PolicyCompiler.compile(policy, nodes.values());
            Set<Long> wantFilter = new HashSet<>();
            Set<Long> wantPeers = new HashSet<>();
            for (long id : all) {
                String ctx = "node " + id + " step " + step + " upserts " + upserts + " removes " + removes
                        + "\npolicy:\n" + policy.text() + "\nnodes " + nodes.values();
                assertEquals(full.filterFor(id), u.next().filterFor(id), ctx);
                assertArrayEquals(full.peersOf(id), u.next().peersOf(id), ctx);
                if (!c.filterFor(id).equals(full.filterFor(id))) {
                    wantFilter.add(id);
                }
                if (!Arrays.equals(c.peersOf(id), full.peersOf(id))) {
                    wantPeers.add(id);
                }
            }
            assertEquals(wantFilter, u.filterChanged(), "filterChanged at step " + step);
            assertEquals(wantPeers, u.peersChanged(), "peersChanged at step " + step);
            c = u.next();
        }
    }

    /**
     * Hundreds of nodes: slots span several 512-bit chunks and the node table grows during updates; the result
     * still equals a full compile and the reported sets are exact.
     */
    @Property(tries = 15)
    void updatesEqualFullCompileOnLargeDomains(@ForAll long seed) throws PolicyException {
        Random r = new Random(seed);
        Policy policy = Policy.parse("gen.hujson", Gen.policy(r));
        Map<Long, PolicyNode> nodes = new HashMap<>();
        for (int i = 0; i < 600; i++) {
            nodes.put((long) i, big(r, i));
        }
        CompiledPolicy c = PolicyCompiler.compile(policy, nodes.values());
        long nextId = 600;
        for (int step = 0; step < 4; step++) {
            List<PolicyNode> upserts = new ArrayList<>();
            List<Long> removes = new ArrayList<>();
            List<Long> ids = new ArrayList<>(new TreeSet<>(nodes.keySet()));
            java.util.Collections.shuffle(ids, r);
            for (int k = 0; k < 40; k++) {
                upserts.add(big(r, nextId++)); // grows the table past its capacity
            }
            for (int k = 0; k < 10; k++) {
                removes.add(ids.get(k));
            }
            for (int k = 10; k < 20; k++) {
                PolicyNode old = nodes.get(ids.get(k));
                PolicyNode fresh = big(r, old.id());
                upserts.add(new PolicyNode(old.id(), old.name(), fresh.user(), fresh.tags(), old.addresses()));
            }
            CompiledPolicy.Update u = c.update(upserts, removes);
            Set<Long> all = new TreeSet<>(nodes.keySet());
            upserts.forEach(n -> nodes.put(n.id(), n));
            removes.forEach(nodes::remove);
            all.addAll(nodes.keySet());
            CompiledPolicy full = PolicyCompiler.compile(policy, nodes.values());
            Set<Long> wantFilter = new HashSet<>();
            Set<Long> wantPeers = new HashSet<>();
            for (long id : all) {
                assertEquals(full.filterFor(id), u.next().filterFor(id), "node " + id);
                assertArrayEquals(full.peersOf(id), u.next().peersOf(id), "node " + id);
                if (!c.filterFor(id).equals(full.filterFor(id))) {
                    wantFilter.add(id);
                }
                if (!Arrays.equals(c.peersOf(id), full.peersOf(id))) {
                    wantPeers.add(id);
                }
            }
            assertEquals(wantFilter, u.filterChanged());
            assertEquals(wantPeers, u.peersChanged());
            c = u.next();
        }
    }

    /** A node with unique addresses derived from its id (IPv4 in 100.64.0.0/16, IPv6 under fd7a:115c:a1e0::). */
    private static PolicyNode big(Random r, long id) {
        PolicyNode shape = Gen.node(r, id, new HashSet<>());
        List<IpPrefix> addrs = List.of(IpPrefix.parse("100.64." + (id / 256) + "." + (id % 256) + "/32"),
                IpPrefix.parse("fd7a:115c:a1e0::" + Long.toHexString(id) + "/128"));
        return new PolicyNode(id, "n" + id, shape.user(), shape.tags(), addrs);
    }

    @Property(tries = 100)
    void withPolicyReportsExactlyTheDifferingNodes(@ForAll long seed) throws PolicyException {
        Random r = new Random(seed);
        Policy p1 = Policy.parse("a.hujson", Gen.policy(r));
        Policy p2 = Policy.parse("b.hujson", Gen.policy(r));
        List<PolicyNode> nodes = Gen.nodes(r, r.nextInt(8));
        CompiledPolicy c1 = PolicyCompiler.compile(p1, nodes);
        CompiledPolicy.Update u = c1.withPolicy(p2);
        CompiledPolicy c2 = PolicyCompiler.compile(p2, nodes);
        for (PolicyNode n : nodes) {
            assertEquals(c2.filterFor(n.id()), u.next().filterFor(n.id()));
            assertArrayEquals(c2.peersOf(n.id()), u.next().peersOf(n.id()));
            assertEquals(!c1.filterFor(n.id()).equals(c2.filterFor(n.id())), u.filterChanged().contains(n.id()));
            assertEquals(!Arrays.equals(c1.peersOf(n.id()), c2.peersOf(n.id())), u.peersChanged().contains(n.id()));
        }
    }
}
