package dev.warren.relay;

import dev.warren.crypto.Box;
import dev.warren.crypto.X25519;
import dev.warren.relay.client.RelayClient;
import dev.warren.relay.client.RelayClientConfig;
import dev.warren.relay.server.RelayServer;
import dev.warren.relay.server.RelayServerConfig;
import dev.warren.wire.MalformedMessageException;
import dev.warren.wire.control.RelayMap;
import dev.warren.wire.key.PrivateKey;
import dev.warren.wire.key.PublicKey;
import dev.warren.wire.relay.RelayFrame;
import dev.warren.wire.relay.RelayInfo;
import dev.warren.wire.time.Clock;
import dev.warren.wire.time.ExecutorScheduler;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Helpers for relay tests on loopback with real time: a scheduler to close, clients that record what they hear,
 * and a raw client that speaks the protocol by hand (to send what a well-behaved client never would).
 */
public final class RelayTestKit implements AutoCloseable {
    public final ExecutorScheduler scheduler = new ExecutorScheduler("relay-test");
    private final List<AutoCloseable> closeables = new ArrayList<>();

    public RelayServerConfig config() {
        return RelayServerConfig.of("127.0.0.1", 0, X25519.generatePrivateKey(), Clock.system(), scheduler);
    }

    public RelayServer start(RelayServerConfig cfg) throws IOException {
        RelayServer s = RelayServer.start(cfg);
        closeables.add(s);
        return s;
    }

    public static RelayMap.RelayNode node(RelayServer s) {
        return node(s.address(), false);
    }

    public static RelayMap.RelayNode node(InetSocketAddress a, boolean tls) {
        return new RelayMap.RelayNode("test", "localhost", a.getAddress().getHostAddress(), null, a.getPort(), 0, tls);
    }

    /** A packet, a PeerGone or a connection event, as a recording listener saw it. */
    public record Event(String kind, PublicKey peer, byte[] data, int reason) {
    }

    /** A client that records everything into {@link #events}. */
    public final class Recorder implements RelayClient.Listener {
        public final PrivateKey key = X25519.generatePrivateKey();
        public final PublicKey pub = X25519.publicKey(key);
        public final BlockingQueue<Event> packets = new LinkedBlockingQueue<>();
        public final BlockingQueue<Event> events = new LinkedBlockingQueue<>();
        public final CountDownLatch admitted = new CountDownLatch(1);
        public RelayClient client;

        /** Packets delivered so far, and how many had been delivered at the last {@link #packetsEnd()}. */
        public final java.util.concurrent.atomic.AtomicLong delivered = new java.util.concurrent.atomic.AtomicLong();
        public final java.util.concurrent.atomic.AtomicLong deliveredAtEnd = new java.util.concurrent.atomic.AtomicLong();
        public final java.util.concurrent.atomic.AtomicLong ends = new java.util.concurrent.atomic.AtomicLong();

        @Override
        public void packet(PublicKey src, byte[] b, int off, int len) {
            packets.add(new Event("packet", src, Arrays.copyOfRange(b, off, off + len), 0));
            delivered.incrementAndGet();
        }

        @Override
        public void packetsEnd() {
            ends.incrementAndGet();
            deliveredAtEnd.set(delivered.get());
        }

        @Override
        public void peerGone(PublicKey peer, int reason) {
            events.add(new Event("gone", peer, null, reason));
        }

        @Override
        public void connected() {
            admitted.countDown();
            events.add(new Event("connected", null, null, 0));
        }

        @Override
        public void disconnected(String why) {
            events.add(new Event("disconnected:" + why, null, null, 0));
        }

        public Event nextPacket() throws InterruptedException {
            Event e = packets.poll(10, TimeUnit.SECONDS);
            if (e == null) {
                fail("no packet within 10 s");
            }
            return e;
        }

        /** The next event whose kind starts with {@code prefix}, skipping others. */
        public Event nextEvent(String prefix) throws InterruptedException {
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (System.nanoTime() < end) {
                Event e = events.poll(100, TimeUnit.MILLISECONDS);
                if (e != null && e.kind().startsWith(prefix)) {
                    return e;
                }
            }
            fail("no '" + prefix + "' event within 10 s");
            return null;
        }
    }

    /** Starts a recording client against {@code s} and waits until the relay admitted it. */
    public Recorder connect(RelayServer s) throws InterruptedException {
        Recorder r = new Recorder();
        return connect(r, node(s), null);
    }

    public Recorder connect(Recorder r, RelayMap.RelayNode node, javax.net.ssl.SSLContext tls)
            throws InterruptedException {
        r.client = RelayClient.start(new RelayClientConfig(node, r.key, null, tls, Clock.system(), scheduler), r);
        closeables.add(r.client);
        assertTrue(r.admitted.await(10, TimeUnit.SECONDS), "client not admitted within 10 s");
        return r;
    }

    public static void await(String what, BooleanSupplier cond) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!cond.getAsBoolean()) {
            if (System.nanoTime() > end) {
                fail("timed out waiting for " + what);
            }
            Thread.sleep(10);
        }
    }

    /** A hand-driven client: raw HTTP, raw frames. */
    public static final class Raw implements AutoCloseable {
        public final Socket socket;
        public final InputStream in;
        public final OutputStream out;
        public final PrivateKey key = X25519.generatePrivateKey();
        public final PublicKey pub = X25519.publicKey(key);
        public PublicKey serverKey;

        public Raw(InetSocketAddress a) throws IOException {
            socket = new Socket();
            socket.connect(a, 5000);
            socket.setSoTimeout(10_000);
            in = new BufferedInputStream(socket.getInputStream());
            out = socket.getOutputStream();
        }

        public void write(String s) throws IOException {
            out.write(s.getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
        }

        public void write(byte[] b) throws IOException {
            out.write(b);
            out.flush();
        }

        /** Everything until the server closes. */
        public String readAll() throws IOException {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }

        /** Upgrade and read ServerKey. */
        public Raw upgrade() throws IOException, MalformedMessageException {
            write("GET /relay HTTP/1.1\r\nHost: x\r\nUpgrade: warren-relay\r\nConnection: Upgrade\r\n\r\n");
            Http1.Head h = Http1.readHead(in);
            assertTrue(h.startLine().startsWith("HTTP/1.1 101"), h.startLine());
            serverKey = ((RelayFrame.ServerKey) next()).serverKey();
            return this;
        }

        /** ClientInfo sealed with {@code sealer} (our own key for an honest client). */
        public Raw hello(PrivateKey sealer, byte[] meshKey) throws Exception {
            byte[] nonce = Box.randomNonce();
            byte[] sealed = Box.precompute(sealer, serverKey).seal(nonce, RelayInfo.Client.of(meshKey).toJson());
            write(new RelayFrame.ClientInfo(pub, nonce, sealed).encode());
            return this;
        }

        /** The full handshake, up to and including ServerInfo. */
        public Raw handshake() throws Exception {
            upgrade().hello(key, null);
            RelayFrame f = next();
            assertTrue(f instanceof RelayFrame.ServerInfo, "expected ServerInfo, got " + f);
            return this;
        }

        public RelayFrame next() throws IOException, MalformedMessageException {
            byte[] f = FrameIo.readFrame(in);
            return RelayFrame.decode(FrameIo.type(f), ByteBuffer.wrap(f, 5, f.length - 5));
        }

        /** The next frame of {@code type}, skipping others (KeepAlive, ...). */
        public RelayFrame next(Class<? extends RelayFrame> type) throws IOException, MalformedMessageException {
            while (true) {
                RelayFrame f = next();
                if (type.isInstance(f)) {
                    return f;
                }
            }
        }

        public void send(PublicKey dst, byte[] packet) throws IOException {
            write(new RelayFrame.SendPacket(dst, packet).encode());
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }

    public Raw raw(RelayServer s) throws IOException {
        Raw r = new Raw(s.address());
        closeables.add(r);
        return r;
    }

    @Override
    public void close() throws Exception {
        for (AutoCloseable c : closeables.reversed()) {
            try {
                c.close();
            } catch (Exception ignored) {
                // best effort
            }
        }
        scheduler.close();
    }

    public static byte[] bytes(int n, int seed) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) (seed + i);
        }
        return b;
    }

    /** A packet that passes {@code DiscoFrame.looksLikeDisco}. */
    public static byte[] discoPacket(int seed) {
        byte[] b = bytes(100, seed);
        System.arraycopy(dev.warren.wire.disco.DiscoFrame.magic(), 0, b, 0, 6);
        return b;
    }

    public static Duration seconds(int s) {
        return Duration.ofSeconds(s);
    }
}
