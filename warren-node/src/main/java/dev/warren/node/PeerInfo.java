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
 * @param currentEndpoint the endpoint the engine sends to now, or null
 * @param lastHandshake   the last completed WireGuard handshake, or null
 * @param rxBytes         bytes received from it through the tunnel
 * @param txBytes         bytes sent to it
 * @param os              its operating system, or null
 * @param tags            its tags
 */
public record PeerInfo(long id, String name, String user, List<String> addresses, String nodeKey, boolean online,
                       List<String> endpoints, String currentEndpoint, Instant lastHandshake, long rxBytes,
                       long txBytes, String os, List<String> tags) {
}
