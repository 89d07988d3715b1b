package dev.warren.wire.control;

import dev.warren.wire.key.DiscoKey;
import dev.warren.wire.key.NodeKey;

import java.time.Instant;
import java.util.List;

/**
 * A small change to one peer; null fields are unchanged. Control sends patches for the frequent changes
 * (endpoints, online state, disco key and home relay) instead of the whole {@link Node}.
 *
 * @param discoKey  the peer's new disco key (it restarted its daemon); since capability version 2
 * @param homeRelay the peer's new home relay region id, 0 = none; since capability version 2
 */
public record PeerPatch(long nodeId, List<String> endpoints, Boolean online, Instant lastSeen, NodeKey key,
                        Instant keyExpiry, DiscoKey discoKey, Integer homeRelay) {
    /** A patch of the version-1 fields only. */
    public PeerPatch(long nodeId, List<String> endpoints, Boolean online, Instant lastSeen, NodeKey key,
                     Instant keyExpiry) {
        this(nodeId, endpoints, online, lastSeen, key, keyExpiry, null, null);
    }

    /** {@code n} with this patch applied (the caller checked that the ids match). */
    public Node applyTo(Node n) {
        return new Node(n.id(), n.name(), n.user(), key != null ? key : n.key(),
                keyExpiry != null ? keyExpiry : n.keyExpiry(), n.machine(), n.addresses(), n.allowedIps(),
                endpoints != null ? endpoints : n.endpoints(), n.hostinfo(), n.created(),
                lastSeen != null ? lastSeen : n.lastSeen(), online != null ? online : n.online(),
                n.machineAuthorized(), n.expired(), n.ephemeral(), n.tags(),
                discoKey != null ? discoKey : n.discoKey(), homeRelay != null ? homeRelay : n.homeRelay());
    }
}
