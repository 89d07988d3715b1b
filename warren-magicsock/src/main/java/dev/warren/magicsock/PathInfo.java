package dev.warren.magicsock;

import java.net.InetSocketAddress;
import java.time.Duration;

/**
 * How traffic to one peer travels now, for {@code warren status} and {@code warren ping}.
 *
 * @param direct       the trusted direct address, or null when traffic goes through the relay
 * @param latency      the last measured round trip on that path (direct or relay), or null when never measured
 * @param relayRegion  the peer's home relay region id (0 = none)
 * @param relayCode    that region's short code ("fra"), or null when unknown
 * @param active       whether data was sent to the peer in the last 45 s
 */
public record PathInfo(InetSocketAddress direct, Duration latency, int relayRegion, String relayCode, boolean active) {
    public boolean isDirect() {
        return direct != null;
    }

    /**
     * The form {@code warren status} shows (as warren-node's {@code PeerPath.text()}): {@code direct 192.0.2.1:41641},
     * {@code relay fra} ({@code relay region-N} when the map has no code), or {@code -} with no path at all.
     */
    public String describe() {
        if (direct != null) {
            return "direct " + format(direct);
        }
        if (relayRegion != 0) {
            return "relay " + (relayCode != null ? relayCode : "region-" + relayRegion);
        }
        return "-";
    }

    static String format(InetSocketAddress a) {
        return dev.warren.wire.datapath.Endpoint.of(a).toString();
    }
}
