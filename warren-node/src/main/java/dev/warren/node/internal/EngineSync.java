package dev.warren.node.internal;

import dev.warren.node.DataPlane;
import dev.warren.wire.control.Node;
import dev.warren.wire.datapath.Endpoint;
import dev.warren.wire.key.PrivateKey;
import dev.warren.wire.key.PublicKey;
import dev.warren.wire.net.IpPrefix;
import dev.warren.wireguard.uapi.PeerChange;
import dev.warren.wireguard.uapi.SetRequest;
import dev.warren.wireguard.uapi.UapiDevice;
import dev.warren.wireguard.uapi.UapiException;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Turns the network map into WireGuard configuration, applying only the differences.
 *
 * <pre>
 * sync(key, peers)
 * 1. desired peers: authorized, not expired, with a node key that is not ours; allowed IPs = allowedIps (or
 *    addresses); endpoint = the data plane's choice when it has one (magicsock: the peer's synthetic endpoint),
 *    else the reported endpoint that suits us best (see {@link #chooseEndpoint}); keepalive
 * 2. private key changed → set it (the engine drops every session)
 * 3. peers gone → remove; new peers → create; changed peers → only the changed fields
 * 4. one SetRequest for all of it, so the engine applies the map atomically
 * </pre>
 * Unchanged peers are not touched, so their sessions survive every map update. The endpoint is only re-set when
 * control's list changes such that our previous choice is no longer in it: between those times WireGuard's own
 * roaming (to the source of authenticated packets) wins.
 *
 * <p>Concurrency: not thread-safe; the backend calls it under its lock.
 */
public final class EngineSync {
    /** What this class last told the engine about one peer. */
    record Desired(List<IpPrefix> allowedIps, Endpoint endpoint, List<String> reported, int keepalive) {
    }

    private final UapiDevice device;
    private final DataPlane.EngineEndpoints chooser;
    private final Map<PublicKey, Desired> applied = new HashMap<>();
    private PrivateKey appliedKey;

    public EngineSync(UapiDevice device) {
        this(device, null);
    }

    /**
     * @param chooser the data plane's endpoint per peer (magicsock's synthetic endpoints), consulted first for each
     *                peer; null, or a null answer, = {@link #chooseEndpoint} over control's reported endpoints
     */
    public EngineSync(UapiDevice device, DataPlane.EngineEndpoints chooser) {
        this.device = device;
        this.chooser = chooser;
    }

    /**
     * Makes the engine match {@code peers}.
     *
     * @param key       this node's private node key
     * @param peers     the map's peers
     * @param keepalive persistent keepalive in seconds (0 = off)
     * @param localIps  this host's underlay addresses (to prefer endpoints in the same subnet)
     * @param nowEpochMillis wall-clock now, for key expiry
     */
    public void sync(PrivateKey key, Collection<Node> peers, int keepalive, List<byte[]> localIps,
                     long nowEpochMillis) throws UapiException {
        PublicKey self = dev.warren.crypto.X25519.publicKey(key);
        Map<PublicKey, Node> want = new HashMap<>();
        for (Node n : peers) {
            if (usable(n, self, nowEpochMillis)) {
                want.put(n.key().publicKey(), n);
            }
        }
        List<PeerChange> changes = new ArrayList<>();
        for (PublicKey k : List.copyOf(applied.keySet())) {
            if (!want.containsKey(k)) {
                changes.add(PeerChange.removal(k));
                applied.remove(k);
            }
        }
        for (Map.Entry<PublicKey, Node> e : want.entrySet()) {
            Node n = e.getValue();
            List<IpPrefix> allowed = n.allowedIps() != null && !n.allowedIps().isEmpty() ? List.copyOf(n.allowedIps())
                    : n.addresses() == null ? List.of() : List.copyOf(n.addresses());
            List<String> reported = n.endpoints() == null ? List.of() : List.copyOf(n.endpoints());
            Desired old = applied.get(e.getKey());
            Endpoint ep;
            Endpoint chosen = chooser == null ? null : chooser.endpointOf(n.key());
            if (chosen != null) {
                ep = chosen;
            } else if (old != null && old.reported().equals(reported)) {
                ep = old.endpoint();
            } else if (old != null && old.endpoint() != null && reported.contains(old.endpoint().toString())) {
                ep = old.endpoint();
            } else {
                ep = chooseEndpoint(reported, localIps);
            }
            Desired d = new Desired(allowed, ep, reported, keepalive);
            if (old == null) {
                changes.add(new PeerChange(e.getKey(), false, false, null, ep, keepalive, true, allowed, List.of()));
            } else if (!old.equals(d)) {
                boolean ipsChanged = !old.allowedIps().equals(allowed);
                Endpoint setEp = ep != null && !ep.equals(old.endpoint()) ? ep : null;
                Integer setKa = old.keepalive() != keepalive ? keepalive : null;
                if (ipsChanged || setEp != null || setKa != null) {
                    changes.add(new PeerChange(e.getKey(), false, true, null, setEp, setKa, ipsChanged,
                            ipsChanged ? allowed : List.of(), List.of()));
                }
            }
            applied.put(e.getKey(), d);
        }
        boolean keyChanged = appliedKey == null || !appliedKey.equals(key);
        if (keyChanged || !changes.isEmpty()) {
            device.apply(new SetRequest(keyChanged ? key : null, null, null, false, changes));
            appliedKey = key;
        }
    }

    /** Removes every peer (down, logout) and, with {@code removeKey}, the engine's private key too. */
    public void clear(boolean removeKey) throws UapiException {
        if (applied.isEmpty() && !(removeKey && appliedKey != null)) {
            return;
        }
        device.apply(new SetRequest(removeKey ? PrivateKey.of(new byte[32]) : null, null, null, true, List.of()));
        applied.clear();
        if (removeKey) {
            appliedKey = null;
        }
    }

    /** The peers the engine has now, by key (for status). */
    public boolean has(PublicKey key) {
        return applied.containsKey(key);
    }

    static boolean usable(Node n, PublicKey self, long nowEpochMillis) {
        return n.key() != null && n.machineAuthorized() && !n.expired()
                && (n.keyExpiry() == null || n.keyExpiry().toEpochMilli() > nowEpochMillis)
                && !n.key().publicKey().equals(self);
    }

    /**
     * The best of the reported endpoints: one in the same subnet as one of ours (IPv4 /24, IPv6 /64) first, then
     * any IPv4, then any IPv6; unparseable entries are skipped. Null when none is usable.
     */
    public static Endpoint chooseEndpoint(List<String> reported, List<byte[]> localIps) {
        Endpoint bestV4 = null;
        Endpoint bestV6 = null;
        for (String s : reported) {
            Endpoint ep;
            try {
                ep = Endpoint.parse(s);
            } catch (IllegalArgumentException e) {
                continue;
            }
            byte[] a = ep.address();
            for (byte[] l : localIps) {
                if (l.length == a.length && samePrefix(a, l, a.length == 4 ? 3 : 8)) {
                    return ep;
                }
            }
            if (ep.isIpv4() && bestV4 == null) {
                bestV4 = ep;
            } else if (!ep.isIpv4() && bestV6 == null) {
                bestV6 = ep;
            }
        }
        return bestV4 != null ? bestV4 : bestV6;
    }

    private static boolean samePrefix(byte[] a, byte[] b, int bytes) {
        for (int i = 0; i < bytes; i++) {
            if (a[i] != b[i]) {
                return false;
            }
        }
        return true;
    }
}
