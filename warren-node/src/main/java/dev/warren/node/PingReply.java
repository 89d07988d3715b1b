package dev.warren.node;

/**
 * The outcome of one path-level ping of a peer ({@link PathProvider#discoPing}).
 *
 * @param replied   whether a reply came back in time
 * @param rttMillis the round-trip time in milliseconds, or -1 without a reply
 * @param path      the path the reply came over ({@link PeerPath#NONE} without a reply)
 * @param address   what was pinged (an address, or an endpoint for a disco ping), for messages; may be null
 * @param error     why there was no reply (timeout, no route), or null
 */
public record PingReply(boolean replied, double rttMillis, PeerPath path, String address, String error) {
    public PingReply {
        if (path == null) {
            path = PeerPath.NONE;
        }
    }

    public static PingReply failed(String address, String error) {
        return new PingReply(false, -1, PeerPath.NONE, address, error);
    }
}
