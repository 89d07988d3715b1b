package dev.warren.relay.server;

import dev.warren.crypto.X25519;
import dev.warren.relay.RelayTestKit;
import dev.warren.relay.RelayTestKit.Raw;
import dev.warren.relay.RelayTestKit.Recorder;
import dev.warren.wire.relay.RelayFrame;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;

import static dev.warren.relay.RelayTestKit.bytes;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

/** A region of three relays in one JVM on loopback, meshed with a shared key. */
class RelayMeshTest {
    final RelayTestKit kit = new RelayTestKit();
    final byte[] meshKey = bytes(32, 42);

    @AfterEach
    void close() throws Exception {
        kit.close();
    }

    /** Three relays on free ports, each told about the other two (and itself, which it must skip). */
    List<RelayServer> region() throws Exception {
        List<Integer> ports = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            try (ServerSocket probe = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
                ports.add(probe.getLocalPort());
            }
        }
        List<InetSocketAddress> all = ports.stream().map(p -> new InetSocketAddress("127.0.0.1", p)).toList();
        List<RelayServer> relays = new ArrayList<>();
        for (int p : ports) {
            relays.add(kit.start(new RelayServerConfig("127.0.0.1", p, X25519.generatePrivateKey(), null, 0, all,
                    meshKey, false, null, Admission.allowAll(), 0, 0, 100, 32, 32,
                    RelayServerConfig.DEFAULT_HANDSHAKE_TIMEOUT, RelayServerConfig.DEFAULT_WRITE_DEADLINE,
                    dev.warren.relay.RelayProtocol.KEEP_ALIVE, dev.warren.wire.time.Clock.system(), kit.scheduler)));
        }
        for (RelayServer r : relays) {
            RelayTestKit.await("mesh links up", () -> r.stats().meshLinksUp() == 2 && r.stats().meshPeersIn() == 2);
        }
        return relays;
    }

    @Test
    void aClientOnOneRelayReachesAClientOnAnotherAndPeerGonePropagates() throws Exception {
        List<RelayServer> r = region();
        Recorder a = kit.connect(r.get(0));
        Recorder b = kit.connect(r.get(1));
        RelayTestKit.await("relay A learns of b", () -> r.get(0).stats().remoteKeys() == 1);
        RelayTestKit.await("relay B learns of a", () -> r.get(1).stats().remoteKeys() == 1);
        byte[] p = bytes(1280, 9);
        a.client.send(b.pub, p, 0, p.length);
        RelayTestKit.Event e = b.nextPacket();
        assertEquals(a.pub, e.peer());
        assertArrayEquals(p, e.data());
        b.client.send(a.pub, p, 0, 100);
        assertEquals(b.pub, a.nextPacket().peer());
        assertEquals(1, r.get(0).stats().forwarded());
        assertEquals(1, r.get(1).stats().forwarded());
        assertEquals(0, r.get(2).stats().packetsIn(), "the third relay carries nothing");

        a.client.close();
        RelayTestKit.Event gone = b.nextEvent("gone");
        assertEquals(a.pub, gone.peer());
        assertEquals(RelayFrame.PEER_GONE_DISCONNECTED, gone.reason());
        RelayTestKit.await("a forgotten in the region", () -> r.get(1).stats().remoteKeys() == 0
                && r.get(2).stats().remoteKeys() == 1);
    }

    @Test
    void forwardedPacketsAreNeverForwardedAgain() throws Exception {
        List<RelayServer> r = region();
        Recorder b = kit.connect(r.get(1));
        RelayTestKit.await("relay 0 learns of b", () -> r.get(0).stats().remoteKeys() == 1);
        // a mesh peer (holding the key) forwards to relay 0 a packet for b, who is on relay 1: relay 0 drops it
        Raw mesh = kit.raw(r.get(0)).upgrade();
        mesh.hello(mesh.key, meshKey);
        assertInstanceOf(RelayFrame.ServerInfo.class, mesh.next());
        mesh.write(new RelayFrame.ForwardPacket(mesh.pub, b.pub, bytes(10, 1)).encode());
        mesh.write(new RelayFrame.Ping(bytes(8, 0)).encode());
        mesh.next(RelayFrame.Pong.class);
        assertEquals(1, r.get(0).stats().droppedUnknown());
        assertEquals(0, r.get(0).stats().forwarded());
        assertEquals(0, b.packets.size());
    }

    @Test
    void aWatcherGetsTheConnectionListThenChanges() throws Exception {
        RelayServer s = kit.start(kit.config().withMesh(List.of(), meshKey, false, null));
        Recorder a = kit.connect(s);
        Raw w = kit.raw(s).upgrade();
        w.hello(w.key, meshKey);
        assertInstanceOf(RelayFrame.ServerInfo.class, w.next());
        w.write(new RelayFrame.WatchConns().encode());
        assertEquals(a.pub, ((RelayFrame.PeerPresent) w.next(RelayFrame.PeerPresent.class)).peer());
        Recorder b = kit.connect(s);
        assertEquals(b.pub, ((RelayFrame.PeerPresent) w.next(RelayFrame.PeerPresent.class)).peer());
        b.client.close();
        RelayFrame.PeerGone g = (RelayFrame.PeerGone) w.next(RelayFrame.PeerGone.class);
        assertEquals(b.pub, g.peer());
        w.write(new RelayFrame.ClosePeer(a.pub).encode());
        a.nextEvent("disconnected");
    }
}
