package dev.warren.magicsock;

import dev.warren.crypto.X25519;
import dev.warren.wire.datapath.Endpoint;
import dev.warren.wire.key.DiscoKey;
import dev.warren.wire.key.NodeKey;
import org.junit.jupiter.api.Test;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MagicSockUnitTest {
    @Test
    void syntheticEndpointsLiveIn100Slash64AndNothingElseIsMagic() {
        Endpoint e = MagicSock.magicEndpoint(0x0102030405060708L);
        assertEquals("[100::102:304:506:708]:1", e.toString());
        assertTrue(MagicSock.isMagic(e));
        assertFalse(MagicSock.isMagic(Endpoint.parse("[100:0:0:1::5]:1")), "outside the /64");
        assertFalse(MagicSock.isMagic(Endpoint.parse("[2001:db8::1]:1")));
        assertFalse(MagicSock.isMagic(Endpoint.parse("1.0.0.0:1")));
        assertTrue(MagicSock.isMagic(MagicSock.magicEndpoint(1)));
    }

    @Test
    void interfaceAddressesSkipOverlayLinkLocalAndMulticast() {
        assertTrue(LocalEndpoints.isOverlay(InetAddress.ofLiteral("fd7a:115c:a1e0::5")));
        assertFalse(LocalEndpoints.isOverlay(InetAddress.ofLiteral("fd7a:115c:a1e1::5")));
        assertFalse(LocalEndpoints.isOverlay(InetAddress.ofLiteral("100.64.0.1")));
        List<InetAddress> addrs = MagicSock.interfaceAddresses("lo");
        for (InetAddress a : addrs) {
            assertFalse(a.isMulticastAddress() || LocalEndpoints.isOverlay(a)
                    || (a instanceof Inet6Address && a.isLinkLocalAddress()), a.toString());
        }
        assertFalse(addrs.isEmpty(), "no address at all");
    }

    @Test
    void pathTextMatchesTheNodesStatusForms() {
        assertEquals("direct 192.0.2.1:41641", new PathInfo(new InetSocketAddress("192.0.2.1", 41641), null, 1, "fra",
                true).describe());
        assertEquals("direct [2001:db8::1]:7", new PathInfo(new InetSocketAddress("2001:db8::1", 7), null, 0, null,
                true).describe());
        assertEquals("relay fra", new PathInfo(null, null, 1, "fra", true).describe());
        assertEquals("relay region-9", new PathInfo(null, null, 9, null, false).describe());
        assertEquals("-", new PathInfo(null, null, 0, null, false).describe());
    }

    @Test
    void peerSpecRefusesMissingKeysBadRegionsAndPortZeroNamingThePeer() {
        NodeKey nk = NodeKey.of(X25519.publicKey(X25519.generatePrivateKey()));
        DiscoKey dk = DiscoKey.of(X25519.publicKey(X25519.generatePrivateKey()));
        assertThrows(IllegalArgumentException.class, () -> new PeerSpec(null, dk, 1, List.of()));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new PeerSpec(nk, null, 1, List.of()));
        assertTrue(e.getMessage().contains(nk.shortString()), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new PeerSpec(nk, dk, -1, List.of()));
        e = assertThrows(IllegalArgumentException.class,
                () -> new PeerSpec(nk, dk, 1, List.of(new InetSocketAddress("192.0.2.1", 0))));
        assertTrue(e.getMessage().contains("192.0.2.1"), e.getMessage());
        assertEquals(List.of(), new PeerSpec(nk, dk, 0, null).endpoints());
    }
}
