package dev.warren.control.internal.state;

import dev.warren.control.internal.store.Rows.NodeRow;
import dev.warren.wire.control.ControlJson;
import dev.warren.wire.control.Node;
import dev.warren.wire.control.PeerPatch;
import dev.warren.wire.key.DiscoKey;
import dev.warren.wire.net.IpPrefix;

import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * A node in the snapshot: its stored row, its in-memory liveness, and its wire {@link Node} built and JSON-encoded
 * once, when the entry is made, so that a full map of 10,000 peers copies bytes instead of encoding records (the
 * entry is immutable, so its encoding never goes stale). Its {@link PeerPatch} encodings are made on first use.
 *
 * <p>The disco key and home relay are in memory only, like the online state: a node sends both in every map request
 * (and in updates when they change), so after a control restart they are back as soon as the node streams again;
 * until then peers see the node without them (no disco key: no NAT traversal to it, WireGuard endpoints only).
 *
 * @param online       it has at least one open map stream
 * @param expired      its node key had expired when the entry was made (the state's tick re-makes entries as
 *                     expiry times pass)
 * @param offlineSince epoch milliseconds since it has had no stream (for ephemeral cleanup)
 * @param discoKey     the disco key it last announced, or null
 * @param homeRelay    the home relay region it last announced, 0 = none
 * @param json         {@code wire} encoded by {@link ControlJson}; never modified
 * @param patches      encoded patches by {@link #patchJson} index, filled on first use (benign race: equal bytes)
 */
public record NodeEntry(NodeRow row, String userLogin, boolean online, boolean expired, long offlineSince,
                        DiscoKey discoKey, int homeRelay, Node wire, byte[] json,
                        AtomicReferenceArray<byte[]> patches) {

    /** A node without a known disco key or home relay (loaded from the store, or just registered). */
    public static NodeEntry of(NodeRow row, String userLogin, boolean online, long offlineSince, Instant now) {
        return of(row, userLogin, online, offlineSince, null, 0, now);
    }

    public static NodeEntry of(NodeRow row, String userLogin, boolean online, long offlineSince, DiscoKey discoKey,
                               int homeRelay, Instant now) {
        boolean expired = isExpired(row, now);
        List<IpPrefix> addrs = Addresses.of(row.addressIndex());
        Node wire = new Node(row.id(), row.name(), userLogin, row.nodeKey(),
                row.keyExpiryDisabled() ? null : row.keyExpiry(), row.machineKey(), addrs, addrs, row.endpoints(),
                row.hostinfo(), row.created(), row.lastSeen(), online, row.authorized(), expired, row.ephemeral(),
                row.tags(), discoKey, homeRelay);
        return new NodeEntry(row, userLogin, online, expired, offlineSince, discoKey, homeRelay, wire,
                ControlJson.encodeValue(wire), new AtomicReferenceArray<>(8));
    }

    /**
     * This node's {@link PeerPatch} as JSON: its endpoints if {@code endpoints}, its online state and last-seen time
     * if {@code online}, its disco key and home relay if {@code disco}; encoded once per entry and kind.
     */
    public byte[] patchJson(boolean endpoints, boolean online, boolean disco) {
        int i = (endpoints ? 1 : 0) | (online ? 2 : 0) | (disco ? 4 : 0);
        byte[] b = patches.get(i);
        if (b == null) {
            b = ControlJson.encodeValue(new PeerPatch(id(), endpoints ? row.endpoints() : null,
                    online ? this.online : null, online ? row.lastSeen() : null, null, null,
                    disco ? discoKey : null, disco ? Integer.valueOf(homeRelay) : null));
            patches.set(i, b);
        }
        return b;
    }

    public static boolean isExpired(NodeRow row, Instant now) {
        return !row.keyExpiryDisabled() && !row.keyExpiry().isAfter(now);
    }

    public long id() {
        return row.id();
    }

    public long domainId() {
        return row.domainId();
    }

    /** Peers of its domain see it: it is authorized and its key has not expired. */
    public boolean visible() {
        return row.authorized() && !expired;
    }

    public NodeEntry with(NodeRow newRow, Instant now) {
        return of(newRow, userLogin, online, offlineSince, discoKey, homeRelay, now);
    }

    public NodeEntry withOnline(boolean on, long offlineSinceMs, Instant now) {
        return of(row, userLogin, on, offlineSinceMs, discoKey, homeRelay, now);
    }

    /** This entry with another row and liveness, keeping the disco key and home relay. */
    public NodeEntry with(NodeRow newRow, String login, boolean on, long offlineSinceMs, Instant now) {
        return of(newRow, login, on, offlineSinceMs, discoKey, homeRelay, now);
    }

    public NodeEntry withDisco(DiscoKey newDiscoKey, int newHomeRelay, Instant now) {
        return of(row, userLogin, online, offlineSince, newDiscoKey, newHomeRelay, now);
    }
}
