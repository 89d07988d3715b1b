package dev.warren.node;

import dev.warren.wire.control.RelayMap;

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
 * @param discoKey         this run's disco key ({@code discokey:…}); a new one at every daemon start
 * @param homeRelay        this node's home relay region id, 0 = none
 * @param relayMap         the relay map control sent (empty before the first map or without relays)
 * @param filter           the inbound packet filter at a glance (null from a daemon older than capability version 3)
 */
public record Status(BackendState state, String authUrl, String selfName, List<String> selfAddresses,
                     String selfNodeKey, String user, String domain, String loginServer, boolean controlConnected,
                     int listenPort, List<PeerInfo> peers, String discoKey, int homeRelay, RelayMap relayMap,
                     FilterStatus filter) {
    /** A status without the capability-version-3 filter summary. */
    public Status(BackendState state, String authUrl, String selfName, List<String> selfAddresses,
                  String selfNodeKey, String user, String domain, String loginServer, boolean controlConnected,
                  int listenPort, List<PeerInfo> peers, String discoKey, int homeRelay, RelayMap relayMap) {
        this(state, authUrl, selfName, selfAddresses, selfNodeKey, user, domain, loginServer, controlConnected,
                listenPort, peers, discoKey, homeRelay, relayMap, null);
    }

    /** A status without the capability-version-2 fields. */
    public Status(BackendState state, String authUrl, String selfName, List<String> selfAddresses,
                  String selfNodeKey, String user, String domain, String loginServer, boolean controlConnected,
                  int listenPort, List<PeerInfo> peers) {
        this(state, authUrl, selfName, selfAddresses, selfNodeKey, user, domain, loginServer, controlConnected,
                listenPort, peers, null, 0, new RelayMap(List.of()), null);
    }
}
