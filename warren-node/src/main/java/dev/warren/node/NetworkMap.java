package dev.warren.node;

import dev.warren.wire.control.Node;
import dev.warren.wire.control.RelayMap;
import dev.warren.wire.filter.FilterRule;

import java.util.List;

/**
 * An immutable copy of the network map as the data plane needs it: this node, its peers (each with its node key,
 * endpoints, disco key and home relay), the relay map and the packet filter rules. {@link NodeBackend#onNetworkMap} hands one to its
 * listener after every map message that changed something.
 *
 * @param self     this node as control describes it, or null before the first map
 * @param peers    the peers, in control's order
 * @param relayMap     the relays of the network (empty when control has none or is older than capability version 2)
 * @param packetFilter the node's inbound filter rules as control last sent them, or null when none came yet
 *                     (the node then denies every new inbound flow)
 */
public record NetworkMap(Node self, List<Node> peers, RelayMap relayMap, List<FilterRule> packetFilter) {
    public NetworkMap {
        peers = List.copyOf(peers);
        relayMap = relayMap == null ? new RelayMap(List.of()) : relayMap;
        packetFilter = packetFilter == null ? null : List.copyOf(packetFilter);
    }

    /** A map without filter rules (a server older than capability version 3). */
    public NetworkMap(Node self, List<Node> peers, RelayMap relayMap) {
        this(self, peers, relayMap, null);
    }
}
