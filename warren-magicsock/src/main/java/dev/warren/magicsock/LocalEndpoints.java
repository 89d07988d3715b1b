package dev.warren.magicsock;

import dev.warren.magicsock.netcheck.NetcheckReport;
import dev.warren.wire.datapath.Endpoint;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;

/**
 * Which of our addresses {@link MagicSock} offers peers as candidate endpoints (reported to control and listed in
 * call-me-maybe): the candidate list built from the port mapping, the last netcheck report and the interface
 * addresses, and the rules for which interface addresses may be offered at all.
 *
 * <p>Why a class of its own: these are pure functions of their inputs (no state, no timers), separate from
 * MagicSock's peer and path handling; MagicSock decides when to recompute, publishes the list and notifies
 * listeners ({@code recomputeEndpoints}).
 *
 * <p>Threads: stateless; any thread. {@link #interfaceAddresses} reads the host's interfaces on each call.
 */
final class LocalEndpoints {
    private static final System.Logger LOG = System.getLogger(MagicSock.class.getName());
    private static final byte[] OVERLAY_V6 = {(byte) 0xfd, 0x7a, 0x11, 0x5c, (byte) 0xa1, (byte) 0xe0};

    private LocalEndpoints() {
    }

    /**
     * Our candidate endpoints, in preference order: {@code portMapped} (may be null), STUN-observed (v4, v6; unless
     * the report proved an easy NAT also the public IPv4 with our own port, for a manual port forward or a
     * port-preserving NAT), then each advertisable address of {@code locals} with our bound {@code port}.
     */
    static List<InetSocketAddress> candidates(InetSocketAddress portMapped, NetcheckReport r, int port,
                                              List<InetAddress> locals) {
        LinkedHashSet<InetSocketAddress> eps = new LinkedHashSet<>();
        if (portMapped != null) {
            eps.add(portMapped);
        }
        if (r != null) {
            for (String g : new String[]{r.globalV4(), r.globalV6()}) {
                if (g != null) {
                    eps.add(Endpoint.parse(g).toInetSocketAddress());
                }
            }
            if (!Boolean.FALSE.equals(r.mappingVariesByDestIP()) && r.globalV4() != null) {
                // hard NAT, or unknown (one STUN server cannot tell): the STUN port may be useless to peers, but a
                // manual port forward of our own port may exist, and a port-preserving NAT maps our own port to the
                // same public port — after a NAT change from hard to easy, that candidate works before any re-STUN
                eps.add(new InetSocketAddress(Endpoint.parse(r.globalV4()).toInetSocketAddress().getAddress(), port));
            }
        }
        for (InetAddress a : locals) {
            // a peer can never reach us at a loopback, link-local, wildcard or multicast interface address
            if (advertisable(a)) {
                eps.add(new InetSocketAddress(a, port));
            }
        }
        return List.copyOf(eps);
    }

    /** Whether {@code a} may be offered to peers: not loopback, link-local, wildcard or multicast. */
    static boolean advertisable(InetAddress a) {
        return !a.isLoopbackAddress() && !a.isLinkLocalAddress() && !a.isAnyLocalAddress()
                && !a.isMulticastAddress();
    }

    /** See {@link MagicSock#interfaceAddresses}. */
    static List<InetAddress> interfaceAddresses(String excludeInterface) {
        List<InetAddress> out = new ArrayList<>();
        try {
            for (NetworkInterface ni : NetworkInterface.networkInterfaces().toList()) {
                if (!ni.isUp() || ni.getName().equals(excludeInterface)) {
                    continue;
                }
                List<InetAddress> addrs = ni.inetAddresses().toList();
                if (addrs.stream().anyMatch(LocalEndpoints::isOverlay)) {
                    continue;
                }
                for (InetAddress a : addrs) {
                    if (advertisable(a)) {
                        out.add(a);
                    }
                }
            }
        } catch (SocketException e) {
            LOG.log(System.Logger.Level.WARNING, "cannot list interfaces: {0}", e.getMessage());
        }
        return out;
    }

    /** Whether {@code a} is in Warren's overlay prefix fd7a:115c:a1e0::/48. */
    static boolean isOverlay(InetAddress a) {
        byte[] b = a.getAddress();
        return b.length == 16 && Arrays.equals(b, 0, OVERLAY_V6.length, OVERLAY_V6, 0, OVERLAY_V6.length);
    }
}
