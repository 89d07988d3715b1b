package dev.warren.magicsock.birthday;

import dev.warren.crypto.X25519;
import dev.warren.testing.FakeClock;
import dev.warren.testing.ManualScheduler;
import dev.warren.wire.disco.DiscoMessage;
import dev.warren.wire.key.DiscoKey;
import dev.warren.wire.key.NodeKey;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link Birthday} on fake time with fake side sockets and a fake magicsock: who starts which half, how many
 * sockets and probes, where they go, the pacing, the budget, pinning, what a round keeps and closes, cool-down,
 * limits, peer removal and network change.
 */
class BirthdayTest {
    static final int HARD = DiscoMessage.CallMeMaybe.NAT_HARD;
    static final int EASY = DiscoMessage.CallMeMaybe.NAT_EASY;

    private final FakeClock clock = new FakeClock();
    private final ManualScheduler scheduler = new ManualScheduler(clock);
    private final FakeSockets sockets = new FakeSockets();
    private final FakeHost host = new FakeHost();
    private final Birthday birthday = new Birthday(clock, scheduler, sockets, host, new Random(5));
    private final NodeKey peer = key();
    private final DiscoKey peerDisco = DiscoKey.of(X25519.publicKey(X25519.generatePrivateKey()));

    /** The easy peer's endpoints: its public (STUN) endpoint and its LAN address. */
    private final InetSocketAddress easyPublic = ep("203.0.113.102", 41641);
    private final List<InetSocketAddress> easyEndpoints = List.of(easyPublic, ep("10.2.0.2", 41641));
    /** The hard peer's endpoints: STUN endpoint, public IP + own port, LAN. */
    private final List<InetSocketAddress> hardEndpoints = List.of(ep("203.0.113.103", 53211),
            ep("203.0.113.103", 41641), ep("10.3.0.2", 41641));

    private static NodeKey key() {
        return NodeKey.of(X25519.publicKey(X25519.generatePrivateKey()));
    }

    private static InetSocketAddress ep(String ip, int port) {
        return new InetSocketAddress(InetAddress.ofLiteral(ip), port);
    }

    record Sent(InetSocketAddress to, DiscoMessage message) {
    }

    static final class FakeSocket implements SideSocket {
        final int port;
        final SideSockets.Receiver receiver;
        final List<Sent> sent = new CopyOnWriteArrayList<>();
        volatile boolean open = true;

        FakeSocket(int port, SideSockets.Receiver receiver) {
            this.port = port;
            this.receiver = receiver;
        }

        @Override
        public int localPort() {
            return port;
        }

        @Override
        public void send(byte[] datagram, InetSocketAddress to) throws IOException {
            if (!open) {
                throw new IOException("closed");
            }
            sent.add(new Sent(to, decode(datagram)));
        }

        @Override
        public boolean isOpen() {
            return open;
        }

        @Override
        public void close() {
            open = false;
        }
    }

    static final class FakeSockets implements SideSockets {
        final List<FakeSocket> opened = new CopyOnWriteArrayList<>();
        volatile int failAfter = Integer.MAX_VALUE;

        @Override
        public SideSocket open(Receiver receiver) throws IOException {
            if (opened.size() >= failAfter) {
                throw new IOException("too many open files");
            }
            FakeSocket s = new FakeSocket(50_000 + opened.size(), receiver);
            opened.add(s);
            return s;
        }

        long openCount() {
            return opened.stream().filter(s -> s.open).count();
        }
    }

    final class FakeHost implements Birthday.Host {
        final NodeKey self = key();
        final List<Sent> main = new CopyOnWriteArrayList<>();
        final Map<NodeKey, InetSocketAddress> trusted = new ConcurrentHashMap<>();

        @Override
        public NodeKey self() {
            return self;
        }

        @Override
        public byte[] seal(DiscoKey to, DiscoMessage message) {
            return message.encode(); // the fake "seal": the plaintext, so the test can read it
        }

        @Override
        public void sendMain(byte[] datagram, InetSocketAddress to) {
            SideSocket s = birthday.pinnedSocket(to);
            try {
                if (s != null) {
                    s.send(datagram, to);
                } else {
                    main.add(new Sent(to, decode(datagram)));
                }
            } catch (IOException e) {
                throw new AssertionError(e);
            }
        }

        @Override
        public InetSocketAddress trustedDirect(NodeKey p) {
            return trusted.get(p);
        }

        @Override
        public void sideDatagram(SideSocket socket, byte[] datagram, InetSocketAddress source) {
        }
    }

    static DiscoMessage decode(byte[] b) {
        try {
            return DiscoMessage.decode(ByteBuffer.wrap(b));
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private void advance(long nanos) {
        scheduler.advance(Duration.ofNanos(nanos));
    }

    @Test
    void onlyAHardAndAnEasySideStartARound() {
        assertFalse(birthday.consider(peer, peerDisco, HARD, hardEndpoints, true, false), "hard↔hard");
        assertFalse(birthday.consider(peer, peerDisco, EASY, easyEndpoints, false, true), "easy↔easy");
        assertFalse(birthday.consider(peer, peerDisco, DiscoMessage.CallMeMaybe.NAT_UNKNOWN, easyEndpoints, true,
                false), "an old peer (no NAT flags)");
        assertFalse(birthday.consider(peer, peerDisco, 0, easyEndpoints, true, false), "a peer that does not know");
        assertFalse(birthday.consider(peer, peerDisco, EASY, easyEndpoints, false, false), "we do not know");
        host.trusted.put(peer, easyPublic);
        assertFalse(birthday.consider(peer, peerDisco, EASY, easyEndpoints, true, false), "already direct");
        host.trusted.clear();
        assertFalse(birthday.consider(peer, peerDisco, EASY, List.of(ep("10.2.0.2", 41641)), true, false),
                "an easy peer without a public endpoint");
        assertEquals(0, sockets.opened.size());
        assertTrue(host.main.isEmpty());
    }

    @Test
    void theHardSideOpens256SocketsAndPingsThePublicEndpointFromEachThreeTimesThenClosesThem() {
        assertTrue(birthday.consider(peer, peerDisco, EASY, easyEndpoints, true, false));
        assertEquals(Birthday.SOCKETS, sockets.opened.size());
        Set<String> txids = new HashSet<>();
        for (FakeSocket s : sockets.opened) {
            assertEquals(1, s.sent.size(), "one ping per socket at first");
            assertEquals(easyPublic, s.sent.getFirst().to(), "only the public endpoint is pinged");
            DiscoMessage.Ping ping = (DiscoMessage.Ping) s.sent.getFirst().message();
            assertTrue(java.util.Arrays.equals(host.self.publicKey().toBytes(), ping.senderNodeKey()));
            txids.add(java.util.HexFormat.of().formatHex(ping.txid()));
        }
        assertEquals(1, txids.size(), "one transaction id per round");
        assertTrue(host.main.isEmpty(), "the hard side sends nothing from its main socket");
        assertEquals(Birthday.Role.HARD, birthday.state(peer).round());
        advance(Birthday.REPING_NANOS);
        advance(Birthday.REPING_NANOS);
        advance(Birthday.REPING_NANOS);
        for (FakeSocket s : sockets.opened) {
            assertEquals(3, s.sent.size(), "pings at 0, 1 and 2 s, then no more");
        }
        assertEquals(Birthday.SOCKETS, sockets.openCount());
        advance(Birthday.ROUND_NANOS - 3 * Birthday.REPING_NANOS);
        assertEquals(0, sockets.openCount(), "a round that found nothing closes every socket");
        assertEquals(0, birthday.openSockets());
        assertNull(birthday.state(peer).round());
        assertTrue(birthday.state(peer).coolingDown());
        assertFalse(birthday.consider(peer, peerDisco, EASY, easyEndpoints, true, false), "cooling down");
        advance(Birthday.COOLDOWN_NANOS);
        assertTrue(birthday.consider(peer, peerDisco, EASY, easyEndpoints, true, false), "after the cool-down");
        assertEquals(2 * Birthday.SOCKETS, sockets.opened.size());
        birthday.close();
        assertEquals(0, sockets.openCount());
    }

    @Test
    void theEasySideSprays1024DistinctPortsOfTheHardIpPacedAndNeverMore() {
        assertTrue(birthday.consider(peer, peerDisco, HARD, hardEndpoints, false, true));
        assertEquals(Birthday.PROBES_PER_TICK, host.main.size(), "the first tick at once");
        assertEquals(0, sockets.opened.size(), "the easy side opens no socket");
        long ticks = Birthday.PROBES / Birthday.PROBES_PER_TICK;
        for (int i = 1; i < ticks; i++) {
            advance(Birthday.TICK_NANOS);
            assertEquals((i + 1) * Birthday.PROBES_PER_TICK, host.main.size(), "tick " + i);
        }
        advance(10 * Birthday.TICK_NANOS);
        assertEquals(Birthday.PROBES, host.main.size(), "the budget");
        Set<Integer> ports = new HashSet<>();
        for (Sent s : host.main) {
            assertEquals(InetAddress.ofLiteral("203.0.113.103"), s.to().getAddress(), "only the hard side's IP");
            assertTrue(s.to().getPort() >= Birthday.PORT_MIN && s.to().getPort() <= Birthday.PORT_MAX);
            ports.add(s.to().getPort());
            assertTrue(s.message() instanceof DiscoMessage.Ping);
        }
        assertEquals(Birthday.PROBES, ports.size(), "no port probed twice");
        assertEquals(Birthday.PROBES, birthday.state(peer).probesSent());

        DiscoMessage.Ping probe = (DiscoMessage.Ping) host.main.get(100).message();
        InetSocketAddress hit = host.main.get(100).to();
        int unprobed = Birthday.PORT_MIN;
        while (ports.contains(unprobed)) {
            unprobed++;
        }
        assertEquals(-1, birthday.probePong(peer, new byte[12], hit, null), "wrong transaction id");
        assertEquals(-1, birthday.probePong(peer, probe.txid(), ep("203.0.113.103", unprobed), null),
                "a port never probed");
        assertEquals(-1, birthday.probePong(peer, probe.txid(), ep("203.0.113.99", hit.getPort()), null),
                "another IP");
        assertEquals(-1, birthday.probePong(key(), probe.txid(), hit, null), "another peer");
        assertTrue(birthday.probePong(peer, probe.txid(), hit, null) >= 0, "the probe's answer");

        host.trusted.put(peer, hit);
        birthday.onTrusted(peer);
        assertNull(birthday.state(peer).round(), "a trusted path ends the round");
        assertFalse(birthday.state(peer).coolingDown());
    }

    @Test
    void theEasySideStopsSprayingOnceDirect() {
        assertTrue(birthday.consider(peer, peerDisco, HARD, hardEndpoints, false, true));
        advance(Birthday.TICK_NANOS);
        host.trusted.put(peer, ep("203.0.113.103", 2000));
        advance(20 * Birthday.TICK_NANOS);
        assertEquals(2 * Birthday.PROBES_PER_TICK, host.main.size());
    }

    @Test
    void theWinningSocketIsPinnedKeptAndTheOthersClosed() {
        assertTrue(birthday.consider(peer, peerDisco, EASY, easyEndpoints, true, false));
        FakeSocket winner = sockets.opened.get(77);
        assertEquals(Birthday.Pin.NOT_OURS, birthday.onSideDisco(winner, key(), easyPublic),
                "a socket of another peer's round");
        assertEquals(Birthday.Pin.PINNED_NOW, birthday.onSideDisco(winner, peer, easyPublic));
        assertEquals(Birthday.Pin.PINNED, birthday.onSideDisco(winner, peer, easyPublic));
        assertSame(winner, birthday.pinnedSocket(easyPublic));
        assertTrue(birthday.anyPinned());
        // our magicsock answers the peer through the pinned socket
        byte[] pong = new DiscoMessage.Pong(new byte[12], easyPublic).encode();
        host.sendMain(pong, easyPublic);
        assertTrue(winner.sent.getLast().message() instanceof DiscoMessage.Pong);
        // a pong to the round's ping, on a round socket, from the target: a probe answer
        DiscoMessage.Ping ping = (DiscoMessage.Ping) winner.sent.getFirst().message();
        assertTrue(birthday.probePong(peer, ping.txid(), easyPublic, winner) >= 0);
        assertEquals(-1, birthday.probePong(peer, ping.txid(), easyPublic, null), "not on the main socket");
        host.trusted.put(peer, easyPublic);
        birthday.onTrusted(peer);
        assertEquals(1, sockets.openCount(), "the winner stays open, the other 255 close");
        assertTrue(winner.isOpen());
        assertEquals(Integer.valueOf(winner.port), birthday.state(peer).keptPort());
        assertSame(winner, birthday.pinnedSocket(easyPublic));

        // while the path stays trusted the socket stays; once it has not been for KEPT_IDLE it closes
        advance(Birthday.KEPT_IDLE_NANOS + Birthday.SWEEP_NANOS);
        assertTrue(winner.isOpen());
        host.trusted.remove(peer);
        advance(Birthday.KEPT_IDLE_NANOS + 2 * Birthday.SWEEP_NANOS);
        assertFalse(winner.isOpen());
        assertNull(birthday.pinnedSocket(easyPublic));
        assertFalse(birthday.anyPinned());
        assertNull(birthday.state(peer).keptPort());
    }

    @Test
    void removingThePeerOrANetworkChangeClosesEverything() {
        assertTrue(birthday.consider(peer, peerDisco, EASY, easyEndpoints, true, false));
        NodeKey other = key();
        assertTrue(birthday.consider(other, peerDisco, EASY, easyEndpoints, true, false));
        assertEquals(2 * Birthday.SOCKETS, sockets.openCount());
        NodeKey third = key();
        assertFalse(birthday.consider(third, peerDisco, EASY, easyEndpoints, true, false),
                "at most " + Birthday.MAX_HARD_ROUNDS + " hard rounds at once");
        birthday.retain(Set.of(other));
        assertEquals(Birthday.SOCKETS, sockets.openCount(), "the removed peer's round closed");
        assertNull(birthday.state(peer).round());
        birthday.onSideDisco(sockets.opened.get(Birthday.SOCKETS + 3), other, easyPublic);
        birthday.reset();
        assertEquals(0, sockets.openCount());
        assertFalse(birthday.anyPinned());
        assertTrue(birthday.consider(other, peerDisco, EASY, easyEndpoints, true, false), "no cool-down after reset");
    }

    @Test
    void socketsThatCannotOpenLimitTheRoundInsteadOfFailingIt() {
        sockets.failAfter = 10;
        assertTrue(birthday.consider(peer, peerDisco, EASY, easyEndpoints, true, false));
        assertEquals(10, birthday.state(peer).openSockets());
        birthday.close();
        sockets.opened.clear();
        sockets.failAfter = 0;
        Birthday none = new Birthday(clock, scheduler, sockets, host, new Random(1));
        assertFalse(none.consider(peer, peerDisco, EASY, easyEndpoints, true, false), "no socket at all");
        assertTrue(none.state(peer).coolingDown());
    }

    @Test
    void publicV4() {
        assertTrue(Birthday.publicV4(InetAddress.ofLiteral("203.0.113.7")));
        assertTrue(Birthday.publicV4(InetAddress.ofLiteral("8.8.8.8")));
        for (String a : List.of("10.1.2.3", "192.168.1.1", "172.16.0.1", "100.64.0.1", "100.127.255.254",
                "127.0.0.1", "169.254.1.1", "0.0.0.0", "224.0.0.1", "2001:db8::1")) {
            assertFalse(Birthday.publicV4(InetAddress.ofLiteral(a)), a);
        }
        assertTrue(Birthday.publicV4(InetAddress.ofLiteral("100.128.0.1")));
    }
}
