package dev.warren.control.internal.state;

/**
 * What happened to one node, as the map streamer needs to know it. {@code flags} is a bit set; merging two changes
 * of one node ORs their flags, and the streamer resolves the merged flags against the newest snapshot when it
 * sends, so merging can never lose a change.
 *
 * @param seq    global sequence number of the write that caused it
 * @param domain the node's domain id
 * @param nodeId the node
 * @param flags  {@link #REMOVED}, {@link #FULL}, {@link #ENDPOINTS}, {@link #ONLINE}, {@link #DISCO}, {@link #FILTER},
 *               {@link #PEERS}
 */
public record Change(long seq, long domain, long nodeId, int flags) {
    /** The node was deleted. Supersedes everything. */
    public static final int REMOVED = 1;
    /** Anything beyond endpoints and online state changed (or visibility): send the whole node. */
    public static final int FULL = 2;
    /** Its endpoints changed. */
    public static final int ENDPOINTS = 4;
    /** Its online state (and last-seen time) changed. */
    public static final int ONLINE = 8;
    /** Its disco key or home relay changed (sent as a patch). */
    public static final int DISCO = 16;
    /**
     * The node's own packet filter changed (the policy or another node changed). Concerns only the node's own
     * streams: a change with no flags but this one and {@link #PEERS} goes to them alone.
     */
    public static final int FILTER = 32;
    /**
     * The set of peers the policy lets the node see changed in ways other changes do not say: after a policy set,
     * or when the node's own user, tags or addresses changed. Its own streams compare their peer list with the
     * policy's. (When another node Y changes, only pairs with Y change, and Y's own change tells every stream.)
     */
    public static final int PEERS = 64;

    /** Flags that concern only the node's own streams. */
    public static final int SELF_ONLY = FILTER | PEERS;
}
