package dev.warren.node;

import dev.warren.crypto.X25519;
import dev.warren.node.internal.Icmp;
import dev.warren.node.internal.StateStore;
import dev.warren.testing.Packets;
import dev.warren.wire.control.MapRequest;
import dev.warren.wire.control.Node;
import dev.warren.wire.control.PeerPatch;
import dev.warren.wire.key.NodeKey;
import dev.warren.wire.net.IpAddresses;
import dev.warren.wireguard.uapi.PeerState;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class NodeBackendTest {
    private static final Duration WAIT = Duration.ofSeconds(5);

    @TempDir
    Path dir;

    private static byte[] udp(Mesh.TestNode from, Mesh.TestNode to, String payload) {
        return Packets.udp4(IpAddresses.parse(from.v4()), IpAddresses.parse(to.v4()), 1000, 2000, payload.getBytes());
    }

    private static List<PeerState> enginePeers(Mesh.TestNode n) {
        return n.backend.device().state().peers();
    }

    private static NodeKey nodeKeyOf(Mesh.TestNode n) {
        return NodeKey.parse(n.backend.status().selfNodeKey());
    }

    @Test
    void twoNodesComeUpGetEachOtherAndExchangePackets() throws Exception {
        try (Mesh m = new Mesh(dir)) {
            Mesh.TestNode a = m.up("alpha");
            Mesh.TestNode b = m.up("beta");
            Status sa = a.backend.status();
            assertEquals(BackendState.Running, sa.state());
            assertEquals("alpha", sa.selfName());
            assertEquals(List.of("100.64.0.1", "fd7a:115c:a1e0::1"), sa.selfAddresses());
            assertEquals("example.warren", sa.domain());
            assertEquals("alice", sa.user());
            assertTrue(sa.controlConnected());
            Mesh.await("alpha learns beta", () -> enginePeers(a).size() == 1);
            assertEquals(1, enginePeers(b).size());
            assertEquals(List.of(List.of("100.64.0.1/32", "fd7a:115c:a1e0::1/128")), a.addressCalls,
                    "own addresses handed to the AddressConfigurer once");

            byte[] p = udp(a, b, "hello beta");
            a.tun.inject(p);
            assertArrayEquals(p, b.tun.take(WAIT), "through the real WireGuard engine");
            byte[] r = udp(b, a, "hello alpha");
            b.tun.inject(r);
            assertArrayEquals(r, a.tun.take(WAIT));

            PeerInfo beta = a.backend.status().peers().getFirst();
            assertEquals("beta", beta.name());
            assertEquals(List.of("100.64.0.2", "fd7a:115c:a1e0::2"), beta.addresses());
            assertTrue(beta.online());
            assertEquals("192.0.2.2:" + b.backend.device().listenPort(), beta.currentEndpoint());
            assertNotNull(beta.lastHandshake());
            Mesh.await("counters", () -> a.backend.status().peers().getFirst().rxBytes() > 0);

            MapRequest first = m.control.mapRequests.getFirst();
            assertTrue(first.stream());
            assertEquals(List.of("192.0.2.1:" + a.backend.device().listenPort()), first.endpoints());
            assertNull(first.sessionHandle());
        }
    }

    @Test
    void peerDeletedByControlDisappearsFromTheEngineWithinASecond() throws Exception {
        try (Mesh m = new Mesh(dir)) {
            Mesh.TestNode a = m.up("a");
            Mesh.TestNode b = m.up("b");
            Mesh.TestNode c = m.up("c");
            Mesh.await("a has two peers", () -> enginePeers(a).size() == 2);
            long cid = m.control.byName("c").id();
            byte[] cKey = nodeKeyOf(c).publicKey().toBytes();
            m.control.delete(cid);
            Mesh.await("c dropped by a", Duration.ofSeconds(1), () -> enginePeers(a).size() == 1);
            Mesh.await("c dropped by b", Duration.ofSeconds(1), () -> enginePeers(b).size() == 1);
            assertFalse(Arrays.equals(cKey, enginePeers(a).getFirst().publicKey().toBytes()));
            assertEquals(List.of("b"), a.backend.status().peers().stream().map(PeerInfo::name).toList());
        }
    }

    @Test
    void unchangedPeersKeepTheirSessionsAndPatchesMoveEndpoints() throws Exception {
        try (Mesh m = new Mesh(dir)) {
            Mesh.TestNode a = m.up("a");
            Mesh.TestNode b = m.up("b");
            Mesh.await("peer", () -> enginePeers(a).size() == 1);
            a.tun.inject(udp(a, b, "x"));
            assertNotNull(b.tun.take(WAIT));
            long hs = enginePeers(a).getFirst().lastHandshakeEpochNanos();
            assertTrue(hs > 0);
            long bid = m.control.byName("b").id();
            // an online-state patch changes nothing in the engine
            m.control.sendTo(1, FakeControl.delta(null, null, List.of(new PeerPatch(bid, null, false, null, null, null))));
            Mesh.await("offline shown", () -> !a.backend.status().peers().getFirst().online());
            assertEquals(hs, enginePeers(a).getFirst().lastHandshakeEpochNanos(), "session kept");
            // an endpoint patch moves the engine's endpoint
            m.control.sendTo(1, FakeControl.delta(null, null, List.of(new PeerPatch(bid, List.of("198.51.100.7:4242"),
                    null, null, null, null))));
            Mesh.await("endpoint moved", () -> "198.51.100.7:4242".equals(String.valueOf(enginePeers(a).getFirst().endpoint())));
            assertEquals(List.of("198.51.100.7:4242"), a.backend.status().peers().getFirst().endpoints());
        }
    }

    @Test
    void controlOutageKeepsTheDataPlaneThenReconnectsWithBackoffAndResyncs() throws Exception {
        try (Mesh m = new Mesh(dir)) {
            Mesh.TestNode a = m.up("a");
            Mesh.TestNode b = m.up("b");
            Mesh.TestNode c = m.up("c");
            Mesh.await("peers", () -> enginePeers(a).size() == 2);
            int before = m.control.mapRequests.size();
            m.control.dropAll();
            Mesh.await("disconnected", () -> !a.backend.status().controlConnected());
            assertEquals(BackendState.Running, a.backend.status().state(), "still running without control");
            assertEquals(2, enginePeers(a).size(), "peers kept while control is down");
            byte[] p = udp(a, b, "during the outage");
            a.tun.inject(p);
            assertArrayEquals(p, b.tun.take(WAIT));

            // while control is away, c is deleted; the resync's full map must drop it
            m.control.nodes.remove(nodeKeyOf(c));
            Thread.sleep(50);
            assertEquals(before, m.control.mapRequests.size(), "no reconnect before the back-off elapses");
            m.scheduler.advance(Duration.ofMillis(600)); // first back-off is at most 0.5 s
            Mesh.await("a reconnected", () -> a.backend.status().controlConnected());
            Mesh.await("c gone after resync", () -> enginePeers(a).size() == 1);
            MapRequest resumed = m.control.mapRequests.stream()
                    .filter(r -> r.nodeKey().equals(nodeKeyOf(a)) && r.sessionHandle() != null).findFirst().orElseThrow();
            assertTrue(resumed.lastSeq() >= 2, "resumes after the last applied seq: " + resumed.lastSeq());
            byte[] q = udp(a, b, "after the outage");
            a.tun.inject(q);
            assertArrayEquals(q, b.tun.take(WAIT));
        }
    }

    @Test
    void backoffGrowsWhileControlIsUnreachableAndRecovers() throws Exception {
        try (Mesh m = new Mesh(dir)) {
            Mesh.TestNode a = m.up("a");
            m.unreachable = true;
            m.control.dropAll();
            Mesh.await("disconnected", () -> !a.backend.status().controlConnected());
            int d0 = m.dials.get();
            // fake time until each retry; a measured gap is never shorter than the real delay (the session may
            // schedule a little after a step), and at most one step plus the session's reaction longer
            long gap1 = advanceUntil(m, () -> m.dials.get() == d0 + 1);
            long gap2 = advanceUntil(m, () -> m.dials.get() == d0 + 2);
            long gap3 = advanceUntil(m, () -> m.dials.get() == d0 + 3);
            assertTrue(gap1 <= 800, "1st retry after at most 0.5 s: " + gap1);
            assertTrue(gap2 >= 250 && gap3 >= 500, "delays double: " + gap1 + ", " + gap2 + ", " + gap3);
            assertTrue(gap3 >= 950, "3rd delay is in [1, 2] s (less one step): " + gap3);
            assertEquals(BackendState.Running, a.backend.status().state());
            m.unreachable = false;
            Thread.sleep(20);
            m.scheduler.advance(Duration.ofSeconds(5));
            Mesh.await("reconnected", () -> a.backend.status().controlConnected());
        }
    }

    @Test
    void aSilentControlStreamIsClosedAndReopened() throws Exception {
        try (Mesh m = new Mesh(dir)) {
            Mesh.TestNode a = m.up("a");
            int conns = m.control.connections.get();
            // FakeControl says keepAliveSeconds = 60 and then never sends a keep-alive
            m.scheduler.advance(Duration.ofSeconds(100));
            Thread.sleep(50);
            assertTrue(a.backend.status().controlConnected(), "two intervals have not passed yet");
            m.scheduler.advance(Duration.ofSeconds(31));
            Mesh.await("watchdog closed the stream", () -> !a.backend.status().controlConnected());
            advanceUntil(m, () -> m.control.connections.get() > conns);
            Mesh.await("reconnected", () -> a.backend.status().controlConnected());
        }
    }

    @Test
    void unknownNodeKeyIsFatalAndNeedsANewLogin() throws Exception {
        try (Mesh m = new Mesh(dir)) {
            Mesh.TestNode a = m.up("a");
            m.control.nodes.clear();
            m.control.dropAll();
            Mesh.await("disconnected", () -> !a.backend.status().controlConnected());
            int dials = m.dials.get();
            m.scheduler.advance(Duration.ofMillis(600));
            Mesh.await("needs login", () -> a.backend.status().state() == BackendState.NeedsLogin);
            m.scheduler.advance(Duration.ofSeconds(60));
            Thread.sleep(50);
            assertEquals(dials + 1, m.dials.get(), "a fatal error stops reconnecting");
        }
    }

    @Test
    void expiredAuthKeyGivesControlsMessage() throws Exception {
        try (Mesh m = new Mesh(dir)) {
            Mesh.TestNode a = m.node("a");
            IOException e = assertThrows(IOException.class, () -> a.backend.up(Mesh.SERVER, FakeControl.EXPIRED_KEY, "a"));
            assertEquals("auth key has expired", e.getMessage());
            assertEquals(BackendState.NeedsLogin, a.backend.status().state());
            assertTrue(enginePeers(a).isEmpty());
            assertFalse(Files.exists(a.stateDir.resolve(StateStore.LOGIN)), "a refused first login pins nothing");
            m.serverKey = X25519.publicKey(X25519.generatePrivateKey());
            a.backend.up(Mesh.SERVER, FakeControl.GOOD_KEY, "a");
            assertEquals(BackendState.Running, a.backend.status().state());
            assertTrue(Files.exists(a.stateDir.resolve(StateStore.LOGIN)), "pinned once accepted");
        }
    }

    @Test
    void interactiveLoginReportsTheAuthUrlAndWaits() throws Exception {
        try (Mesh m = new Mesh(dir)) {
            m.control.interactive = true;
            Mesh.TestNode a = m.node("a");
            CompletableFuture<String> url = new CompletableFuture<>();
            CompletableFuture<Void> up = CompletableFuture.runAsync(() -> {
                try {
                    a.backend.up(Mesh.SERVER, null, "a", url::complete, WAIT);
                } catch (IOException e) {
                    throw new RuntimeException(e);
                }
            });
            assertTrue(url.get(5, TimeUnit.SECONDS).startsWith("https://control.test/a/"));
            assertEquals(BackendState.Starting, a.backend.status().state());
            assertEquals(url.get(), a.backend.status().authUrl());
            m.control.approved.countDown();
            up.get(5, TimeUnit.SECONDS);
            assertEquals(BackendState.Running, a.backend.status().state());
            assertNull(a.backend.status().authUrl());
        }
    }

    @Test
    void keysAre0600AndReusedAcrossRestartsWhichResumeTheLogin() throws Exception {
        try (Mesh m = new Mesh(dir)) {
            Mesh.TestNode a = m.up("a");
            Mesh.TestNode b = m.up("b");
            for (String f : List.of(StateStore.MACHINE_KEY, StateStore.NODE_KEY, StateStore.LOGIN)) {
                assertEquals("rw-------", PosixFilePermissions.toString(
                        Files.getPosixFilePermissions(a.stateDir.resolve(f))), f);
            }
            String machine = Files.readString(a.stateDir.resolve(StateStore.MACHINE_KEY));
            NodeKey key = nodeKeyOf(a);
            a.backend.close();
            m.start(a);
            assertEquals(BackendState.Stopped, a.backend.status().state(), "logged in, not yet resumed");
            assertTrue(a.backend.resume());
            Mesh.await("running again", () -> a.backend.status().state() == BackendState.Running);
            assertEquals(key, nodeKeyOf(a));
            assertEquals(machine, Files.readString(a.stateDir.resolve(StateStore.MACHINE_KEY)));
            assertEquals(List.of("100.64.0.1", "fd7a:115c:a1e0::1"), a.backend.status().selfAddresses());
            assertNull(m.control.registerRequests.getLast().authKey(), "the auth key is not sent again");
            byte[] p = udp(a, b, "after restart");
            Mesh.await("b knows a", () -> enginePeers(b).size() == 1);
            a.tun.inject(p);
            assertArrayEquals(p, b.tun.take(WAIT));
        }
    }

    @Test
    void aDifferentServerKeyIsRefusedUntilLogout() throws Exception {
        try (Mesh m = new Mesh(dir)) {
            Mesh.TestNode a = m.up("a");
            var pinned = m.serverKey;
            m.serverKey = X25519.publicKey(X25519.generatePrivateKey());
            IOException e = assertThrows(IOException.class, () -> a.backend.up(Mesh.SERVER, FakeControl.GOOD_KEY, "a"));
            assertTrue(e.getMessage().contains("pinned to " + pinned.toBase64()), e.getMessage());
            assertTrue(e.getMessage().contains("warren logout"), e.getMessage());
            assertEquals(BackendState.Running, a.backend.status().state(), "the refused up changed nothing");

            NodeKey old = nodeKeyOf(a);
            a.backend.logout();
            assertEquals(BackendState.NeedsLogin, a.backend.status().state());
            assertFalse(Files.exists(a.stateDir.resolve(StateStore.NODE_KEY)));
            assertNotNull(m.control.registerRequests.getLast().expiry(), "logout registers with an expiry");
            assertTrue(enginePeers(a).isEmpty());
            assertEquals(List.of(), a.addressCalls.getLast(), "addresses removed");

            a.backend.up(Mesh.SERVER, FakeControl.GOOD_KEY, "a");
            assertNotEquals(old, nodeKeyOf(a), "a new node key per login");
            assertEquals(BackendState.Running, a.backend.status().state());
        }
    }

    @Test
    void downRemovesPeersKeepsKeysAndUpResumes() throws Exception {
        try (Mesh m = new Mesh(dir)) {
            Mesh.TestNode a = m.up("a");
            m.up("b");
            Mesh.await("peer", () -> enginePeers(a).size() == 1);
            NodeKey key = nodeKeyOf(a);
            a.backend.down();
            assertEquals(BackendState.Stopped, a.backend.status().state());
            assertTrue(enginePeers(a).isEmpty());
            assertFalse(a.backend.status().controlConnected());
            assertEquals(key, nodeKeyOf(a));
            a.backend.close();
            m.start(a);
            assertFalse(a.backend.resume(), "a node taken down stays down after a restart");
            a.backend.up(Mesh.SERVER, null, null);
            assertEquals(key, nodeKeyOf(a));
            Mesh.await("peer back", () -> enginePeers(a).size() == 1);
        }
    }

    @Test
    void pingInjectsAnEchoRequestAndMeasuresTheReply() throws Exception {
        try (Mesh m = new Mesh(dir)) {
            Mesh.TestNode a = m.up("a");
            Mesh.TestNode b = m.up("b");
            Mesh.await("peer", () -> enginePeers(a).size() == 1);
            for (boolean v6 : new boolean[]{false, true}) {
                CompletableFuture<PingResult> res = CompletableFuture.supplyAsync(() -> {
                    try {
                        return a.backend.ping(v6 ? b.v6() : "b", WAIT);
                    } catch (IOException e) {
                        throw new RuntimeException(e);
                    }
                });
                byte[] req = b.tun.take(WAIT);
                assertNotNull(req, "echo request reached b's host");
                b.tun.inject(replyTo(req));
                PingResult r = res.get(5, TimeUnit.SECONDS);
                assertTrue(r.replied(), String.valueOf(r));
                assertEquals("b", r.peer());
                assertEquals(v6 ? "fd7a:115c:a1e0::2" : "100.64.0.2", r.address());
                assertTrue(r.rttMillis() >= 0);
                assertTrue(r.direct(), "the reply proves a handshake: the path is direct: " + r.path());
                assertNull(a.tun.take(Duration.ofMillis(100)), "the reply is not delivered to a's kernel");
            }
            PingResult none = a.backend.ping("b", Duration.ofMillis(200));
            assertFalse(none.replied());
            assertTrue(none.error().contains("timed out"));
            assertEquals("-", none.path(), "no reply, no path");
            assertThrows(IOException.class, () -> a.backend.ping("nobody", WAIT));
        }
    }

    @Test
    void whoisFindsPeersAndSelf() throws Exception {
        try (Mesh m = new Mesh(dir)) {
            Mesh.TestNode a = m.up("a");
            m.up("b");
            Mesh.await("peer", () -> enginePeers(a).size() == 1);
            assertEquals("b", a.backend.whois(InetAddress.getByName("100.64.0.2")).orElseThrow().name());
            assertEquals("b", a.backend.whois(InetAddress.getByName("fd7a:115c:a1e0::2")).orElseThrow().name());
            assertEquals("a", a.backend.whois(InetAddress.getByName("100.64.0.1")).orElseThrow().name());
            assertTrue(a.backend.whois(InetAddress.getByName("100.64.0.99")).isEmpty());
        }
    }

    @Test
    void expiredOrUnauthorizedPeersAreNotConfigured() throws Exception {
        try (Mesh m = new Mesh(dir)) {
            Mesh.TestNode a = m.up("a");
            m.up("b");
            Mesh.await("peer", () -> enginePeers(a).size() == 1);
            Node b = m.control.byName("b");
            Node expired = new Node(b.id(), b.name(), b.user(), b.key(), b.keyExpiry(), b.machine(), b.addresses(),
                    b.allowedIps(), b.endpoints(), b.hostinfo(), b.created(), b.lastSeen(), b.online(), true, true,
                    false, b.tags(), b.discoKey(), b.homeRelay());
            m.control.sendTo(1, FakeControl.delta(List.of(expired), null, null));
            Mesh.await("expired peer removed", () -> enginePeers(a).isEmpty());
            assertEquals(1, a.backend.status().peers().size(), "still listed in status");
        }
    }

    @Test
    void changedLocalEndpointsAreSentAsAnUpdateAndReachPeers() throws Exception {
        try (Mesh m = new Mesh(dir)) {
            Mesh.TestNode a = m.up("a");
            Mesh.TestNode b = m.up("b");
            Mesh.await("peer", () -> enginePeers(a).size() == 1);
            m.scheduler.advance(NodeBackend.ENDPOINT_POLL);
            Thread.sleep(50);
            assertTrue(m.control.updates.isEmpty(), "nothing changed, nothing sent");
            b.reported = IpAddresses.parse("203.0.113.9");
            m.scheduler.advance(NodeBackend.ENDPOINT_POLL);
            String ep = "203.0.113.9:" + b.backend.device().listenPort();
            Mesh.await("update sent", () -> !m.control.updates.isEmpty());
            assertEquals(List.of(ep), m.control.updates.getFirst().endpoints());
            Mesh.await("a's engine follows", () -> ep.equals(String.valueOf(enginePeers(a).getFirst().endpoint())));
        }
    }

    @Test
    void aPeerWhoseKeyExpiresIsDroppedWithoutWaitingForControl() throws Exception {
        try (Mesh m = new Mesh(dir)) {
            Mesh.TestNode a = m.up("a");
            m.up("b");
            Mesh.await("peer", () -> enginePeers(a).size() == 1);
            Node b = m.control.byName("b");
            java.time.Instant soon = java.time.Instant.ofEpochSecond(0, m.clock.epochNanos()).plusSeconds(15);
            Node expiring = new Node(b.id(), b.name(), b.user(), b.key(), soon, b.machine(), b.addresses(),
                    b.allowedIps(), b.endpoints(), b.hostinfo(), b.created(), b.lastSeen(), b.online(), true, false,
                    false, b.tags(), b.discoKey(), b.homeRelay());
            m.control.sendTo(1, FakeControl.delta(List.of(expiring), null, null));
            Thread.sleep(50);
            assertEquals(1, enginePeers(a).size(), "not expired yet");
            for (int i = 0; i < 3 && !enginePeers(a).isEmpty(); i++) {
                m.scheduler.advance(NodeBackend.ENDPOINT_POLL);
                Thread.sleep(30);
            }
            Mesh.await("expired peer dropped", () -> enginePeers(a).isEmpty());
        }
    }

    @Test
    void anExpiredNodeKeyIsRenewedKeepingTheNodesIdentity() throws Exception {
        try (Mesh m = new Mesh(dir)) {
            Mesh.TestNode a = m.up("a");
            Mesh.TestNode b = m.up("b");
            Mesh.await("peer", () -> enginePeers(b).size() == 1);
            NodeKey old = nodeKeyOf(a);
            String oldFile = Files.readString(a.stateDir.resolve(StateStore.NODE_KEY));
            m.control.expiredKeys.add(old);
            m.control.dropAll();
            Mesh.await("disconnected", () -> !a.backend.status().controlConnected()
                    && !b.backend.status().controlConnected());
            m.scheduler.advance(Duration.ofMillis(600));
            Mesh.await("reconnected", () -> a.backend.status().controlConnected());
            assertNotEquals(old, nodeKeyOf(a));
            assertNotEquals(oldFile, Files.readString(a.stateDir.resolve(StateStore.NODE_KEY)), "new key persisted");
            // b reconnects too and may register after a: find a's renewal by its new key
            NodeKey renewed = nodeKeyOf(a);
            assertEquals(old, m.control.registerRequests.stream().filter(r -> renewed.equals(r.nodeKey()))
                    .reduce((x, y) -> y).orElseThrow().oldNodeKey());
            assertEquals(List.of("100.64.0.1", "fd7a:115c:a1e0::1"), a.backend.status().selfAddresses());
            Mesh.await("b uses the new key", () -> enginePeers(b).size() == 1
                    && enginePeers(b).getFirst().publicKey().equals(nodeKeyOf(a).publicKey()));
            byte[] p = udp(a, b, "with the new key");
            a.tun.inject(p);
            assertArrayEquals(p, b.tun.take(WAIT));
        }
    }

    @Test
    void aBusyPortIsAClearError() throws Exception {
        try (Mesh m = new Mesh(dir)) {
            var taken = m.net.bind(IpAddresses.parse("192.0.2.50"));
            taken.open(41641);
            var bind = m.net.bind(IpAddresses.parse("192.0.2.50"));
            IOException e = assertThrows(IOException.class, () -> new NodeBackend(dir.resolve("x"), 41641,
                    new dev.warren.testing.ChannelTun("x"), bind, m.dialers(), m.keys(), m.clock, m.scheduler,
                    AddressConfigurer.NONE, List::of));
            assertTrue(e.getMessage().startsWith("cannot listen on UDP port 41641"), e.getMessage());
            taken.close();
        }
    }

    /** Advances fake time in 50 ms steps until {@code cond}; returns the fake milliseconds that took. */
    private static long advanceUntil(Mesh m, java.util.function.BooleanSupplier cond) throws InterruptedException {
        long t0 = m.clock.nanoTime();
        for (int i = 0; i < 2000 && !cond.getAsBoolean(); i++) {
            m.scheduler.advance(Duration.ofMillis(50));
            Thread.sleep(3);
        }
        assertTrue(cond.getAsBoolean(), "condition never met");
        return (m.clock.nanoTime() - t0) / 1_000_000;
    }

    /** The reply b's kernel would send: addresses swapped, reply type, same id/seq/payload. */
    static byte[] replyTo(byte[] req) {
        if ((req[0] & 0xf0) == 0x40) {
            byte[] src = Arrays.copyOfRange(req, 12, 16);
            byte[] dst = Arrays.copyOfRange(req, 16, 20);
            ByteBuffer b = ByteBuffer.wrap(req);
            return Icmp.echo(Icmp.V4_ECHO_REPLY, dst, src, b.getShort(24) & 0xffff, b.getShort(26) & 0xffff,
                    Arrays.copyOfRange(req, 28, req.length));
        }
        assertEquals(58, req[6], "ICMPv6");
        assertEquals(0, Icmp.checksum(req, 40, req.length - 40,
                sum16(req, 8, 32) + (req.length - 40) + 58), "ICMPv6 checksum valid");
        byte[] src = Arrays.copyOfRange(req, 8, 24);
        byte[] dst = Arrays.copyOfRange(req, 24, 40);
        ByteBuffer b = ByteBuffer.wrap(req);
        return Icmp.echo(Icmp.V6_ECHO_REPLY, dst, src, b.getShort(44) & 0xffff, b.getShort(46) & 0xffff,
                Arrays.copyOfRange(req, 48, req.length));
    }

    private static long sum16(byte[] a, int off, int len) {
        long s = 0;
        for (int i = 0; i < len; i += 2) {
            s += ((a[off + i] & 0xff) << 8) | (a[off + i + 1] & 0xff);
        }
        return s;
    }
}
