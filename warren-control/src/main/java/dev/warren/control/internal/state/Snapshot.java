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
 * the writer copies the maps it changes (copy-on-write) and publishes a new snapshot. A node change copies one chunk
 * of the {@link NodeTable} and its index (O(nodes / 256 + 256)); a new or changed node key also copies the key map.
 *
 * <p>Invariants: {@code nodeByKey} maps exactly the node keys of {@code nodes}; every node's domain and user exist;
 * {@code counters} are above every id and address index in use.
 */
public record Snapshot(long seq, Map<Long, DomainRow> domains, Map<Long, UserRow> users,
                       Map<Long, AuthKeyRow> authKeys, Map<String, Long> authKeyByHash, Map<Long, NodeEntry> nodes,
                       Map<NodeKey, Long> nodeByKey, Counters counters) {

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
        for (NodeEntry e : nodes.values()) {
            if (e.domainId() == domainId && e.row().machineKey().equals(machine)) {
                return e;
            }
        }
        return null;
    }

    public Set<String> namesIn(long domainId, long exceptNodeId) {
        Set<String> s = new HashSet<>();
        for (NodeEntry e : nodes.values()) {
            if (e.domainId() == domainId && e.id() != exceptNodeId) {
                s.add(e.row().name());
            }
        }
        return s;
    }

    Snapshot withSeq(long newSeq) {
        return new Snapshot(newSeq, domains, users, authKeys, authKeyByHash, nodes, nodeByKey, counters);
    }

    Snapshot withDomain(DomainRow d, Counters c) {
        Map<Long, DomainRow> m = new HashMap<>(domains);
        m.put(d.id(), d);
        return new Snapshot(seq, Map.copyOf(m), users, authKeys, authKeyByHash, nodes, nodeByKey, c);
    }

    Snapshot withUser(UserRow u, Counters c) {
        Map<Long, UserRow> m = new HashMap<>(users);
        m.put(u.id(), u);
        return new Snapshot(seq, domains, Map.copyOf(m), authKeys, authKeyByHash, nodes, nodeByKey, c);
    }

    Snapshot withAuthKey(AuthKeyRow k, Counters c) {
        Map<Long, AuthKeyRow> m = new HashMap<>(authKeys);
        m.put(k.id(), k);
        Map<String, Long> h = new HashMap<>(authKeyByHash);
        h.put(k.keyHash(), k.id());
        return new Snapshot(seq, domains, users, Map.copyOf(m), Map.copyOf(h), nodes, nodeByKey, c);
    }

    Snapshot withNode(NodeEntry e, Counters c) {
        NodeEntry old = nodes.get(e.id());
        Map<NodeKey, Long> byKey = nodeByKey;
        if (old == null || !old.row().nodeKey().equals(e.row().nodeKey())) {
            HashMap<NodeKey, Long> k = new HashMap<>(nodeByKey);
            if (old != null) {
                k.remove(old.row().nodeKey());
            }
            k.put(e.row().nodeKey(), e.id());
            byKey = java.util.Collections.unmodifiableMap(k);
        }
        return new Snapshot(seq, domains, users, authKeys, authKeyByHash, table().with(e), byKey, c);
    }

    Snapshot withoutNode(long id) {
        NodeEntry old = nodes.get(id);
        if (old == null) {
            return this;
        }
        HashMap<NodeKey, Long> k = new HashMap<>(nodeByKey);
        k.remove(old.row().nodeKey());
        return new Snapshot(seq, domains, users, authKeys, authKeyByHash, table().without(id),
                java.util.Collections.unmodifiableMap(k), counters);
    }

    private NodeTable table() {
        return nodes instanceof NodeTable t ? t : NodeTable.of(nodes.values());
    }
}
