package dev.warren.node.internal;

import dev.warren.node.PeerInfo;
import dev.warren.node.PeerPath;
import dev.warren.wire.control.Node;
import dev.warren.wire.control.RelayMap;
import dev.warren.wire.key.NodeKey;
import dev.warren.wire.key.PublicKey;
import dev.warren.wire.net.IpAddresses;
import dev.warren.wire.net.IpPrefix;
import dev.warren.wireguard.uapi.DeviceState;
import dev.warren.wireguard.uapi.PeerState;

import java.net.InetAddress;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Builds the public views (status rows, whois answers) from the network map and the engine's state. */
public final class Views {
    private Views() {
    }

    public static List<String> addresses(List<IpPrefix> prefixes) {
        List<String> out = new ArrayList<>();
        if (prefixes != null) {
            for (IpPrefix p : prefixes) {
                out.add(IpAddresses.format(p.address()));
            }
        }
        return out;
    }

    /** The text of {@code path}, with a relay named by its region code from {@code relays} when the path lacks it. */
    public static String pathText(PeerPath path, RelayMap relays) {
        if (path instanceof PeerPath.Relay r && r.code() == null && relays != null) {
            RelayMap.RelayRegion region = relays.region(r.regionId());
            if (region != null) {
                return new PeerPath.Relay(r.regionId(), region.code()).text();
            }
        }
        return path == null ? PeerPath.NONE.text() : path.text();
    }

    /** Status rows of {@code nodes}; {@code paths} holds each peer's path text by node key ("-" when absent). */
    public static List<PeerInfo> peers(Collection<Node> nodes, DeviceState state, Map<NodeKey, String> paths) {
        Map<PublicKey, PeerState> byKey = new HashMap<>();
        for (PeerState p : state.peers()) {
            byKey.put(p.publicKey(), p);
        }
        List<PeerInfo> out = new ArrayList<>();
        for (Node n : nodes) {
            out.add(peer(n, n.key() == null ? null : byKey.get(n.key().publicKey()),
                    n.key() == null ? null : paths.get(n.key())));
        }
        out.sort((a, b) -> String.valueOf(a.name()).compareTo(String.valueOf(b.name())));
        return out;
    }

    public static PeerInfo peer(Node n, PeerState s) {
        return peer(n, s, null);
    }

    public static PeerInfo peer(Node n, PeerState s, String path) {
        Instant hs = s == null || s.lastHandshakeEpochNanos() == 0 ? null
                : Instant.ofEpochSecond(0, s.lastHandshakeEpochNanos());
        return new PeerInfo(n.id(), n.name(), n.user(), addresses(n.addresses()),
                n.key() == null ? null : n.key().toString(), Boolean.TRUE.equals(n.online()),
                n.endpoints() == null ? List.of() : List.copyOf(n.endpoints()),
                endpoint(s, path), hs,
                s == null ? 0 : s.rxBytes(), s == null ? 0 : s.txBytes(),
                n.hostinfo() == null ? null : n.hostinfo().os(), n.tags() == null ? List.of() : List.copyOf(n.tags()),
                n.discoKey() == null ? null : n.discoKey().toString(), n.homeRelay(),
                path == null ? PeerPath.NONE.text() : path);
    }

    /**
     * The underlay address packets to the peer go to now: the engine's endpoint, except that magicsock's synthetic
     * per-peer endpoint ({@code [100::N]:1}) is replaced by the direct path's address, or null while the peer is
     * relayed or has no path (the PATH column says which).
     */
    static String endpoint(PeerState s, String path) {
        if (s == null || s.endpoint() == null) {
            return null;
        }
        if (!dev.warren.magicsock.MagicSock.isMagic(s.endpoint())) {
            return s.endpoint().toString();
        }
        return path != null && path.startsWith("direct ") ? path.substring("direct ".length()) : null;
    }

    /** True when one of the node's addresses or allowed IPs holds {@code a}. */
    public static boolean owns(Node n, InetAddress a) {
        byte[] b = a.getAddress();
        for (List<IpPrefix> l : new List[]{n.addresses(), n.allowedIps()}) {
            if (l == null) {
                continue;
            }
            for (IpPrefix p : l) {
                if (p.contains(b, 0, b.length)) {
                    return true;
                }
            }
        }
        return false;
    }

    /** Finds a peer by name (full, or the first label), by address, or by node key text; null if none. */
    public static Node find(Collection<Node> nodes, String query) {
        String q = query.toLowerCase(java.util.Locale.ROOT);
        byte[] ip = IpAddresses.tryParse(query);
        for (Node n : nodes) {
            if (n.name() != null) {
                String name = n.name().toLowerCase(java.util.Locale.ROOT);
                int dot = name.indexOf('.');
                if (name.equals(q) || (dot > 0 && name.substring(0, dot).equals(q)) || name.equals(q + ".")) {
                    return n;
                }
            }
            if (ip != null && n.addresses() != null) {
                for (IpPrefix p : n.addresses()) {
                    if (java.util.Arrays.equals(p.address(), ip)) {
                        return n;
                    }
                }
            }
            if (n.key() != null && n.key().toString().equalsIgnoreCase(query)) {
                return n;
            }
        }
        return null;
    }
}
