package dev.warren.node;

/**
 * The outcome of one ping through the tunnel.
 *
 * @param peer      the peer's name
 * @param address   the address pinged
 * @param replied   whether an echo reply came back in time
 * @param rttMillis the round-trip time in milliseconds, or -1 without a reply
 * @param error     why there was no reply (timeout, no route), or null
 */
public record PingResult(String peer, String address, boolean replied, double rttMillis, String error) {
}
