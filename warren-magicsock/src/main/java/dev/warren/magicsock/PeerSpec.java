package dev.warren.magicsock;

import dev.warren.wire.key.DiscoKey;
import dev.warren.wire.key.NodeKey;

import java.net.InetSocketAddress;
import java.util.List;

/**
 * A peer as the node learns it from control: its node key (the WireGuard key), its disco key, its home relay region
 * (0 = none known) and the endpoints it reported.
 */
public record PeerSpec(NodeKey nodeKey, DiscoKey discoKey, int homeRelay, List<InetSocketAddress> endpoints) {
    public PeerSpec {
        if (nodeKey == null) {
            throw new IllegalArgumentException("peer without a node key");
        }
        if (discoKey == null) {
            throw new IllegalArgumentException("peer " + nodeKey.shortString() + " has no disco key");
        }
        if (homeRelay < 0) {
            throw new IllegalArgumentException("peer " + nodeKey.shortString() + " has home relay " + homeRelay);
        }
        endpoints = endpoints == null ? List.of() : List.copyOf(endpoints);
        for (InetSocketAddress e : endpoints) {
            if (e.isUnresolved() || e.getPort() == 0) {
                throw new IllegalArgumentException("peer " + nodeKey.shortString() + " endpoint " + e
                        + " is unresolved or has port 0");
            }
        }
    }
}
