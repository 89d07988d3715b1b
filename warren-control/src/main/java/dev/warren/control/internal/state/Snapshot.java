package dev.warren.control.internal.state;

import dev.warren.control.internal.store.Rows.AuthKeyRow;
import dev.warren.control.internal.store.Rows.Counters;
import dev.warren.control.internal.store.Rows.DomainRow;
import dev.warren.control.internal.store.Rows.UserRow;
import dev.warren.policy.CompiledPolicy;
import dev.warren.wire.key.MachineKey;
import dev.warren.wire.key.NodeKey;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * One immutable version of the whole state. Readers take the current snapshot from a volatile field and never lock;
 * the writer copies the maps it changes (copy-on-write) and publishes a new snapshot. A node change copies one chunk
 * of the {@link NodeTable} and its index (O(nodes / 256 + 256)) and one bucket of each {@link BucketMap} index
 * (node key; machine and name per domain), so a registration no longer scans or copies every node.
 *
 * <p>The access policy of each domain, compiled over the domain's nodes, lives beside them in {@code policies}: the
 * writer updates it in the same step as the nodes ({@link CompiledPolicy#update} for node changes), so a reader
 * never sees a node the policy does not know of.
 *
 * <p>Invariants: {@code nodeByKey} maps exactly the node keys of {@code nodes}; every node's domain and user exist;
 * {@code counters} are above every id and address index in use; every domain has a compiled policy whose nodes are
 * exactly the domain's nodes, with the attributes {@link PolicyNodes#of} gives them.
 */
public record Snapshot(long seq, Map<Long, DomainRow> domains, Map<Long, UserRow> users,
                       Map<Long, AuthKeyRow> authKeys, Map<String, Long> authKeyByHash, Map<Long, NodeEntry> nodes,
                       Map<NodeKey, Long> nodeByKey, Counters counters, Indexes indexes,
                       Map<Long, CompiledPolicy> policies) {

    /** A machine in a domain, a key of {@link Indexes#byMachine}. */
    record MachineIn(long domain, MachineKey machine) {
    }

    /** A node name in a domain, a key of {@link Indexes#byName}. */
    record NameIn(long domain, String name) {
    }

    /**
     * Node ids by machine and by name, per domain (ids in ascending order), maintained with {@code nodes} so that
     * registration does not scan every node.
     */
    record Indexes(BucketMap<MachineIn, long[]> byMachine, BucketMap<NameIn, long[]> byName) {
        static final Indexes EMPTY = new Indexes(BucketMap.empty(), BucketMap.empty());

        /** The indexes after node {@code old} (null: none) became {@code e} (null: deleted). */
        Indexes with(NodeEntry old, NodeEntry e) {
            if (old != null && e != null && sameKeys(old, e)) {
                return this;
            }
            Indexes x = this;
            if (old != null) {
                x = new Indexes(remove(x.byMachine, machineOf(old), old.id()), remove(x.byName, nameOf(old), old.id()));
            }
            if (e != null) {
                x = new Indexes(add(x.byMachine, machineOf(e), e.id()), add(x.byName, nameOf(e), e.id()));
            }
            return x;
        }

        private static boolean sameKeys(NodeEntry a, NodeEntry b) {
            return machineOf(a).equals(machineOf(b)) && nameOf(a).equals(nameOf(b));
        }

        private static MachineIn machineOf(NodeEntry e) {
            return new MachineIn(e.domainId(), e.row().machineKey());
        }

        private static NameIn nameOf(NodeEntry e) {
            return new NameIn(e.domainId(), e.row().name());
        }

        private static <K> BucketMap<K, long[]> add(BucketMap<K, long[]> m, K key, long id) {
            long[] ids = m.get(key);
            if (ids == null) {
                return m.with(key, new long[]{id});
            }
            if (java.util.Arrays.binarySearch(ids, id) >= 0) {
                return m;
            }
            long[] n = java.util.Arrays.copyOf(ids, ids.length + 1);
            n[ids.length] = id;
            java.util.Arrays.sort(n);
            return m.with(key, n);
        }

        private static <K> BucketMap<K, long[]> remove(BucketMap<K, long[]> m, K key, long id) {
            long[] ids = m.get(key);
            if (ids == null) {
                return m;
            }
            long[] n = java.util.Arrays.stream(ids).filter(x -> x != id).toArray();
            return n.length == ids.length ? m : n.length == 0 ? m.without(key) : m.with(key, n);
        }

        static Indexes of(Iterable<NodeEntry> nodes) {
            Indexes x = EMPTY;
            for (NodeEntry e : nodes) {
                x = x.with(null, e);
            }
            return x;
        }
    }

    public DomainRow domainByName(String name) {
        for (DomainRow d : domains.values()) {
            if (d.name().equals(name)) {
                return d;
            }
        }
        return null;
    }

    public UserRow user(long domainId, String login) {
        for (UserRow u : users.values()) {
            if (u.domainId() == domainId && u.login().equals(login)) {
                return u;
            }
        }
        return null;
    }

    public NodeEntry nodeByKey(NodeKey key) {
        Long id = key == null ? null : nodeByKey.get(key);
        return id == null ? null : nodes.get(id);
    }

    /** The node of {@code machine} in the domain (the lowest id if there were several). */
    public NodeEntry nodeByMachine(long domainId, MachineKey machine) {
        long[] ids = indexes.byMachine().get(new MachineIn(domainId, machine));
        return ids == null ? null : nodes.get(ids[0]);
    }

    /** The names in use in the domain, except node {@code exceptNodeId}'s: a view answering {@code contains} fast. */
    public Set<String> namesIn(long domainId, long exceptNodeId) {
        return new java.util.AbstractSet<>() {
            @Override
            public boolean contains(Object o) {
                if (!(o instanceof String name)) {
                    return false;
                }
                long[] ids = indexes.byName().get(new NameIn(domainId, name));
                return ids != null && (ids.length > 1 || ids[0] != exceptNodeId);
            }

            @Override
            public java.util.Iterator<String> iterator() {
                return all().iterator();
            }

            @Override
            public int size() {
                return all().size();
            }

            private Set<String> all() {
                Set<String> s = new HashSet<>();
                for (NodeEntry e : nodes.values()) {
                    if (e.domainId() == domainId && e.id() != exceptNodeId) {
                        s.add(e.row().name());
                    }
                }
                return s;
            }
        };
    }

    Snapshot withSeq(long newSeq) {
        return new Snapshot(newSeq, domains, users, authKeys, authKeyByHash, nodes, nodeByKey, counters, indexes,
                policies);
    }

    /** The compiled access policy of domain {@code domainId} (every domain has one). */
    public CompiledPolicy policy(long domainId) {
        return policies.get(domainId);
    }

    Snapshot withPolicy(long domainId, CompiledPolicy p) {
        Map<Long, CompiledPolicy> m = new HashMap<>(policies);
        m.put(domainId, p);
        return new Snapshot(seq, domains, users, authKeys, authKeyByHash, nodes, nodeByKey, counters, indexes,
                Map.copyOf(m));
    }

    Snapshot withDomain(DomainRow d, Counters c) {
        Map<Long, DomainRow> m = new HashMap<>(domains);
        m.put(d.id(), d);
        return new Snapshot(seq, Map.copyOf(m), users, authKeys, authKeyByHash, nodes, nodeByKey, c, indexes,
                policies);
    }

    Snapshot withUser(UserRow u, Counters c) {
        Map<Long, UserRow> m = new HashMap<>(users);
        m.put(u.id(), u);
        return new Snapshot(seq, domains, Map.copyOf(m), authKeys, authKeyByHash, nodes, nodeByKey, c, indexes,
                policies);
    }

    Snapshot withAuthKey(AuthKeyRow k, Counters c) {
        Map<Long, AuthKeyRow> m = new HashMap<>(authKeys);
        m.put(k.id(), k);
        Map<String, Long> h = new HashMap<>(authKeyByHash);
        h.put(k.keyHash(), k.id());
        return new Snapshot(seq, domains, users, Map.copyOf(m), Map.copyOf(h), nodes, nodeByKey, c, indexes,
                policies);
    }

    Snapshot withNode(NodeEntry e, Counters c) {
        NodeEntry old = nodes.get(e.id());
        BucketMap<NodeKey, Long> byKey = keys();
        if (old == null || !old.row().nodeKey().equals(e.row().nodeKey())) {
            if (old != null) {
                byKey = byKey.without(old.row().nodeKey());
            }
            byKey = byKey.with(e.row().nodeKey(), e.id());
        }
        return new Snapshot(seq, domains, users, authKeys, authKeyByHash, table().with(e), byKey, c,
                indexes.with(old, e), policies);
    }

    Snapshot withoutNode(long id) {
        NodeEntry old = nodes.get(id);
        if (old == null) {
            return this;
        }
        return new Snapshot(seq, domains, users, authKeys, authKeyByHash, table().without(id),
                keys().without(old.row().nodeKey()), counters, indexes.with(old, null), policies);
    }

    private NodeTable table() {
        return nodes instanceof NodeTable t ? t : NodeTable.of(nodes.values());
    }

    private BucketMap<NodeKey, Long> keys() {
        return nodeByKey instanceof BucketMap<NodeKey, Long> b ? b : BucketMap.copyOf(nodeByKey);
    }
}
