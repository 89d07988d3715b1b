package dev.warren.node;

import java.net.InetAddress;
import java.util.List;

/**
 * The underlay addresses of this host, from which the node builds the endpoints it reports to control
 * (each address with the WireGuard listen port). The default lists the addresses of the interfaces that are up,
 * without loopback, link-local IPv6 and Warren's own ranges.
 */
@FunctionalInterface
public interface LocalAddressSource {
    List<InetAddress> addresses();
}
