package dev.warren.wire.control;

import dev.warren.wire.filter.FilterRule;

import java.time.Instant;
import java.util.List;

/**
 * Control → node: one message of a map stream.
 *
 * <p>Rules, in order: {@code peers} non-null ⇒ it replaces the whole peer list (a full map); otherwise apply
 * {@code peersRemoved} (node ids), then {@code peersChanged} (whole nodes, added or replaced), then
 * {@code peersChangedPatch}. Null fields mean "unchanged". {@code node} non-null replaces the node's own entry;
 * {@code settings} non-null replaces the settings; {@code relayMap} non-null replaces the relay map (a full map
 * always carries it, a delta only when it changed); {@code packetFilter} non-null replaces the node's inbound packet
 * filter (a full map from a version-3 server always carries it; an empty list denies everything). A message with
 * {@code keepAlive} true carries nothing else.
 *
 * @param sessionHandle identifies the stream for resumption
 * @param seq           increases by one per message (keep-alives carry the last seq and do not advance it)
 * @param controlTime   the server's clock when it sent the message
 * @param relayMap      the relays the network uses (since capability version 2), or null when unchanged
 * @param packetFilter  the rules of the node's inbound packet filter, compiled from the domain's access policy
 *                      (since capability version 3), or null when unchanged
 */
public record MapResponse(String sessionHandle, long seq, boolean keepAlive, Node node, List<Node> peers,
                          List<Node> peersChanged, List<Long> peersRemoved, List<PeerPatch> peersChangedPatch,
                          ControlSettings settings, Instant controlTime, RelayMap relayMap,
                          List<FilterRule> packetFilter) implements ControlMessage {

    /** A message without a packet filter (a version-2 server's, or a delta in which the filter did not change). */
    public MapResponse(String sessionHandle, long seq, boolean keepAlive, Node node, List<Node> peers,
                       List<Node> peersChanged, List<Long> peersRemoved, List<PeerPatch> peersChangedPatch,
                       ControlSettings settings, Instant controlTime, RelayMap relayMap) {
        this(sessionHandle, seq, keepAlive, node, peers, peersChanged, peersRemoved, peersChangedPatch, settings,
                controlTime, relayMap, null);
    }

    /** A message without a relay map (a version-1 server's, or a delta in which the relay map did not change). */
    public MapResponse(String sessionHandle, long seq, boolean keepAlive, Node node, List<Node> peers,
                       List<Node> peersChanged, List<Long> peersRemoved, List<PeerPatch> peersChangedPatch,
                       ControlSettings settings, Instant controlTime) {
        this(sessionHandle, seq, keepAlive, node, peers, peersChanged, peersRemoved, peersChangedPatch, settings,
                controlTime, null);
    }

    /** A full map without a packet filter (a version-2 server's). */
    public static MapResponse full(String session, long seq, Node self, List<Node> peers, ControlSettings settings,
                                   RelayMap relayMap, Instant now) {
        return full(session, seq, self, peers, settings, relayMap, null, now);
    }

    /** A full map. */
    public static MapResponse full(String session, long seq, Node self, List<Node> peers, ControlSettings settings,
                                   RelayMap relayMap, List<FilterRule> packetFilter, Instant now) {
        return new MapResponse(session, seq, false, self, List.copyOf(peers), null, null, null, settings, now,
                relayMap, packetFilter == null ? null : List.copyOf(packetFilter));
    }

    /** A keep-alive on an idle stream. */
    public static MapResponse keepAlive(String session, long seq, Instant now) {
        return new MapResponse(session, seq, true, null, null, null, null, null, null, now, null, null);
    }

    /** True if this message replaces the whole peer list. */
    public boolean isFull() {
        return peers != null;
    }
}
