package dev.warren.node;

import dev.warren.wire.control.Node;
import dev.warren.wire.control.RelayMap;

import java.util.List;

/**
 * An immutable copy of the network map as the data plane needs it: this node, its peers (each with its node key,
 * endpoints, disco key and home relay) and the relay map. {@link NodeBackend#onNetworkMap} hands one to its
 * listener after every map message that changed something.
 *
 * @param self     this node as control describes it, or null before the first map
 * @param peers    the peers, in control's order
 * @param relayMap the relays of the network (empty when control has none or is older than capability version 2)
 */
public record NetworkMap(Node self, List<Node> peers, RelayMap relayMap) {
    public NetworkMap {
        peers = List.copyOf(peers);
        relayMap = relayMap == null ? new RelayMap(List.of()) : relayMap;
    }
}
