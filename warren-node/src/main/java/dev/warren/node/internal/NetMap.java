package dev.warren.node.internal;

import dev.warren.wire.control.ControlSettings;
import dev.warren.wire.control.MapResponse;
import dev.warren.wire.control.Node;
import dev.warren.wire.control.PeerPatch;
import dev.warren.wire.control.RelayMap;
import dev.warren.wire.filter.FilterRule;

import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The network map as control last described it: this node, its peers by id, the domain settings, the relay map
 * and the node's packet filter rules.
 *
 * <p>{@link #apply} follows the rules of {@link MapResponse}: a non-null {@code peers} replaces the peer list;
 * otherwise {@code peersRemoved}, then {@code peersChanged}, then {@code peersChangedPatch}; null means unchanged
 * (also for {@code packetFilter}, in full maps and deltas alike);
 * keep-alives change nothing. Patches for unknown ids are ignored (a later full map will carry the node).
 *
 * <p>Concurrency: not thread-safe; the backend calls it under its lock and hands out copies.
 */
public final class NetMap {
    private Node self;
    private final Map<Long, Node> peers = new LinkedHashMap<>();
    private ControlSettings settings;
    private RelayMap relayMap = EMPTY_RELAYS;
    private boolean haveFull;
    private List<FilterRule> packetFilter;
    private static final RelayMap EMPTY_RELAYS = new RelayMap(List.of());

    /** Applies one message; returns false for a keep-alive. */
    public boolean apply(MapResponse m) {
        if (m.keepAlive()) {
            return false;
        }
        if (m.node() != null) {
            self = m.node();
        }
        if (m.settings() != null) {
            settings = m.settings();
        }
        if (m.relayMap() != null) {
            relayMap = m.relayMap();
        }
        if (m.packetFilter() != null) {
            packetFilter = m.packetFilter();
        }
        if (m.isFull()) {
            peers.clear();
            for (Node n : m.peers()) {
                peers.put(n.id(), n);
            }
            haveFull = true;
            return true;
        }
        if (m.peersRemoved() != null) {
            for (Long id : m.peersRemoved()) {
                peers.remove(id);
            }
        }
        if (m.peersChanged() != null) {
            for (Node n : m.peersChanged()) {
                peers.put(n.id(), n);
            }
        }
        if (m.peersChangedPatch() != null) {
            for (PeerPatch p : m.peersChangedPatch()) {
                Node n = peers.get(p.nodeId());
                if (n != null) {
                    peers.put(n.id(), patch(n, p));
                }
            }
        }
        return true;
    }

    static Node patch(Node n, PeerPatch p) {
        return p.applyTo(n);
    }

    /** True once a full map has arrived since the node logged in. */
    public boolean haveFull() {
        return haveFull;
    }

    public Node self() {
        return self;
    }

    public Collection<Node> peers() {
        return Collections.unmodifiableCollection(peers.values());
    }

    public ControlSettings settings() {
        return settings;
    }

    /** The relay map control last sent; empty before the first map or from a server older than version 2. */
    public RelayMap relayMap() {
        return relayMap;
    }

    /** The filter rules control last sent, or null when none came yet (before the first map, or an older server). */
    public List<FilterRule> packetFilter() {
        return packetFilter;
    }

    public void clear() {
        self = null;
        packetFilter = null;
        peers.clear();
        settings = null;
        relayMap = EMPTY_RELAYS;
        haveFull = false;
    }
}
