package dev.warren.magicsock;

import dev.warren.crypto.X25519;
import dev.warren.magicsock.birthday.Birthday;
import dev.warren.magicsock.birthday.SideSocket;
import dev.warren.magicsock.birthday.SideSockets;
import dev.warren.magicsock.relay.InMemoryRelay;
import dev.warren.testing.FakeClock;
import dev.warren.testing.ManualScheduler;
import dev.warren.wire.MalformedMessageException;
import dev.warren.wire.control.RelayMap;
import dev.warren.wire.datapath.Bind;
import dev.warren.wire.datapath.Endpoint;
import dev.warren.wire.datapath.PacketBuffer;
import dev.warren.wire.key.NodeKey;
import dev.warren.wire.key.PrivateKey;
import dev.warren.wire.stun.StunMessage;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Two whole magicsocks behind simulated NATs (an in-memory internet with two STUN servers, an easy router —
 * endpoint-independent mapping, port-preserving, filtering by address and port — and a hard router — a random
 * public port per destination, same filtering) and an in-memory relay, on fake time: netcheck finds out who is hard,
 * call-me-maybe carries it, the birthday round finds a direct path both ways, WireGuard flows through the winning
 * side socket in both directions and reaches the engine with the peer's synthetic source, and the round's other
 * sockets close. Hard↔hard opens nothing and stays relayed.
 */
class BirthdayMagicSockTest {
    static final InetSocketAddress STUN1 = new InetSocketAddress(InetAddress.ofLiteral("198.51.100.1"), 3478);
    static final InetSocketAddress STUN2 = new InetSocketAddress(InetAddress.ofLiteral("198.51.100.2"), 3478);
    static final RelayMap RELAYS = new RelayMap(List.of(new RelayMap.RelayRegion(1, "fra", "Frankfurt", List.of(
            new RelayMap.RelayNode("fra1", "relay.invalid", "198.51.100.1", null, 443, 3478, true),
            new RelayMap.RelayNode("fra2", "relay2.invalid", "198.51.100.2", null, 443, 3478, true)))));

    private final FakeClock clock = new FakeClock();
    private final ManualScheduler scheduler = new ManualScheduler(clock);
    private final InMemoryRelay hub = new InMemoryRelay();
    private final Internet net = new Internet();
    private final List<SimNode> nodes = new ArrayList<>();

    @AfterEach
    void close() throws Exception {
        for (SimNode n : nodes) {
            n.close();
        }
        net.close();
        hub.close();
    }

    // ------------------------------------------------------------------------------------------ the internet

    /** A NAT router: one public address, one private host behind it. */
    static final class Router {
        final boolean hard;
        final InetAddress publicIp;
        final InetAddress privateIp;
        final Random random;
        /** (private port, destination) → public port (hard), or private port → public port (easy). */
        final Map<Object, Integer> mappings = new HashMap<>();
        final Map<Integer, Integer> privateOf = new HashMap<>();
        /** public port → remotes it sent to (address-and-port-dependent filtering). */
        final Map<Integer, Set<InetSocketAddress>> sentTo = new HashMap<>();

        Router(boolean hard, String publicIp, String privateIp, long seed) {
            this.hard = hard;
            this.publicIp = InetAddress.ofLiteral(publicIp);
            this.privateIp = InetAddress.ofLiteral(privateIp);
            this.random = new Random(seed);
        }

        synchronized int outbound(int privatePort, InetSocketAddress dst) {
            Object key = hard ? List.of(privatePort, dst) : privatePort;
            Integer pub = mappings.get(key);
            if (pub == null) {
                if (hard) {
                    do {
                        pub = Birthday.PORT_MIN + random.nextInt(Birthday.PORT_MAX - Birthday.PORT_MIN + 1);
                    } while (privateOf.containsKey(pub));
                } else {
                    pub = privatePort;
                }
                mappings.put(key, pub);
                privateOf.put(pub, privatePort);
            }
            sentTo.computeIfAbsent(pub, k -> new HashSet<>()).add(dst);
            return pub;
        }

        /** The private port a datagram from {@code from} to public port {@code port} goes to, or -1 (dropped). */
        synchronized int inbound(int port, InetSocketAddress from) {
            Set<InetSocketAddress> s = sentTo.get(port);
            return s != null && s.contains(from) ? privateOf.get(port) : -1;
        }
    }

    /** Receives datagrams for one private socket. */
    interface Socket {
        void deliver(byte[] b, InetSocketAddress from);
    }

    /** Routers, sockets, STUN servers; datagrams are delivered on one thread, in order. */
    static final class Internet implements AutoCloseable {
        final Map<InetAddress, Router> byPublic = new ConcurrentHashMap<>();
        final Map<InetAddress, Router> byPrivate = new ConcurrentHashMap<>();
        final Map<InetSocketAddress, Socket> sockets = new ConcurrentHashMap<>();
        final ExecutorService wire = Executors.newSingleThreadExecutor();
        final AtomicInteger dropped = new AtomicInteger();

        void add(Router r) {
            byPublic.put(r.publicIp, r);
            byPrivate.put(r.privateIp, r);
        }

        void send(InetSocketAddress from, InetSocketAddress to, byte[] b) {
            wire.execute(() -> route(from, to, b));
        }

        private void route(InetSocketAddress fromPrivate, InetSocketAddress to, byte[] b) {
            Router src = byPrivate.get(fromPrivate.getAddress());
            InetSocketAddress from = new InetSocketAddress(src.publicIp, src.outbound(fromPrivate.getPort(), to));
            if (to.equals(STUN1) || to.equals(STUN2)) {
                try {
                    if (StunMessage.decode(ByteBuffer.wrap(b)) instanceof StunMessage.BindingRequest r) {
                        route2(to, from, new StunMessage.BindingSuccess(r.transactionId(), from).encode());
                    }
                } catch (MalformedMessageException e) {
                    dropped.incrementAndGet();
                }
                return;
            }
            route2(from, to, b);
        }

        /** From a public address to a public address: through the destination router's filter. */
        private void route2(InetSocketAddress from, InetSocketAddress to, byte[] b) {
            Router dst = byPublic.get(to.getAddress());
            int port = dst == null ? -1 : dst.inbound(to.getPort(), from);
            Socket s = port < 0 ? null : sockets.get(new InetSocketAddress(dst.privateIp, port));
            if (s == null) {
                dropped.incrementAndGet();
                return;
            }
            s.deliver(b, from);
        }

        @Override
        public void close() {
            wire.shutdownNow();
        }
    }

    /** A node's main socket on the simulated internet. */
    final class SimBind implements Bind {
        final InetAddress ip;
        volatile InetSocketAddress local;
        volatile LinkedBlockingQueue<Object[]> queue;

        SimBind(InetAddress ip) {
            this.ip = ip;
        }

        @Override
        public synchronized Opened open(int port) throws IOException {
            local = new InetSocketAddress(ip, port);
            LinkedBlockingQueue<Object[]> q = new LinkedBlockingQueue<>();
            queue = q;
            net.sockets.put(local, (b, from) -> q.add(new Object[]{b, from}));
            Receiver r = (bufs, max) -> {
                Object[] d;
                try {
                    d = q.take();
                } catch (InterruptedException e) {
                    throw new ClosedChannelException();
                }
                byte[] b = (byte[]) d[0];
                if (b.length == 0) {
                    q.add(d);
                    throw new ClosedChannelException();
                }
                bufs[0].copyFrom(b, 0, 0, b.length);
                bufs[0].set(0, b.length);
                bufs[0].setSource(Endpoint.of((InetSocketAddress) d[1]));
                return 1;
            };
            return new Opened(List.of(r), port);
        }

        @Override
        public void send(PacketBuffer[] bufs, int from, int count, Endpoint to) {
            for (int i = from; i < from + count; i++) {
                net.send(local, to.toInetSocketAddress(), bufs[i].toByteArray());
            }
        }

        @Override
        public void setMark(int mark) {
        }

        @Override
        public int batchSize() {
            return 1;
        }

        @Override
        public synchronized void close() {
            if (local != null) {
                net.sockets.remove(local);
                queue.add(new Object[]{new byte[0], null});
            }
        }
    }

    /** Side sockets on the simulated internet. */
    final class SimSideSockets implements SideSockets {
        final InetAddress ip;
        final AtomicInteger nextPort = new AtomicInteger(50_000);
        final Set<SideSocket> open = ConcurrentHashMap.newKeySet();
        final AtomicInteger sent = new AtomicInteger();

        SimSideSockets(InetAddress ip) {
            this.ip = ip;
        }

        @Override
        public SideSocket open(Receiver receiver) {
            InetSocketAddress local = new InetSocketAddress(ip, nextPort.getAndIncrement());
            SideSocket s = new SideSocket() {
                volatile boolean isOpen = true;

                @Override
                public int localPort() {
                    return local.getPort();
                }

                @Override
                public void send(byte[] datagram, InetSocketAddress to) throws IOException {
                    if (!isOpen) {
                        throw new ClosedChannelException();
                    }
                    sent.incrementAndGet();
                    net.send(local, to, datagram);
                }

                @Override
                public boolean isOpen() {
                    return isOpen;
                }

                @Override
                public void close() {
                    isOpen = false;
                    net.sockets.remove(local);
                    open.remove(this);
                }
            };
            open.add(s);
            net.sockets.put(local, (b, from) -> {
                if (s.isOpen()) {
                    receiver.datagram(s, b, from);
                }
            });
            return s;
        }
    }

    /** A magicsock behind a router, with reader threads playing the engine. */
    final class SimNode implements AutoCloseable {
        final PrivateKey key = X25519.generatePrivateKey();
        final NodeKey nodeKey = NodeKey.of(X25519.publicKey(key));
        final Router router;
        final SimBind udp;
        final SimSideSockets side;
        final InMemoryRelay.Link relay;
        final MagicSock sock;
        final LinkedBlockingQueue<Node.Received> received = new LinkedBlockingQueue<>();
        final List<Thread> readers = new ArrayList<>();

        SimNode(Router router) throws IOException {
            this.router = router;
            net.add(router);
            udp = new SimBind(router.privateIp);
            side = new SimSideSockets(router.privateIp);
            relay = hub.attach(nodeKey.publicKey());
            sock = new MagicSock(new MagicSock.Config(nodeKey, udp, relay, clock, scheduler,
                    () -> List.of(router.privateIp), null, null, side));
            Bind.Opened o = sock.bind().open(41641);
            for (Bind.Receiver r : o.receivers()) {
                readers.add(Thread.ofVirtual().start(() -> read(r)));
            }
            nodes.add(this);
        }

        private void read(Bind.Receiver r) {
            PacketBuffer[] bufs = {PacketBuffer.allocate(2048)};
            while (true) {
                try {
                    int n = r.receive(bufs, 1);
                    for (int i = 0; i < n; i++) {
                        received.add(new Node.Received(bufs[i].source(), bufs[i].toByteArray()));
                    }
                } catch (ClosedChannelException e) {
                    return;
                } catch (IOException e) {
                    // keep reading
                }
            }
        }

        void sendTo(SimNode peer, String tag) throws IOException {
            byte[] payload = tag.getBytes();
            byte[] pkt = new byte[16 + payload.length];
            pkt[0] = 4;
            System.arraycopy(payload, 0, pkt, 16, payload.length);
            PacketBuffer b = PacketBuffer.allocate(pkt.length);
            b.copyFrom(pkt, 0, 0, pkt.length);
            b.set(0, pkt.length);
            sock.bind().send(new PacketBuffer[]{b}, 0, 1, sock.endpointOf(peer.nodeKey));
        }

        Node.Received await(String tag) throws InterruptedException {
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (System.nanoTime() < end) {
                Node.Received r = received.poll(10, TimeUnit.MILLISECONDS);
                if (r != null && new String(r.bytes(), 16, r.bytes().length - 16).equals(tag)) {
                    return r;
                }
            }
            throw new AssertionError("packet " + tag + " never arrived");
        }

        void know(SimNode peer) {
            sock.setPeers(List.of(new PeerSpec(peer.nodeKey, peer.sock.discoKey(), 1, peer.sock.localEndpoints())));
        }

        @Override
        public void close() throws InterruptedException {
            sock.close();
            for (Thread t : readers) {
                t.join(2000);
            }
        }
    }

    // ------------------------------------------------------------------------------------------ helpers

    private void settle() throws InterruptedException {
        for (int i = 0; i < 3; i++) {
            hub.awaitIdle(2000);
            CountDown.drain(net.wire);
            Thread.sleep(5);
        }
    }

    /** Waits until the internet's delivery thread has handled everything queued so far. */
    static final class CountDown {
        static void drain(ExecutorService wire) throws InterruptedException {
            java.util.concurrent.CountDownLatch l = new java.util.concurrent.CountDownLatch(1);
            wire.execute(l::countDown);
            l.await(5, TimeUnit.SECONDS);
        }
    }

    private void advance(Duration d) throws InterruptedException {
        scheduler.advance(d);
        settle();
    }

    private static void await(String what, BooleanSupplier c) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!c.getAsBoolean()) {
            if (System.nanoTime() > end) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(2);
        }
    }

    /** Starts both nodes' netcheck and waits until each knows its NAT kind. */
    private void netcheck(SimNode... ns) throws InterruptedException {
        for (SimNode n : ns) {
            n.sock.setRelayMap(RELAYS);
        }
        advance(Duration.ZERO);
        for (SimNode n : ns) {
            await("netcheck on " + n.router.publicIp, () -> n.sock.lastReport() != null
                    && n.sock.lastReport().mappingVariesByDestIP() != null);
            assertEquals(n.router.hard, n.sock.lastReport().mappingVariesByDestIP(), "netcheck's NAT verdict");
        }
    }

    // ------------------------------------------------------------------------------------------ tests

    @Test
    void easyAndHardFindADirectPathThroughTheWinningSideSocket() throws Exception {
        SimNode easy = new SimNode(new Router(false, "203.0.113.2", "10.2.0.2", 1));
        SimNode hard = new SimNode(new Router(true, "203.0.113.3", "10.3.0.2", 2));
        netcheck(easy, hard);
        easy.know(hard);
        hard.know(easy);

        // the first packet goes through the relay and starts the heartbeats: call-me-maybe both ways
        easy.sendTo(hard, "first");
        assertEquals(hard.sock.endpointOf(easy.nodeKey), hard.await("first").source());
        hard.sendTo(easy, "reply");
        easy.await("reply");
        settle();
        assertEquals(Birthday.SOCKETS, hard.side.nextPort.get() - 50_000, "the hard side opened its round's sockets");
        assertEquals(0, easy.side.nextPort.get() - 50_000, "the easy side opens no side socket");

        // pace the spray on fake time; a miss (≈ 2 %) cools down 30 s and the next call-me-maybe retries
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        int step = 0;
        while (!(easy.sock.pathOf(hard.nodeKey).isDirect() && hard.sock.pathOf(easy.nodeKey).isDirect())) {
            assertTrue(System.nanoTime() < deadline, "no direct path: easy→hard " + easy.sock.pathOf(hard.nodeKey)
                    .describe() + ", hard→easy " + hard.sock.pathOf(easy.nodeKey).describe());
            if (++step % 20 == 0) {
                easy.sendTo(hard, "keep" + step); // keeps both peers active (heartbeats, call-me-maybe)
                hard.sendTo(easy, "keep" + step);
            }
            advance(Duration.ofNanos(Birthday.TICK_NANOS));
        }
        InetSocketAddress easyToHard = easy.sock.pathOf(hard.nodeKey).direct();
        InetSocketAddress hardToEasy = hard.sock.pathOf(easy.nodeKey).direct();
        assertEquals(new InetSocketAddress(InetAddress.ofLiteral("203.0.113.2"), 41641), hardToEasy);
        assertEquals(InetAddress.ofLiteral("203.0.113.3"), easyToHard.getAddress());
        int privatePort = hard.router.privateOf.get(easyToHard.getPort());
        assertTrue(privatePort >= 50_000, "the easy side reaches a side socket (private port " + privatePort + ")");

        // the round ends: only the winner stays open
        advance(Duration.ofNanos(Birthday.SWEEP_NANOS));
        await("the round's other sockets close", () -> hard.side.open.size() == 1);
        assertEquals(1, hard.sock.sideSocketsOpen());
        assertEquals(Integer.valueOf(privatePort), hard.sock.birthdayState(easy.nodeKey).keptPort());

        // WireGuard both ways over the direct path, with synthetic sources, nothing through the relay
        long relayEasy = easy.relay.sent();
        int sideSent = hard.side.sent.get();
        hard.sendTo(easy, "via-side");
        Node.Received r = easy.await("via-side");
        assertEquals(easy.sock.endpointOf(hard.nodeKey), r.source(), "a verified direct packet maps to the peer");
        assertTrue(hard.side.sent.get() > sideSent, "the hard side's packet left through its side socket");
        easy.sendTo(hard, "to-side");
        Node.Received back = hard.await("to-side");
        assertEquals(hard.sock.endpointOf(easy.nodeKey), back.source(),
                "WireGuard received on the side socket reaches the engine with the synthetic source");
        settle();
        assertEquals(relayEasy, easy.relay.sent(), "the easy side's packet went only direct");

        // closing magicsock closes the kept socket
        hard.sock.close();
        assertTrue(hard.side.open.isEmpty());
    }

    @Test
    void hardAndHardOpenNothingAndStayRelayed() throws Exception {
        SimNode a = new SimNode(new Router(true, "203.0.113.4", "10.4.0.2", 3));
        SimNode b = new SimNode(new Router(true, "203.0.113.5", "10.5.0.2", 4));
        netcheck(a, b);
        a.know(b);
        b.know(a);
        a.sendTo(b, "first");
        b.await("first");
        b.sendTo(a, "reply");
        a.await("reply");
        for (int i = 0; i < 40; i++) {
            advance(Duration.ofMillis(250));
        }
        a.sendTo(b, "later");
        b.await("later");
        assertFalse(a.sock.pathOf(b.nodeKey).isDirect());
        assertFalse(b.sock.pathOf(a.nodeKey).isDirect());
        assertEquals(0, a.side.nextPort.get() - 50_000, "hard↔hard opens no side socket");
        assertEquals(0, b.side.nextPort.get() - 50_000);
        assertNotNull(a.sock.birthdayState(b.nodeKey));
        assertNull(a.sock.birthdayState(b.nodeKey).round());
    }
}
