package dev.warren.node;

import java.time.Instant;
import java.util.List;

/**
 * One peer as status and whois show it.
 *
 * @param id              control's node id
 * @param name            the DNS-safe name
 * @param user            the owning user
 * @param addresses       its Warren addresses (no prefix length)
 * @param nodeKey         its node key ({@code nodekey:…})
 * @param online          whether control says it has a live stream (false when unknown)
 * @param endpoints       the underlay endpoints it reported
 * @param currentEndpoint the underlay address packets to the peer go to now ("ip:port"; with magicsock the direct
 *                        path's address), or null (none, or relayed)
 * @param lastHandshake   the last completed WireGuard handshake, or null
 * @param rxBytes         bytes received from it through the tunnel
 * @param txBytes         bytes sent to it
 * @param os              its operating system, or null
 * @param tags            its tags
 * @param discoKey        its disco key ({@code discokey:…}), or null when control does not know it
 * @param homeRelay       its home relay region id, 0 = none
 * @param path            how packets reach it now ({@link PeerPath#text()}: "direct 192.0.2.1:41641",
 *                        "relay fra", "-")
 */
public record PeerInfo(long id, String name, String user, List<String> addresses, String nodeKey, boolean online,
                       List<String> endpoints, String currentEndpoint, Instant lastHandshake, long rxBytes,
                       long txBytes, String os, List<String> tags, String discoKey, int homeRelay, String path) {
    /** A row without the capability-version-2 fields (no disco key, no home relay, no path). */
    public PeerInfo(long id, String name, String user, List<String> addresses, String nodeKey, boolean online,
                    List<String> endpoints, String currentEndpoint, Instant lastHandshake, long rxBytes,
                    long txBytes, String os, List<String> tags) {
        this(id, name, user, addresses, nodeKey, online, endpoints, currentEndpoint, lastHandshake, rxBytes, txBytes,
                os, tags, null, 0, PeerPath.NONE.text());
    }
}
