package dev.warren.node;

import java.util.List;

/**
 * A snapshot of the node for {@code warren status}.
 *
 * @param state            the backend state
 * @param authUrl          the URL to visit while an interactive login waits, else null
 * @param selfName         this node's DNS-safe name, or null before the first map
 * @param selfAddresses    this node's Warren addresses (no prefix length)
 * @param selfNodeKey      this node's node key ({@code nodekey:…}), or null when logged out
 * @param user             the user this node belongs to, or null
 * @param domain           the domain (tailnet) name, or null
 * @param loginServer      the control server, or null before the first login
 * @param controlConnected whether a control stream is live right now
 * @param listenPort       the WireGuard UDP port
 * @param peers            the peers of the current network map, by name
 */
public record Status(BackendState state, String authUrl, String selfName, List<String> selfAddresses,
                     String selfNodeKey, String user, String domain, String loginServer, boolean controlConnected,
                     int listenPort, List<PeerInfo> peers) {
}
