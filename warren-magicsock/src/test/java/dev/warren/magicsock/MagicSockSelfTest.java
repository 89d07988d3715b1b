package dev.warren.magicsock;

import dev.warren.crypto.X25519;
import dev.warren.magicsock.relay.InMemoryRelay;
import dev.warren.testing.ChannelNetwork;
import dev.warren.testing.FakeClock;
import dev.warren.testing.ManualScheduler;
import dev.warren.wire.datapath.Endpoint;
import dev.warren.wire.key.DiscoKey;
import dev.warren.wire.key.NodeKey;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The node key of a magicsock made before login: no peers are accepted without one; a new key drops every peer's
 * path state while each peer keeps its synthetic endpoint; setting the same key again changes nothing.
 */
class MagicSockSelfTest {
    private static NodeKey nodeKey() {
        return NodeKey.of(X25519.publicKey(X25519.generatePrivateKey()));
    }

    @Test
    void peersNeedAKeyAndANewKeyKeepsSyntheticEndpoints() throws Exception {
        FakeClock clock = new FakeClock();
        try (InMemoryRelay relay = new InMemoryRelay();
             MagicSock ms = new MagicSock(new MagicSock.Config(null, new ChannelNetwork().bind(new byte[]{(byte) 192, 0, 2, 1}),
                     relay.attach(nodeKey().publicKey()), clock, new ManualScheduler(clock),
                     () -> List.of(InetAddress.ofLiteral("192.0.2.1")), null, null))) {
            NodeKey peer = nodeKey();
            PeerSpec spec = new PeerSpec(peer, DiscoKey.of(X25519.publicKey(X25519.generatePrivateKey())), 1, List.of());
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> ms.setPeers(List.of(spec)));
            assertTrue(e.getMessage().contains("no node key"), e.getMessage());
            assertNull(ms.endpointOf(peer), "nothing changed");
            ms.setPeers(List.of());

            ms.setSelf(nodeKey());
            ms.setPeers(List.of(spec));
            Endpoint magic = ms.endpointOf(peer);
            assertNotNull(magic);

            NodeKey second = nodeKey();
            ms.setSelf(second);
            assertNull(ms.endpointOf(peer), "a new key drops the peers until the next map");
            assertNull(ms.pathOf(peer));
            ms.setPeers(List.of(spec));
            assertEquals(magic, ms.endpointOf(peer), "the synthetic endpoint survives the key change");
            ms.setSelf(second);
            assertEquals(magic, ms.endpointOf(peer), "the same key again changes nothing");
        }
    }
}
