package dev.warren.magicsock;

import java.net.InetSocketAddress;
import java.time.Duration;

/**
 * The answer to a disco ping ({@code warren ping}).
 *
 * @param latency    round-trip time
 * @param direct     the address that answered, or null when the pong came through the relay
 * @param relayCode  the relay region's code when it came through the relay
 */
public record PingResult(Duration latency, InetSocketAddress direct, String relayCode) {
    /** {@code pong from 192.0.2.1:41641 in 3ms} / {@code pong via relay fra in 40ms}. */
    public String describe() {
        String where = direct != null ? "from " + PathInfo.format(direct) : "via relay " + relayCode;
        return "pong " + where + " in " + latency.toMillis() + "ms";
    }
}
