package dev.warren.node;

/**
 * The outcome of one ping through the tunnel.
 *
 * @param peer      the peer's name
 * @param address   the address pinged
 * @param replied   whether an echo reply came back in time
 * @param rttMillis the round-trip time in milliseconds, or -1 without a reply
 * @param error     why there was no reply (timeout, no route), or null
 * @param path      the path the reply came over ({@link PeerPath#text()}: "direct 192.0.2.1:41641", "relay fra"),
 *                  "-" without a reply
 */
public record PingResult(String peer, String address, boolean replied, double rttMillis, String error, String path) {
    /** A result without a path (shown as "-"). */
    public PingResult(String peer, String address, boolean replied, double rttMillis, String error) {
        this(peer, address, replied, rttMillis, error, PeerPath.NONE.text());
    }

    /** True when the reply came over a direct path. */
    public boolean direct() {
        return path != null && path.startsWith("direct ");
    }
}
