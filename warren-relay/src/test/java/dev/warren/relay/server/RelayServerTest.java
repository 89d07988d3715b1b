package dev.warren.relay.server;

import dev.warren.crypto.X25519;
import dev.warren.relay.RelayTestKit;
import dev.warren.relay.RelayTestKit.Raw;
import dev.warren.relay.RelayTestKit.Recorder;
import dev.warren.wire.key.PublicKey;
import dev.warren.wire.relay.RelayFrame;
import dev.warren.wire.relay.RelayInfo;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.EOFException;
import java.io.IOException;
import java.net.SocketException;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static dev.warren.relay.RelayTestKit.bytes;
import static dev.warren.relay.RelayTestKit.discoPacket;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** One relay on loopback with real clients and hand-driven raw ones. */
class RelayServerTest {
    final RelayTestKit kit = new RelayTestKit();

    @AfterEach
    void close() throws Exception {
        kit.close();
    }

    @Test
    void twoClientsExchangePackets() throws Exception {
        RelayServer s = kit.start(kit.config());
        Recorder a = kit.connect(s);
        Recorder b = kit.connect(s);
        assertEquals(s.publicKey(), a.client.serverKey());
        byte[] p = bytes(1280, 7);
        assertTrue(a.client.send(b.pub, p, 0, p.length));
        RelayTestKit.Event e = b.nextPacket();
        assertEquals(a.pub, e.peer());
        assertArrayEquals(p, e.data());
        assertTrue(b.client.send(a.pub, p, 10, 5));
        assertArrayEquals(java.util.Arrays.copyOfRange(p, 10, 15), a.nextPacket().data());
        assertTrue(a.client.ping(Duration.ofSeconds(5)).compareTo(Duration.ofSeconds(5)) < 0);
        assertEquals(2, s.stats().delivered());
    }

    @Test
    void httpOtherThanTheUpgradeGetsAClearAnswer() throws Exception {
        RelayServer s = kit.start(kit.config());
        Raw r = kit.raw(s);
        r.write("GET /relay HTTP/1.1\r\nHost: x\r\n\r\n");
        String resp = r.readAll();
        assertTrue(resp.startsWith("HTTP/1.1 426 Upgrade Required\r\n"), resp);
        assertTrue(resp.contains("needs the header 'Upgrade: warren-relay' (none was sent)"), resp);

        Raw w = kit.raw(s);
        w.write("GET /relay HTTP/1.1\r\nUpgrade: websocket\r\n\r\n");
        assertTrue(w.readAll().contains("(got 'Upgrade: websocket')"));

        Raw h = kit.raw(s);
        h.write("GET /healthz HTTP/1.1\r\n\r\n");
        String health = h.readAll();
        assertTrue(health.startsWith("HTTP/1.1 200 OK") && health.endsWith("ok\n"), health);

        Raw g = kit.raw(s);
        g.write("\u0016\u0003\u0001 garbage\r\n\r\n");
        assertTrue(g.readAll().startsWith("HTTP/1.1 400 Bad Request"));

        Raw n = kit.raw(s);
        n.write("GET /other HTTP/1.1\r\n\r\n");
        assertTrue(n.readAll().startsWith("HTTP/1.1 404 Not Found"));

        Raw big = kit.raw(s);
        big.write("GET /relay HTTP/1.1\r\nX: " + "a".repeat(9000) + "\r\n\r\n");
        assertTrue(big.readAll().contains("HTTP head longer than 8192 bytes"));
    }

    @Test
    void aClientInfoSealedWithAnotherKeyIsRefused() throws Exception {
        RelayServer s = kit.start(kit.config());
        Raw r = kit.raw(s).upgrade().hello(X25519.generatePrivateKey(), null);
        RelayFrame.Health h = assertInstanceOf(RelayFrame.Health.class, r.next());
        assertEquals("handshake refused: the ClientInfo box does not open with the key it claims", h.text());
        assertThrows(EOFException.class, r::next);
        assertEquals(0, s.stats().clients());
        assertFalse(s.isLocal(r.pub));
    }

    @Test
    void aWrongMeshKeyIsRefused() throws Exception {
        byte[] mesh = bytes(32, 1);
        RelayServer s = kit.start(kit.config().withMesh(java.util.List.of(), mesh, false, null));
        Raw wrong = kit.raw(s).upgrade();
        wrong.hello(wrong.key, bytes(32, 2));
        assertEquals("handshake refused: wrong mesh key",
                assertInstanceOf(RelayFrame.Health.class, wrong.next()).text());
        Raw right = kit.raw(s).upgrade();
        right.hello(right.key, mesh);
        assertInstanceOf(RelayFrame.ServerInfo.class, right.next());
        assertEquals(0, s.stats().clients(), "a mesh peer is not a client");
        assertEquals(1, s.stats().meshPeersIn());
    }

    @Test
    void oversizeFramesAndGarbageEndOnlyTheirConnection() throws Exception {
        RelayServer s = kit.start(kit.config());
        Recorder a = kit.connect(s);
        Recorder b = kit.connect(s);
        Raw big = kit.raw(s).handshake();
        big.write(new byte[]{RelayFrame.TYPE_SEND_PACKET, 0x00, 0x10, 0x00, 0x00});
        assertClosed(big);
        Raw garbage = kit.raw(s).handshake();
        garbage.write(new byte[]{RelayFrame.TYPE_SEND_PACKET, 0, 0, 0, 3, 1, 2, 3});
        assertClosed(garbage);
        Raw forward = kit.raw(s).handshake();
        forward.write(new RelayFrame.ForwardPacket(a.pub, b.pub, bytes(10, 0)).encode());
        assertClosed(forward);
        Raw junk = kit.raw(s).handshake();
        junk.write(bytes(5000, 99));
        assertClosed(junk);
        byte[] p = bytes(100, 3);
        assertTrue(a.client.send(b.pub, p, 0, p.length));
        assertArrayEquals(p, b.nextPacket().data());
        assertTrue(b.packets.isEmpty(), "the forged ForwardPacket was not delivered");
        RelayTestKit.await("closed connections unregistered", () -> s.stats().clients() == 2);
    }

    private static void assertClosed(Raw r) throws Exception {
        while (true) {
            try {
                RelayFrame f = r.next();
                assertTrue(f instanceof RelayFrame.KeepAlive || f instanceof RelayFrame.ServerInfo, "got " + f);
            } catch (EOFException | SocketException e) {
                return;
            }
        }
    }

    @Test
    void unknownFrameTypesAreSkipped() throws Exception {
        RelayServer s = kit.start(kit.config());
        Recorder b = kit.connect(s);
        Raw a = kit.raw(s).handshake();
        a.write(new RelayFrame.Unknown(0x7e, bytes(300, 1)).encode());
        a.send(b.pub, bytes(20, 4));
        assertEquals(a.pub, b.nextPacket().peer());
    }

    @Test
    void peerGoneWhenASenderLeaves() throws Exception {
        RelayServer s = kit.start(kit.config());
        Recorder a = kit.connect(s);
        Recorder b = kit.connect(s);
        Recorder c = kit.connect(s);
        a.client.send(b.pub, bytes(10, 0), 0, 10);
        b.nextPacket();
        a.client.close();
        RelayTestKit.Event gone = b.nextEvent("gone");
        assertEquals(a.pub, gone.peer());
        assertEquals(RelayFrame.PEER_GONE_DISCONNECTED, gone.reason());
        assertNull(c.events.stream().filter(e -> e.kind().equals("gone")).findAny().orElse(null),
                "c never heard from a");
    }

    @Test
    void peerGoneNotHereAnswersDiscoToAnUnknownKeyRateLimited() throws Exception {
        RelayServer s = kit.start(kit.config());
        Raw a = kit.raw(s).handshake();
        PublicKey nobody = X25519.publicKey(X25519.generatePrivateKey());
        a.send(nobody, bytes(100, 1));
        for (int i = 0; i < 10; i++) {
            a.send(nobody, discoPacket(i));
        }
        a.write(new RelayFrame.Ping(bytes(8, 0)).encode());
        int notHere = 0;
        while (true) {
            RelayFrame f = a.next();
            if (f instanceof RelayFrame.Pong) {
                break;
            }
            if (f instanceof RelayFrame.PeerGone(PublicKey peer, int reason)) {
                assertEquals(nobody, peer);
                assertEquals(RelayFrame.PEER_GONE_NOT_HERE, reason);
                notHere++;
            }
        }
        assertEquals(3, notHere, "burst of 3, then 1 a second; the non-disco packet earns none");
        assertEquals(3, s.stats().notHereSent());
        assertEquals(11, s.stats().droppedUnknown());
    }

    @Test
    void theMostRecentSenderOfADuplicatedKeyReceives() throws Exception {
        RelayServer s = kit.start(kit.config());
        Recorder a = kit.connect(s);
        Raw b1 = kit.raw(s).handshake();
        Raw dup = duplicateOf(b1, s);
        a.client.send(b1.pub, bytes(5, 1), 0, 5);
        assertArrayEquals(bytes(5, 1), ((RelayFrame.RecvPacket) dup.next(RelayFrame.RecvPacket.class)).packet(),
                "the newest connection receives");
        b1.send(a.pub, bytes(5, 2));
        a.nextPacket();
        a.client.send(b1.pub, bytes(5, 3), 0, 5);
        assertArrayEquals(bytes(5, 3), ((RelayFrame.RecvPacket) b1.next(RelayFrame.RecvPacket.class)).packet(),
                "the connection that sent last receives");
        assertEquals(3, s.stats().clients());
        dup.close();
        RelayTestKit.await("the duplicate unregistered", () -> s.stats().clients() == 2);
        assertTrue(s.isLocal(b1.pub), "the key stays while one connection remains");
    }

    /** A second raw connection with {@code orig}'s key. */
    private Raw duplicateOf(Raw orig, RelayServer s) throws Exception {
        Raw d = kit.raw(s);
        d.upgrade();
        byte[] nonce = dev.warren.crypto.Box.randomNonce();
        byte[] sealed = dev.warren.crypto.Box.precompute(orig.key, d.serverKey).seal(nonce,
                RelayInfo.Client.of(null).toJson());
        d.write(new RelayFrame.ClientInfo(orig.pub, nonce, sealed).encode());
        assertInstanceOf(RelayFrame.ServerInfo.class, d.next());
        return d;
    }

    @Test
    void theRateLimitDropsExcess() throws Exception {
        long burst = RelayServerConfig.MIN_BURST;
        RelayServer s = kit.start(kit.config().withRateLimit(10_000, burst));
        Recorder b = kit.connect(s);
        Raw a = kit.raw(s).handshake();
        byte[] p = bytes(1200, 0);
        for (int i = 0; i < 200; i++) {
            a.send(b.pub, p);
        }
        a.write(new RelayFrame.Ping(bytes(8, 0)).encode());
        a.next(RelayFrame.Pong.class);
        RelayTestKit.await("the relay counted the packets", () -> s.stats().packetsIn() == 200);
        long allowed = burst / (1200 + 37);
        RelayServer.Stats st = s.stats();
        assertTrue(st.delivered() >= allowed && st.delivered() <= allowed + 3, "delivered " + st.delivered());
        assertEquals(200 - st.delivered(), st.droppedRateLimit());

        Recorder c = kit.connect(s);
        int sent = 0;
        for (int i = 0; i < 200; i++) {
            sent += c.client.send(b.pub, p, 0, p.length) ? 1 : 0;
        }
        assertTrue(sent <= allowed + 3, "the client keeps under the advertised limit itself: sent " + sent);
    }

    @Test
    void aClientThatStopsReadingIsDroppedAfterTheWriteDeadline() throws Exception {
        RelayServer s = kit.start(kit.config().withLimits(100, Duration.ofSeconds(10), Duration.ofMillis(300)));
        Recorder a = kit.connect(s);
        Raw stuck = new Raw(s.address());
        stuck.socket.setReceiveBufferSize(4096);
        stuck.handshake();
        byte[] p = bytes(60_000, 0);
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (s.isLocal(stuck.pub)) {
            a.client.send(stuck.pub, p, 0, p.length);
            Thread.sleep(2);
            assertTrue(System.nanoTime() < end, "the stuck client was never dropped");
        }
        assertTrue(s.isLocal(a.pub));
        stuck.close();
    }

    @Test
    void aFullRelayRefusesWithAReason() throws Exception {
        RelayServer s = kit.start(kit.config().withLimits(1, Duration.ofSeconds(10), Duration.ofSeconds(2)));
        kit.raw(s).handshake();
        Raw second = kit.raw(s).upgrade();
        second.hello(second.key, null);
        assertEquals("relay full: it serves at most 1 clients",
                assertInstanceOf(RelayFrame.Health.class, second.next(RelayFrame.Health.class)).text());
        assertThrows(IOException.class, second::next);
        assertEquals(1, s.stats().clients());
    }

    @Test
    void aHandshakeDrippedByteByByteIsCutOffAtTheDeadline() throws Exception {
        RelayServer s = kit.start(kit.config().withLimits(100, Duration.ofSeconds(1), Duration.ofSeconds(2)));
        Raw drip = kit.raw(s);
        long t0 = System.nanoTime();
        drip.write("GET /relay HTTP/1.1\r\n");
        boolean closed = false;
        for (int i = 0; i < 40 && !closed; i++) {
            Thread.sleep(200);
            try {
                drip.write("x");
            } catch (IOException e) {
                closed = true;
            }
        }
        if (!closed) {
            assertEquals("", drip.readAll(), "closed without an answer");
        }
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertTrue(ms < 4000, "cut off after " + ms + " ms, every read well within the per-read timeout");
        RelayTestKit.await("the refusal counted", () -> s.stats().refused() == 1);
    }

    @Test
    void aDataFloodToAStalledReceiverDoesNotPushOutItsDisco() throws Exception {
        RelayServer s = kit.start(kit.config().withLimits(100, Duration.ofSeconds(10), Duration.ofSeconds(60)));
        Recorder a = kit.connect(s);
        Raw b = kit.raw(s).handshake();
        byte[] big = bytes(60_000, 0);
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (s.stats().droppedQueue() < 200) {
            a.client.send(b.pub, big, 0, big.length);
            Thread.sleep(1);
            assertTrue(System.nanoTime() < end, "the receiver's queue never overflowed");
        }
        for (int i = 0; i < 3; i++) {
            assertTrue(a.client.send(b.pub, discoPacket(i), 0, 100));
        }
        RelayTestKit.await("disco queued", () -> s.stats().delivered() >= s.stats().packetsIn() - 1);
        int disco = 0;
        while (disco < 3) {
            RelayFrame.RecvPacket p = (RelayFrame.RecvPacket) b.next(RelayFrame.RecvPacket.class);
            if (p.packet().length == 100) {
                assertArrayEquals(discoPacket(disco), p.packet());
                disco++;
            }
        }
        b.close();
    }
}
