package dev.warren.node.internal;

import dev.warren.node.PathProvider;
import dev.warren.node.PeerPath;
import dev.warren.node.PingReply;
import dev.warren.wire.key.NodeKey;
import dev.warren.wire.time.Clock;
import dev.warren.wireguard.uapi.DeviceState;
import dev.warren.wireguard.uapi.PeerState;

import java.io.IOException;
import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The node's built-in {@link PathProvider}, used when no data plane (magicsock) provides one: the only path there
 * is the WireGuard endpoint control announced, and it counts as working — {@code direct <endpoint>} — while the
 * engine completed a handshake with the peer within {@link #RECENT_HANDSHAKE}; otherwise the path is {@code -}.
 * A ping is an ICMP echo through the tunnel ({@code pinger}); a reply names the path as it is after the reply
 * arrived (the reply itself proves the handshake).
 *
 * <p>Stateless; thread-safe as long as {@code state} and {@code pinger} are.
 */
public final class EnginePaths implements PathProvider {
    /**
     * A handshake older than this no longer proves a path: WireGuard rejects a session after 180 s, and a peer in
     * use re-handshakes every 120 s.
     */
    public static final Duration RECENT_HANDSHAKE = Duration.ofSeconds(180);

    /** An ICMP echo to the peer with a node key, without path information. */
    @FunctionalInterface
    public interface Pinger {
        PingReply ping(NodeKey peer, Duration timeout) throws IOException;
    }

    private final Supplier<DeviceState> state;
    private final Clock clock;
    private final Pinger pinger;

    public EnginePaths(Supplier<DeviceState> state, Clock clock, Pinger pinger) {
        this.state = state;
        this.clock = clock;
        this.pinger = pinger;
    }

    @Override
    public PeerPath pathOf(NodeKey peer) {
        return pathOf(peer, state.get(), clock.epochNanos());
    }

    @Override
    public Map<NodeKey, PeerPath> pathsOf(Collection<NodeKey> peers) {
        DeviceState s = state.get(); // one engine snapshot for all peers
        long now = clock.epochNanos();
        Map<NodeKey, PeerPath> out = new HashMap<>();
        for (NodeKey k : peers) {
            out.put(k, pathOf(k, s, now));
        }
        return out;
    }

    /** The path to {@code peer} by {@code s} at wall time {@code nowNanos}. */
    public static PeerPath pathOf(NodeKey peer, DeviceState s, long nowNanos) {
        for (PeerState p : s.peers()) {
            if (p.publicKey().equals(peer.publicKey())) {
                long hs = p.lastHandshakeEpochNanos();
                if (hs != 0 && p.endpoint() != null && nowNanos - hs < RECENT_HANDSHAKE.toNanos()) {
                    return new PeerPath.Direct(p.endpoint().toString());
                }
                return PeerPath.NONE;
            }
        }
        return PeerPath.NONE;
    }

    @Override
    public PingReply discoPing(NodeKey peer, Duration timeout) throws IOException {
        PingReply r = pinger.ping(peer, timeout);
        if (!r.replied()) {
            return r;
        }
        return new PingReply(true, r.rttMillis(), pathOf(peer), r.address(), null);
    }
}
