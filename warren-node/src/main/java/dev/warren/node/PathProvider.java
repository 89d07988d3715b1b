package dev.warren.node;

import dev.warren.wire.key.NodeKey;

import java.io.IOException;
import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;

/**
 * The data plane's answer to "how do packets reach this peer, and does the path work": what {@code warren status}
 * shows in its PATH column and what {@code warren ping} uses. Magicsock implements it with its per-peer path state
 * and disco pings (which it can send over each candidate path and the relay); without magicsock the node uses its
 * built-in implementation: the WireGuard endpoint control announced, shown as {@code direct <endpoint>} while the
 * engine has a recent handshake with the peer and {@code -} otherwise, and an ICMP echo through the tunnel as ping.
 *
 * <p>Threads: called from the local API's threads, concurrently; implementations must be thread-safe and must not
 * call back into {@link NodeBackend} (they are called with no backend lock held, but may be called often).
 */
public interface PathProvider {
    /** The current path to the peer with node key {@code peer}; {@link PeerPath#NONE} when there is none. */
    PeerPath pathOf(NodeKey peer);

    /**
     * The current paths to {@code peers} (status asks for all peers at once, often: an implementation that reads
     * shared state should read it once here).
     */
    default Map<NodeKey, PeerPath> pathsOf(Collection<NodeKey> peers) {
        Map<NodeKey, PeerPath> out = new HashMap<>();
        for (NodeKey k : peers) {
            out.put(k, pathOf(k));
        }
        return out;
    }

    /**
     * Pings the peer once and waits up to {@code timeout} for the reply; the reply names the path it came over.
     * A timeout is a reply with {@code replied=false}, not an exception.
     *
     * @throws IOException when the peer cannot be pinged at all (e.g. unknown to the data plane), with a message
     */
    PingReply discoPing(NodeKey peer, Duration timeout) throws IOException;
}
