package dev.warren.node.dataplane;

import dev.warren.crypto.X25519;
import dev.warren.relay.server.RelayServer;
import dev.warren.relay.server.RelayServerConfig;
import dev.warren.wire.control.RelayMap;
import dev.warren.wire.key.PrivateKey;
import dev.warren.wire.key.PublicKey;
import dev.warren.wire.time.Clock;
import dev.warren.wire.time.ExecutorScheduler;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link NodeKeyRelayLinks} against a real relay on loopback: nothing is dialled before the node has a key; with a
 * key the home link opens and packets to that key arrive; a new key replaces the links, so packets to the new key
 * arrive and the old key is no longer connected (a peer it sent to hears PeerGone, with the region).
 */
class NodeKeyRelayLinksTest {
    private final ExecutorScheduler scheduler = new ExecutorScheduler("keyed-links");
    private RelayServer relay;

    @AfterEach
    void tearDown() {
        if (relay != null) {
            relay.close();
        }
        scheduler.close();
    }

    record Got(int region, PublicKey src) {
    }

    @Test
    void linksFollowTheNodeKey() throws Exception {
        relay = RelayServer.start(RelayServerConfig.of("127.0.0.1", 0, X25519.generatePrivateKey(), Clock.system(),
                scheduler));
        RelayMap map = new RelayMap(List.of(new RelayMap.RelayRegion(3, "lo", null, List.of(new RelayMap.RelayNode(
                "lo1", "127.0.0.1", "127.0.0.1", null, relay.address().getPort(), 0, false)))));
        LinkedBlockingQueue<Got> inbox = new LinkedBlockingQueue<>();
        try (NodeKeyRelayLinks node = new NodeKeyRelayLinks(null, Clock.system(), scheduler);
             NodeKeyRelayLinks peer = new NodeKeyRelayLinks(null, Clock.system(), scheduler)) {
            node.start((region, src, b, off, len) -> inbox.add(new Got(region, src)));
            node.setRelayMap(map);
            node.setHome(3);
            byte[] p = {4, 0, 0, 0, 9};
            assertFalse(node.send(3, X25519.publicKey(X25519.generatePrivateKey()), p, 0, p.length));
            IOException e = assertThrows(IOException.class, () -> node.ping(3, Duration.ofMillis(200)));
            assertTrue(e.getMessage().contains("no node key"), e.getMessage());
            assertEquals(List.of(), node.openRegions(), "nothing dialled without a key");

            PrivateKey k1 = X25519.generatePrivateKey();
            node.setPrivateKey(k1);
            assertEquals(List.of(3), node.openRegions(), "the home link dials with the key");
            assertTrue(node.ping(3, Duration.ofSeconds(5)).toNanos() >= 0);

            PrivateKey pk = X25519.generatePrivateKey();
            LinkedBlockingQueue<Got> gone = new LinkedBlockingQueue<>();
            LinkedBlockingQueue<Got> peerInbox = new LinkedBlockingQueue<>();
            peer.start(new dev.warren.magicsock.relay.RelayLinks.Receiver() {
                @Override
                public void packet(int region, PublicKey src, byte[] b, int off, int len) {
                    peerInbox.add(new Got(region, src));
                }

                @Override
                public void peerGone(int region, PublicKey who) {
                    gone.add(new Got(region, who));
                }
            });
            peer.setRelayMap(map);
            peer.setPrivateKey(pk);
            assertEquals(new Got(3, X25519.publicKey(pk)), sendUntilDelivered(peer, X25519.publicKey(k1), inbox));

            // the relay tells those k1 sent to when k1 leaves
            assertTrue(node.send(3, X25519.publicKey(pk), p, 0, p.length));
            PrivateKey k2 = X25519.generatePrivateKey();
            assertEquals(new Got(3, X25519.publicKey(k1)), peerInbox.poll(5, TimeUnit.SECONDS), "routed by the relay");
            node.setPrivateKey(k2);
            assertTrue(node.ping(3, Duration.ofSeconds(5)).toNanos() >= 0, "home redialled with the new key");
            inbox.clear();
            assertEquals(new Got(3, X25519.publicKey(pk)), sendUntilDelivered(peer, X25519.publicKey(k2), inbox));
            assertTrue(waitUntil(() -> !relay.isLocal(X25519.publicKey(k1))), "the old key's link was closed");
            assertEquals(new Got(3, X25519.publicKey(k1)), gone.poll(5, TimeUnit.SECONDS),
                    "the relay's PeerGone for the old key reaches the peer's receiver with its region");
            peer.send(3, X25519.publicKey(k1), p, 0, p.length);
            assertNull(inbox.poll(300, TimeUnit.MILLISECONDS), "nothing for the old key");

            node.setPrivateKey(null);
            assertEquals(List.of(), node.openRegions(), "logged out: no links");
        }
    }

    private static Got sendUntilDelivered(NodeKeyRelayLinks from, PublicKey to, LinkedBlockingQueue<Got> inbox)
            throws InterruptedException {
        byte[] p = {4, 0, 0, 0, 1};
        for (int i = 0; i < 50; i++) {
            from.send(3, to, p, 0, p.length);
            Got g = inbox.poll(100, TimeUnit.MILLISECONDS);
            if (g != null) {
                return g;
            }
        }
        return null;
    }

    private static boolean waitUntil(java.util.function.BooleanSupplier c) throws InterruptedException {
        for (int i = 0; i < 100 && !c.getAsBoolean(); i++) {
            Thread.sleep(20);
        }
        return c.getAsBoolean();
    }
}
