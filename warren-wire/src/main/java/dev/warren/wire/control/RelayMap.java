package dev.warren.wire.control;

import java.util.List;

/**
 * The relays a network uses, as control distributes them in the network map: regions, each with one or more relay
 * nodes that mesh with each other. A node measures every region (netcheck), picks the lowest-latency one as its
 * home, and is reached by its peers through its home region until a direct path is proven.
 *
 * <p>JSON, as in a control server's {@code --relay-map} file and in {@link MapResponse#relayMap()}:
 * <pre>
 * {"regions": [{"id": 1, "code": "fra", "name": "Frankfurt",
 *               "nodes": [{"name": "fra1", "host": "relay1.example.net", "ipv4": "203.0.113.7",
 *                          "port": 443, "stunPort": 3478, "tls": true}]}]}
 * </pre>
 *
 * @param regions the regions, ids unique and positive
 */
public record RelayMap(List<RelayRegion> regions) {
    public RelayMap {
        regions = regions == null ? List.of() : List.copyOf(regions);
    }

    /** The region with {@code id}, or null. */
    public RelayRegion region(int id) {
        for (RelayRegion r : regions) {
            if (r.id() == id) {
                return r;
            }
        }
        return null;
    }

    /**
     * One region: relays close to each other that mesh (a packet for a client of any of them is forwarded one hop).
     *
     * @param id    positive, unique in the map; a node's home relay is named by it
     * @param code  short lowercase name shown in status ("fra")
     * @param name  human name, may be null
     * @param nodes the region's relays, the first preferred
     */
    public record RelayRegion(int id, String code, String name, List<RelayNode> nodes) {
        public RelayRegion {
            nodes = nodes == null ? List.of() : List.copyOf(nodes);
        }
    }

    /**
     * One relay server.
     *
     * @param name     unique name within the map
     * @param host     DNS name or address to dial (and the TLS server name)
     * @param ipv4     IPv4 address to use instead of resolving {@code host}, may be null
     * @param ipv6     IPv6 address to use instead of resolving {@code host}, may be null
     * @param port     TCP port of the relay (HTTP upgrade)
     * @param stunPort UDP port of its STUN server, 0 = none
     * @param tls      whether the relay port speaks TLS
     */
    public record RelayNode(String name, String host, String ipv4, String ipv6, int port, int stunPort, boolean tls) {
    }
}
