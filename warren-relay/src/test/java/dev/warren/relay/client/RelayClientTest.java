package dev.warren.relay.client;

import dev.warren.crypto.X25519;
import dev.warren.relay.RelayTestKit;
import dev.warren.relay.RelayTestKit.Recorder;
import dev.warren.relay.server.RelayServer;
import dev.warren.relay.server.RelayServerConfig;
import dev.warren.wire.control.RelayMap;
import dev.warren.wire.relay.RelayFrame;
import dev.warren.wire.time.Clock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.ServerSocket;
import java.time.Duration;

import static dev.warren.relay.RelayTestKit.bytes;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The client's life cycle against real relays on loopback. */
class RelayClientTest {
    final RelayTestKit kit = new RelayTestKit();

    @AfterEach
    void close() throws Exception {
        kit.close();
    }

    @Test
    void withoutARelayNothingIsSentAndNothingThrows() throws Exception {
        int port;
        try (ServerSocket probe = new ServerSocket(0)) {
            port = probe.getLocalPort();
        }
        Recorder r = kit.new Recorder();
        RelayMap.RelayNode node = new RelayMap.RelayNode("gone", "localhost", "127.0.0.1", null, port, 0, false);
        try (RelayClient c = RelayClient.start(new RelayClientConfig(node, r.key, null, null, Clock.system(),
                kit.scheduler), r)) {
            Thread.sleep(300);
            assertFalse(c.isConnected());
            assertNull(c.serverKey());
            assertFalse(c.send(r.pub, new byte[10], 0, 10));
            IOException e = assertThrows(IOException.class, () -> c.ping(Duration.ofMillis(100)));
            assertEquals("not connected to relay gone", e.getMessage());
        }
    }

    @Test
    void reconnectsToARestartedRelay() throws Exception {
        RelayServer first = kit.start(kit.config());
        int port = first.address().getPort();
        Recorder a = kit.connect(first);
        Recorder b = kit.connect(first);
        a.client.notePreferred(true);
        assertEquals(first.publicKey(), a.client.serverKey());
        first.close();
        assertTrue(a.nextEvent("disconnected").kind().length() > 0);
        RelayServerConfig cfg = kit.config();
        RelayServerConfig again = new RelayServerConfig(cfg.host(), port, X25519.generatePrivateKey(), null, 0,
                cfg.meshWith(), null, false, null, cfg.admission(), 0, 0, 100, 32, 32, cfg.handshakeTimeout(),
                cfg.writeDeadline(), cfg.keepAlive(), cfg.clock(), cfg.scheduler());
        RelayServer started = null;
        // the clients keep dialling the closed port; Linux may briefly give one of those dials the port itself as
        // its local port (a TCP self-connect), so the restart retries the bind for a moment
        for (int i = 0; started == null; i++) {
            try {
                started = kit.start(again);
            } catch (java.io.IOException e) {
                if (i >= 40) {
                    throw e;
                }
                Thread.sleep(50);
            }
        }
        RelayServer second = started;
        a.nextEvent("connected");
        b.nextEvent("connected");
        assertEquals(second.publicKey(), a.client.serverKey());
        assertNotEquals(first.publicKey(), second.publicKey());
        RelayTestKit.await("both back", () -> second.isLocal(a.pub) && second.isLocal(b.pub));
        a.client.send(b.pub, bytes(64, 1), 0, 64);
        assertEquals(a.pub, b.nextPacket().peer());
        assertTrue(a.client.ping(Duration.ofSeconds(5)).toMillis() < 5000);
    }

    @Test
    void packetsLargerThanTheProtocolAllowsAreNotSent() throws Exception {
        RelayServer s = kit.start(kit.config());
        Recorder a = kit.connect(s);
        byte[] big = new byte[RelayFrame.MAX_PACKET_SIZE + 1];
        assertFalse(a.client.send(a.pub, big, 0, big.length));
        assertTrue(a.client.send(a.pub, big, 0, RelayFrame.MAX_PACKET_SIZE));
        assertEquals(RelayFrame.MAX_PACKET_SIZE, a.nextPacket().data().length, "a client may send to itself");
    }

    @Test
    void aBadAddressInTheNodeIsRefusedUpFront() {
        Recorder r = kit.new Recorder();
        RelayMap.RelayNode node = new RelayMap.RelayNode("fra1", "h", "::1", null, 443, 0, false);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new RelayClientConfig(node, r.key, null, null, Clock.system(), kit.scheduler));
        assertEquals("relay fra1: ipv4 '::1' is not an IPv4 address", e.getMessage());
        RelayMap.RelayNode port = new RelayMap.RelayNode("fra1", "h", null, null, 0, 0, false);
        assertThrows(IllegalArgumentException.class,
                () -> new RelayClientConfig(port, r.key, null, null, Clock.system(), kit.scheduler));
    }

    @Test
    void aBatchGoesOutInOrderAndTheReceiverHearsTheEndOfEachRun() throws Exception {
        RelayServer s = kit.start(kit.config());
        Recorder a = kit.connect(s);
        Recorder b = kit.connect(s);
        // 30 of 40 packets: within the relay's 32-packet queue for b, so none is dropped however the relay and
        // b's writer interleave
        int n = 40;
        dev.warren.wire.datapath.PacketBuffer[] bufs = new dev.warren.wire.datapath.PacketBuffer[n];
        for (int i = 0; i < n; i++) {
            bufs[i] = dev.warren.wire.datapath.PacketBuffer.allocate(2048);
            byte[] p = bytes(100 + i, i);
            bufs[i].copyFrom(p, 0, 16, p.length);
            bufs[i].set(16, p.length);
        }
        assertEquals(30, a.client.send(b.pub, bufs, 10, 30), "every packet of the batch is taken");
        for (int i = 10; i < n; i++) {
            RelayTestKit.Event e = b.nextPacket();
            assertEquals(a.pub, e.peer());
            org.junit.jupiter.api.Assertions.assertArrayEquals(bytes(100 + i, i), e.data(), "packet " + i);
        }
        RelayTestKit.await("packetsEnd after the last packet", () -> b.deliveredAtEnd.get() == 30);
        assertTrue(b.ends.get() >= 1 && b.ends.get() <= 30);
        a.client.close();
        assertEquals(0, a.client.send(b.pub, bufs, 0, 3), "a closed client takes nothing");
    }

    @Test
    void aBatchStopsAtAnOversizedPacket() throws Exception {
        RelayServer s = kit.start(kit.config());
        Recorder a = kit.connect(s);
        Recorder b = kit.connect(s);
        dev.warren.wire.datapath.PacketBuffer[] bufs = new dev.warren.wire.datapath.PacketBuffer[3];
        int[] sizes = {10, RelayFrame.MAX_PACKET_SIZE + 1, 10};
        for (int i = 0; i < 3; i++) {
            bufs[i] = dev.warren.wire.datapath.PacketBuffer.allocate(RelayFrame.MAX_PACKET_SIZE + 64);
            bufs[i].set(16, sizes[i]);
        }
        assertEquals(1, a.client.send(b.pub, bufs, 0, 3));
        assertEquals(10, b.nextPacket().data().length);
    }
}
