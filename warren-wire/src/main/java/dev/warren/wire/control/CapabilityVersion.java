package dev.warren.wire.control;

/**
 * The control protocol's compatibility contract: one integer that a node sends with every request and that the
 * server checks against {@link #MINIMUM}.
 *
 * <h2>History</h2>
 * <ul>
 *   <li>1 (2026-12-04): register with pre-auth key, streaming map with full map then deltas (changed, removed,
 *       patches), resume by session handle and sequence number, update requests for endpoints and host info.
 *       Added the same day without a version change (both sides ignore what they do not know): the optional
 *       {@code MapRequest.compress = "deflate"} through which a node accepts DEFLATE-compressed map responses.</li>
 *   <li>2 (2026-12-04): NAT traversal and relays. {@code Node.discoKey} and {@code Node.homeRelay};
 *       {@code MapRequest} and {@code UpdateRequest} carry the node's disco key and home relay;
 *       {@code PeerPatch.discoKey}/{@code homeRelay} (a disco-key change is a patch, not a whole node);
 *       {@code MapResponse.relayMap} in every full map and in a delta when it changed. Version-1 nodes keep
 *       working: they send neither field (control then shows no disco key and no home relay for them) and ignore
 *       the new ones.</li>
 *   <li>3 (2026-12-05): access policy. {@code MapResponse.packetFilter}: the node's inbound filter rules
 *       ({@link dev.warren.wire.filter.FilterRule}), in every full map and in a delta when they changed; the peer
 *       list holds only the peers the policy lets the node talk to (in either direction). A version-2 node ignores
 *       the filter and so enforces nothing on what it receives; it still sees only permitted peers.</li>
 * </ul>
 */
public final class CapabilityVersion {
    /** The version this build speaks. */
    public static final int CURRENT = 3;
    /** The oldest client version the server accepts. */
    public static final int MINIMUM = 1;

    private CapabilityVersion() {
    }
}
