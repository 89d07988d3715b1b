package dev.warren.control.internal.state;

import dev.warren.control.internal.store.Rows.NodeRow;
import dev.warren.wire.control.ControlJson;
import dev.warren.wire.control.Node;
import dev.warren.wire.control.PeerPatch;
import dev.warren.wire.net.IpPrefix;

import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * A node in the snapshot: its stored row, its in-memory liveness, and its wire {@link Node} built and JSON-encoded
 * once, when the entry is made, so that a full map of 10,000 peers copies bytes instead of encoding records (the
 * entry is immutable, so its encoding never goes stale). Its {@link PeerPatch} encodings are made on first use.
 *
 * @param online       it has at least one open map stream
 * @param expired      its node key had expired when the entry was made (the state's tick re-makes entries as
 *                     expiry times pass)
 * @param offlineSince epoch milliseconds since it has had no stream (for ephemeral cleanup)
 * @param json         {@code wire} encoded by {@link ControlJson}; never modified
 * @param patches      encoded patches by {@link #patchJson} index, filled on first use (benign race: equal bytes)
 */
public record NodeEntry(NodeRow row, String userLogin, boolean online, boolean expired, long offlineSince,
                        Node wire, byte[] json, AtomicReferenceArray<byte[]> patches) {

    public static NodeEntry of(NodeRow row, String userLogin, boolean online, long offlineSince, Instant now) {
        boolean expired = isExpired(row, now);
        List<IpPrefix> addrs = Addresses.of(row.addressIndex());
        Node wire = new Node(row.id(), row.name(), userLogin, row.nodeKey(),
                row.keyExpiryDisabled() ? null : row.keyExpiry(), row.machineKey(), addrs, addrs, row.endpoints(),
                row.hostinfo(), row.created(), row.lastSeen(), online, row.authorized(), expired, row.ephemeral(),
                row.tags());
        return new NodeEntry(row, userLogin, online, expired, offlineSince, wire, ControlJson.encodeValue(wire),
                new AtomicReferenceArray<>(4));
    }

    /**
     * This node's {@link PeerPatch} as JSON: its endpoints if {@code endpoints}, its online state and last-seen time
     * if {@code online}; encoded once per entry and kind.
     */
    public byte[] patchJson(boolean endpoints, boolean online) {
        int i = (endpoints ? 1 : 0) | (online ? 2 : 0);
        byte[] b = patches.get(i);
        if (b == null) {
            b = ControlJson.encodeValue(new PeerPatch(id(), endpoints ? row.endpoints() : null,
                    online ? this.online : null, online ? row.lastSeen() : null, null, null));
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
        return of(newRow, userLogin, online, offlineSince, now);
    }

    public NodeEntry withOnline(boolean on, long offlineSinceMs, Instant now) {
        return of(row, userLogin, on, offlineSinceMs, now);
    }
}
