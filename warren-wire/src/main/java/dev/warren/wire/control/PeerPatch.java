package dev.warren.wire.control;

import dev.warren.wire.key.NodeKey;

import java.time.Instant;
import java.util.List;

/**
 * A small change to one peer; null fields are unchanged. Control sends patches for the frequent changes
 * (endpoints, online state) instead of the whole {@link Node}.
 */
public record PeerPatch(long nodeId, List<String> endpoints, Boolean online, Instant lastSeen, NodeKey key,
                        Instant keyExpiry) {
}
