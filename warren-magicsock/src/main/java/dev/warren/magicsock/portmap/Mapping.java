package dev.warren.magicsock.portmap;

import java.net.InetSocketAddress;
import java.time.Duration;

/**
 * A port mapping the gateway granted.
 *
 * @param protocol  "pcp", "nat-pmp" or "upnp"
 * @param external  the external address and port peers can use
 * @param internalPort our UDP port
 * @param lifetime  how long the gateway keeps it (renew at half)
 */
public record Mapping(String protocol, InetSocketAddress external, int internalPort, Duration lifetime) {
}
