package dev.warren.control.internal.state;

import dev.warren.control.internal.store.Rows.AuthKeyRow;
import dev.warren.control.internal.store.Rows.Counters;
import dev.warren.control.internal.store.Rows.DomainRow;
import dev.warren.control.internal.store.Rows.UserRow;
import dev.warren.wire.key.MachineKey;
import dev.warren.wire.key.NodeKey;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * One immutable version of the whole state. Readers take the current snapshot from a volatile field and never lock;
 * the writer copies the maps it changes (copy-on-write) and publishes a new snapshot. The node maps are
 * {@link BucketMap}s, so a node change copies one bucket (≈ nodes/512 entries) and the bucket array.
 *
 * <p>Invariants: {@code nodeByKey} maps exactly the node keys of {@code nodes}, {@code nodeByMachine} exactly
 * their (domain, machine key) pairs; every node's domain and user exist;
 * {@code counters} are above every id and address index in use.
 */
public record Snapshot(long seq, Map<Long, DomainRow> domains, Map<Long, UserRow> users,
                       Map<Long, AuthKeyRow> authKeys, Map<String, Long> authKeyByHash, Map<Long, NodeEntry> nodes,
                       Map<NodeKey, Long> nodeByKey, Map<MachineSlot, Long> nodeByMachine, Counters counters) {

    /** Index key of a node: its machine key within its domain (the identity a re-login keeps). */
    public record MachineSlot(long domainId, MachineKey machine) {
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

    public NodeEntry nodeByMachine(long domainId, MachineKey machine) {
        Long id = nodeByMachine.get(new MachineSlot(domainId, machine));
        return id == null ? null : nodes.get(id);
    }

    /**
     * Names of the domain's nodes (except one) that a name derived from {@code base} could clash with: {@code base}
     * itself and every {@code <prefix of base>-<digits>}. Bounded by the duplicates of {@code base}, not the domain.
     */
    public Set<String> namesIn(long domainId, long exceptNodeId, String base) {
        Set<String> s = new HashSet<>();
        forEachNode(e -> {
            if (e.domainId() == domainId && e.id() != exceptNodeId && Names.couldClash(e.row().name(), base)) {
                s.add(e.row().name());
            }
        });
        return s;
    }

    /** Every node, in no particular order; the cheapest way to scan the snapshot. */
    public void forEachNode(java.util.function.Consumer<NodeEntry> f) {
        if (nodes instanceof BucketMap<Long, NodeEntry> b) {
            b.forEachValue(f);
        } else {
            nodes.values().forEach(f);
        }
    }

    Snapshot withSeq(long newSeq) {
        return new Snapshot(newSeq, domains, users, authKeys, authKeyByHash, nodes, nodeByKey, nodeByMachine,
                counters);
    }

    Snapshot withDomain(DomainRow d, Counters c) {
        Map<Long, DomainRow> m = new HashMap<>(domains);
        m.put(d.id(), d);
        return new Snapshot(seq, Map.copyOf(m), users, authKeys, authKeyByHash, nodes, nodeByKey, nodeByMachine, c);
    }

    Snapshot withUser(UserRow u, Counters c) {
        Map<Long, UserRow> m = new HashMap<>(users);
        m.put(u.id(), u);
        return new Snapshot(seq, domains, Map.copyOf(m), authKeys, authKeyByHash, nodes, nodeByKey, nodeByMachine, c);
    }

    Snapshot withAuthKey(AuthKeyRow k, Counters c) {
        Map<Long, AuthKeyRow> m = new HashMap<>(authKeys);
        m.put(k.id(), k);
        Map<String, Long> h = new HashMap<>(authKeyByHash);
        h.put(k.keyHash(), k.id());
        return new Snapshot(seq, domains, users, Map.copyOf(m), Map.copyOf(h), nodes, nodeByKey, nodeByMachine, c);
    }

    Snapshot withNode(NodeEntry e, Counters c) {
        BucketMap<Long, NodeEntry> m = asBuckets(nodes);
        NodeEntry old = m.get(e.id());
        Map<NodeKey, Long> byKey = nodeByKey;
        if (old == null || !old.row().nodeKey().equals(e.row().nodeKey())) {
            BucketMap<NodeKey, Long> k = asBuckets(nodeByKey);
            if (old != null) {
                k = k.without(old.row().nodeKey());
            }
            byKey = k.with(e.row().nodeKey(), e.id());
        }
        Map<MachineSlot, Long> byMachine = nodeByMachine;
        if (old == null) {
            byMachine = asBuckets(nodeByMachine).with(new MachineSlot(e.domainId(), e.row().machineKey()), e.id());
        }
        return new Snapshot(seq, domains, users, authKeys, authKeyByHash, m.with(e.id(), e), byKey, byMachine, c);
    }

    Snapshot withoutNode(long id) {
        BucketMap<Long, NodeEntry> m = asBuckets(nodes);
        NodeEntry old = m.get(id);
        if (old == null) {
            return this;
        }
        return new Snapshot(seq, domains, users, authKeys, authKeyByHash, m.without(id),
                asBuckets(nodeByKey).without(old.row().nodeKey()),
                asBuckets(nodeByMachine).without(new MachineSlot(old.domainId(), old.row().machineKey())), counters);
    }

    private static <K, V> BucketMap<K, V> asBuckets(Map<K, V> m) {
        return m instanceof BucketMap<K, V> b ? b : BucketMap.of(m);
    }
}
