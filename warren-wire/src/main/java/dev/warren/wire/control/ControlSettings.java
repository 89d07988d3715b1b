package dev.warren.wire.control;

/**
 * Domain-wide settings sent in the map.
 *
 * @param domain                the domain name
 * @param keepAliveSeconds      how often control sends a keep-alive on an idle stream
 * @param persistentKeepalive   persistent keepalive nodes set on their peers, in seconds (0 = off)
 */
public record ControlSettings(String domain, int keepAliveSeconds, int persistentKeepalive) {
}
