package dev.warren.relay.client;

import dev.warren.crypto.Box;
import dev.warren.crypto.X25519;
import dev.warren.relay.FrameIo;
import dev.warren.relay.FrameReader;
import dev.warren.relay.Http1;
import dev.warren.relay.RelayProtocol;
import dev.warren.relay.TokenBucket;
import dev.warren.wire.MalformedMessageException;
import dev.warren.wire.key.NodeKey;
import dev.warren.wire.key.PublicKey;
import dev.warren.wire.relay.RelayFrame;
import dev.warren.wire.datapath.PacketBuffer;
import dev.warren.wire.relay.RelayInfo;
import dev.warren.wire.time.Scheduler;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.InvalidKeyException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * A connection to one relay that stays up until closed: node code sends packets to peers by public key and gets
 * theirs through a {@link Listener}.
 *
 * <p>Flow of one connection (a virtual thread per attempt): 1. dial the node's IPv4, IPv6 or resolved host (TLS
 * if the node says so); 2. {@code GET /relay} with {@code Upgrade: warren-relay}, expect 101 and the relay's key
 * in {@code Relay-Key}; 3. read ServerKey (must match the header); 4. send ClientInfo — our public key and a box
 * sealed with our private key to the relay's key — then NotePreferred if set and, for a mesh client, WatchConns;
 * from here {@link #send} works (the relay reads our packets after it has admitted us); 5. the reader loop: ServerInfo
 * (opened with the same box key: admission done, {@link Listener#connected()}, the relay's rate limit adopted),
 * RecvPacket, PeerGone, PeerPresent, Ping (answered), Pong, Health, KeepAlive; unknown frames are skipped. When
 * the connection ends — error, the relay closing, nothing heard for {@link RelayProtocol#CLIENT_SILENCE} — the
 * listener hears {@link Listener#disconnected} and a new attempt is scheduled on the injected scheduler with
 * jittered exponential back-off (100 ms doubling to 5 s), until {@link #close()}.
 *
 * <p>Sending never blocks: {@link #send} encodes a SendPacket straight into the connection's write buffer (at most
 * {@value #SEND_QUEUE} frames and 2 MiB waiting); a writer thread swaps the buffer out and writes all of it with
 * one call. A full buffer, no connection, or the relay's advertised rate limit makes {@code send} return false
 * (the packet is dropped, as a UDP socket would); the batch form takes an engine batch under one lock.
 * Receiving: the reader parses every frame of each read from one reused buffer ({@link FrameReader}), hands
 * packets to the listener straight from it and calls {@link Listener#packetsEnd()} before it blocks again.
 * Threads: one reader and one writer (virtual) per connection; listener callbacks run on the reader.
 * {@link #lock} guards the connection slot, the closed flag and the back-off state.
 */
public final class RelayClient implements AutoCloseable {
    /** Frames a connection queues for writing before {@link #send} returns false. */
    public static final int SEND_QUEUE = 1024;
    private static final Logger LOG = Logger.getLogger(RelayClient.class.getName());
    private static final int DIAL_TIMEOUT_MS = 5000;
    private static final Duration BACKOFF_MIN = Duration.ofMillis(100);
    private static final Duration BACKOFF_MAX = Duration.ofSeconds(5);

    /** What a client hears. Callbacks run on the connection's reader thread and should be quick. */
    public interface Listener {
        /** A packet from {@code src}: {@code len} bytes of {@code b} at {@code off}, valid during the call only. */
        void packet(PublicKey src, byte[] b, int off, int len);

        /** {@code peer} left the relay (reason 0) or is not connected there (reason 1). */
        default void peerGone(PublicKey peer, int reason) {
        }

        /** Mesh clients only: {@code peer} is connected to the relay. */
        default void peerPresent(PublicKey peer) {
        }

        /**
         * The reader is about to wait for more bytes after one or more {@link #packet} calls: a listener that
         * gathers packets hands them on here, one batch per read instead of one hand-off per packet. Default:
         * nothing.
         */
        default void packetsEnd() {
        }

        /** The relay admitted us (ServerInfo arrived). */
        default void connected() {
        }

        /** The connection ended; another attempt follows unless the client was closed. */
        default void disconnected(String why) {
        }
    }

    private final RelayClientConfig cfg;
    private final Listener listener;
    private final PublicKey publicKey;
    private final String name;
    private final Object lock = new Object();
    // guarded by lock
    private boolean closed;
    // guarded by lock (written); read without it
    private volatile Conn conn;
    // guarded by lock
    private int failures;
    // guarded by lock
    private Scheduler.Task retry;
    private volatile boolean preferred;
    private final Map<Long, CompletableFuture<Void>> pings = new ConcurrentHashMap<>();

    private RelayClient(RelayClientConfig cfg, Listener listener) {
        this.cfg = cfg;
        this.listener = listener;
        this.publicKey = X25519.publicKey(cfg.privateKey());
        this.name = cfg.node().name() != null ? cfg.node().name() : cfg.node().host();
    }

    /** Starts connecting in the background; reconnects until {@link #close()}. Never throws for network errors. */
    public static RelayClient start(RelayClientConfig cfg, Listener listener) {
        RelayClient c = new RelayClient(cfg, java.util.Objects.requireNonNull(listener, "listener"));
        Thread.ofVirtual().name("relay-client-" + c.name).start(c::runOnce);
        return c;
    }

    /** Sends {@code len} bytes of {@code packet} at {@code off} to {@code dst}; false when not sent. */
    public boolean send(PublicKey dst, byte[] packet, int off, int len) {
        Conn c = conn;
        if (c == null || len < 0 || len > RelayFrame.MAX_PACKET_SIZE) {
            return false;
        }
        return c.offerPacket(null, dst, packet, off, len);
    }

    /**
     * Sends the packets {@code bufs[from, from+count)} (each its {@code [offset, offset+length)}) to {@code dst} in
     * order, under one lock and with at most one wake-up of the writer; returns how many were queued (the first
     * ones: a packet that does not fit — queue full, over the rate limit — ends the batch). Zero when not connected.
     */
    public int send(PublicKey dst, PacketBuffer[] bufs, int from, int count) {
        Conn c = conn;
        if (c == null) {
            return 0;
        }
        return c.offerPackets(dst, bufs, from, count);
    }

    /**
     * Mesh clients only: asks the relay to deliver a packet from {@code src} to its local client {@code dst}
     * (a ForwardPacket); false when not sent.
     */
    public boolean forward(PublicKey src, PublicKey dst, byte[] packet, int off, int len) {
        Conn c = conn;
        if (c == null || cfg.meshKey() == null || len < 0 || len > RelayFrame.MAX_PACKET_SIZE) {
            return false;
        }
        return c.offerPacket(src, dst, packet, off, len);
    }

    /** Whether a connection is up (ClientInfo sent; sending works). */
    public boolean isConnected() {
        return conn != null;
    }

    /** Tells the relay whether it is this node's home (statistics); remembered across reconnects. */
    public void notePreferred(boolean home) {
        preferred = home;
        Conn c = conn;
        if (c != null) {
            c.offer(new RelayFrame.NotePreferred(home).encode());
        }
    }

    /** Round trip of a Ping over the relay connection; IOException when not connected or no Pong in time. */
    public Duration ping(Duration timeout) throws IOException {
        Conn c = conn;
        if (c == null) {
            throw new IOException("not connected to relay " + name);
        }
        byte[] data = new byte[RelayFrame.PING_SIZE];
        ThreadLocalRandom.current().nextBytes(data);
        long id = ByteBuffer.wrap(data).getLong();
        CompletableFuture<Void> f = new CompletableFuture<>();
        pings.put(id, f);
        long t0 = cfg.clock().nanoTime();
        try {
            if (!c.offer(new RelayFrame.Ping(data).encode())) {
                throw new IOException("relay " + name + ": send queue full");
            }
            f.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
            return Duration.ofNanos(cfg.clock().nanoTime() - t0);
        } catch (TimeoutException e) {
            throw new IOException("relay " + name + ": no pong within " + timeout.toMillis() + " ms");
        } catch (ExecutionException e) {
            throw new IOException("relay " + name + ": " + e.getCause().getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted");
        } finally {
            pings.remove(id);
        }
    }

    /** The relay's public key, null until connected. */
    public PublicKey serverKey() {
        Conn c = conn;
        return c == null ? null : c.serverKey;
    }

    /** This client's public key. */
    public PublicKey publicKey() {
        return publicKey;
    }

    @Override
    public void close() {
        Conn c;
        synchronized (lock) {
            if (closed) {
                return;
            }
            closed = true;
            if (retry != null) {
                retry.cancel();
            }
            c = conn;
            conn = null;
        }
        if (c != null) {
            c.close();
            failPings("client closed");
            notify(() -> listener.disconnected("client closed"));
        }
    }

    private void runOnce() {
        Conn c = null;
        String why;
        try {
            c = dial();
            synchronized (lock) {
                if (closed) {
                    c.close();
                    return;
                }
                conn = c;
            }
            c.startWriter();
            readLoop(c);
            why = "connection ended";
        } catch (IOException | MalformedMessageException | GeneralSecurityException e) {
            why = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        } catch (RuntimeException e) {
            why = "unexpected " + e;
            LOG.log(Level.WARNING, "relay client " + name + ": " + why, e);
        }
        boolean wasCurrent;
        synchronized (lock) {
            wasCurrent = c != null && conn == c;
            if (wasCurrent) {
                conn = null;
            }
        }
        if (c != null) {
            c.close();
            if (c.health != null && !c.health.isEmpty()) {
                why = why + " (relay said: " + c.health + ")";
            }
        }
        String reason = why;
        LOG.fine(() -> "relay client " + name + ": " + reason);
        if (wasCurrent) {
            failPings(reason);
            notify(() -> listener.disconnected(reason));
        }
        scheduleRetry();
    }

    private void scheduleRetry() {
        synchronized (lock) {
            if (closed) {
                return;
            }
            long base = Math.min(BACKOFF_MAX.toNanos(), BACKOFF_MIN.toNanos() << Math.min(failures, 10));
            failures++;
            long delay = (long) (base * (0.5 + ThreadLocalRandom.current().nextDouble()));
            retry = cfg.scheduler().schedule(() -> Thread.ofVirtual().name("relay-client-" + name)
                    .start(this::runOnce), delay);
        }
    }

    private void failPings(String why) {
        for (CompletableFuture<Void> f : pings.values()) {
            f.completeExceptionally(new IOException(why));
        }
    }

    private Conn dial() throws IOException, MalformedMessageException, GeneralSecurityException {
        var node = cfg.node();
        List<InetSocketAddress> addrs = new ArrayList<>();
        for (String ip : new String[]{node.ipv4(), node.ipv6()}) {
            if (ip != null && !ip.isBlank()) {
                addrs.add(new InetSocketAddress(InetAddress.ofLiteral(ip), node.port()));
            }
        }
        if (addrs.isEmpty()) {
            for (InetAddress a : InetAddress.getAllByName(node.host())) {
                addrs.add(new InetSocketAddress(a, node.port()));
            }
        }
        Socket s = null;
        IOException last = null;
        for (InetSocketAddress a : addrs) {
            Socket t = new Socket();
            try {
                t.connect(a, DIAL_TIMEOUT_MS);
                s = t;
                break;
            } catch (IOException e) {
                t.close();
                last = e;
            }
        }
        if (s == null) {
            throw new IOException("cannot connect to relay " + name + " at " + addrs + ": "
                    + (last == null ? "no address" : last.getMessage()));
        }
        try {
            return handshake(s);
        } catch (IOException | MalformedMessageException | GeneralSecurityException | RuntimeException e) {
            s.close();
            throw e;
        }
    }

    private Conn handshake(Socket plain) throws IOException, MalformedMessageException, GeneralSecurityException {
        var node = cfg.node();
        String host = node.host() != null ? node.host() : plain.getInetAddress().getHostAddress();
        Socket s = plain;
        s.setTcpNoDelay(true);
        s.setSoTimeout(DIAL_TIMEOUT_MS * 2);
        if (node.tls()) {
            SSLContext ctx = cfg.tls() != null ? cfg.tls() : SSLContext.getDefault();
            SSLSocket t = (SSLSocket) ctx.getSocketFactory().createSocket(plain, host, node.port(), true);
            SSLParameters p = t.getSSLParameters();
            p.setEndpointIdentificationAlgorithm("HTTPS");
            t.setSSLParameters(p);
            t.startHandshake();
            s = t;
        }
        // Small buffers for the handshake; afterwards the reader's FrameReader and the writer's whole-batch writes
        // bypass them.
        InputStream in = new BufferedInputStream(s.getInputStream(), 8 << 10);
        OutputStream out = new BufferedOutputStream(s.getOutputStream(), 8 << 10);
        out.write(("GET " + RelayProtocol.PATH + " HTTP/1.1\r\nHost: " + host + "\r\nUpgrade: "
                + RelayProtocol.UPGRADE + "\r\nConnection: Upgrade\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
        Http1.Head head = Http1.readHead(in);
        if (!head.startLine().matches("HTTP/1\\.1 101( .*)?")) {
            byte[] body = in.readNBytes(300);
            throw new IOException("relay " + name + " answered '" + head.startLine() + "': "
                    + new String(body, StandardCharsets.UTF_8).strip());
        }
        PublicKey headerKey;
        try {
            headerKey = PublicKey.fromHex(String.valueOf(head.header(RelayProtocol.KEY_HEADER)));
        } catch (IllegalArgumentException e) {
            throw new IOException("relay " + name + " sent no valid " + RelayProtocol.KEY_HEADER + " header");
        }
        byte[] f = FrameIo.readFrame(in);
        if (!(decode(f) instanceof RelayFrame.ServerKey(PublicKey serverKey)) || !serverKey.equals(headerKey)) {
            throw new IOException("relay " + name + " did not start with a ServerKey frame matching its "
                    + RelayProtocol.KEY_HEADER + " header");
        }
        Box.SharedKey box;
        try {
            box = Box.precompute(cfg.privateKey(), serverKey);
        } catch (InvalidKeyException e) {
            throw new IOException("relay " + name + " has an unusable key: " + e.getMessage());
        }
        byte[] nonce = Box.randomNonce();
        byte[] sealed = box.seal(nonce, RelayInfo.Client.of(cfg.meshKey()).toJson());
        out.write(new RelayFrame.ClientInfo(publicKey, nonce, sealed).encode());
        if (preferred) {
            out.write(new RelayFrame.NotePreferred(true).encode());
        }
        if (cfg.meshKey() != null) {
            out.write(new RelayFrame.WatchConns().encode());
        }
        out.flush();
        s.setSoTimeout((int) RelayProtocol.CLIENT_SILENCE.toMillis());
        return new Conn(s, in, out, serverKey, box, cfg.meshKey() != null ? SEND_QUEUE * 8 : SEND_QUEUE);
    }

    private void readLoop(Conn c) throws IOException, MalformedMessageException {
        PublicKey lastSrc = null;
        byte[] lastSrcBytes = new byte[RelayFrame.KEY_SIZE];
        FrameReader r = new FrameReader(c.in);
        boolean delivered = false;
        while (true) {
            if (delivered && !r.hasBufferedFrame()) {
                // the next frame needs a read that may block: let the listener hand on what it has gathered
                delivered = false;
                notify(listener::packetsEnd);
            }
            int type = r.next();
            byte[] b = r.buffer();
            int p = r.payloadOffset();
            int n = r.payloadLength();
            if (type == RelayFrame.TYPE_RECV_PACKET) {
                if (n < RelayFrame.KEY_SIZE) {
                    throw new MalformedMessageException("RecvPacket frame of " + n + " payload bytes is shorter than 32");
                }
                if (lastSrc == null || !Arrays.equals(b, p, p + RelayFrame.KEY_SIZE, lastSrcBytes, 0,
                        RelayFrame.KEY_SIZE)) {
                    System.arraycopy(b, p, lastSrcBytes, 0, RelayFrame.KEY_SIZE);
                    lastSrc = PublicKey.of(lastSrcBytes);
                }
                try {
                    listener.packet(lastSrc, b, p + RelayFrame.KEY_SIZE, n - RelayFrame.KEY_SIZE);
                } catch (RuntimeException e) {
                    LOG.log(Level.WARNING, "relay client " + name + ": listener failed", e);
                }
                delivered = true;
                continue;
            }
            RelayFrame f = RelayFrame.decode(type, ByteBuffer.wrap(b, p, n));
            switch (f) {
                case RelayFrame.ServerInfo(byte[] nonce, byte[] sealed) -> {
                    byte[] json = c.box.open(nonce, sealed);
                    if (json == null) {
                        throw new MalformedMessageException("the relay's ServerInfo box does not open");
                    }
                    RelayInfo.Server info = RelayInfo.Server.fromJson(json);
                    if (info.rateBytesPerSecond() > 0 && info.rateBurstBytes() > 0) {
                        c.rate = new TokenBucket(info.rateBytesPerSecond(), info.rateBurstBytes(), cfg.clock());
                    }
                    synchronized (lock) {
                        failures = 0;
                    }
                    LOG.fine(() -> "relay client " + name + ": admitted as " + NodeKey.of(publicKey).shortString());
                    notify(listener::connected);
                }
                case RelayFrame.PeerGone(PublicKey peer, int reason) -> notify(() -> listener.peerGone(peer, reason));
                case RelayFrame.PeerPresent(PublicKey peer, int flags) -> notify(() -> listener.peerPresent(peer));
                case RelayFrame.Ping(byte[] data) -> c.offer(new RelayFrame.Pong(data).encode());
                case RelayFrame.Pong(byte[] data) -> {
                    CompletableFuture<Void> waiting = pings.get(ByteBuffer.wrap(data).getLong());
                    if (waiting != null) {
                        waiting.complete(null);
                    }
                }
                case RelayFrame.Health(String text) -> {
                    c.health = text;
                    if (!text.isEmpty()) {
                        LOG.info("relay " + name + ": " + text);
                    }
                }
                default -> {
                    // KeepAlive (the read itself resets the silence timeout), frames for servers, unknown types
                }
            }
        }
    }

    private static RelayFrame decode(byte[] f) throws MalformedMessageException {
        return RelayFrame.decode(FrameIo.type(f), ByteBuffer.wrap(f, RelayFrame.HEADER_SIZE, FrameIo.payloadLength(f)));
    }

    private void notify(Runnable r) {
        try {
            r.run();
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "relay client " + name + ": listener failed", e);
        }
    }

    /**
     * One connection: its socket, streams, write buffers and writer thread.
     *
     * <p>Sending: callers encode each frame straight into {@link #pending} (one array, frames back to back) under
     * {@link #wlock}; the writer swaps it with {@link #spare} and writes the whole array with one call, so a burst
     * of packets costs one copy each and one system call in all. Only a caller that finds the buffer empty wakes
     * the writer (the writer is then waiting or about to swap). The buffer is bounded by {@link #depth} frames
     * and {@link #MAX_PENDING_BYTES} bytes (at least one frame always fits): beyond that, sends fail as on a full
     * queue.
     */
    private static final class Conn {
        /** Most bytes waiting to be written before sends fail (besides the frame count). */
        static final int MAX_PENDING_BYTES = 2 << 20;
        private static final int INITIAL_BUFFER = 16 << 10;

        final Socket socket;
        final InputStream in;
        final OutputStream out;
        final PublicKey serverKey;
        final Box.SharedKey box;
        final int depth;
        /** The relay's rate limit for our packets, null = none; set by the reader, used under {@link #wlock}. */
        volatile TokenBucket rate;
        /** The last Health text the relay sent; written by the reader. */
        volatile String health;
        private volatile Thread writer;

        private final ReentrantLock wlock = new ReentrantLock();
        private final Condition wready = wlock.newCondition();
        // guarded by wlock: frames waiting to be written, back to back in pending[0, pendingLen)
        private byte[] pending = new byte[INITIAL_BUFFER];
        // guarded by wlock
        private int pendingLen;
        // guarded by wlock
        private int pendingFrames;
        // guarded by wlock: the buffer the writer writes from while callers fill pending
        private byte[] spare = new byte[INITIAL_BUFFER];
        // guarded by wlock
        private boolean closed;

        Conn(Socket socket, InputStream in, OutputStream out, PublicKey serverKey, Box.SharedKey box, int depth) {
            this.socket = socket;
            this.in = in;
            this.out = out;
            this.serverKey = serverKey;
            this.box = box;
            this.depth = depth;
        }

        /** Queues an encoded control frame (never rate limited); false when the queue is full or closed. */
        boolean offer(byte[] frame) {
            wlock.lock();
            try {
                if (!reserveLocked(frame.length)) {
                    return false;
                }
                System.arraycopy(frame, 0, pending, pendingLen, frame.length);
                commitLocked(frame.length);
                return true;
            } finally {
                wlock.unlock();
            }
        }

        /**
         * Queues a SendPacket to {@code dst} ({@code src == null}; subject to the relay's rate limit) or a
         * ForwardPacket from {@code src} to {@code dst}, encoded straight into the write buffer.
         */
        boolean offerPacket(PublicKey src, PublicKey dst, byte[] packet, int off, int len) {
            int keys = src == null ? RelayFrame.KEY_SIZE : 2 * RelayFrame.KEY_SIZE;
            int frameLen = RelayFrame.HEADER_SIZE + keys + len;
            wlock.lock();
            try {
                if (src == null && !takeRateLocked(frameLen)) {
                    return false;
                }
                if (!reserveLocked(frameLen)) {
                    return false;
                }
                int p = putPacketHeaderLocked(src, dst, keys + len);
                System.arraycopy(packet, off, pending, p, len);
                commitLocked(frameLen);
                return true;
            } finally {
                wlock.unlock();
            }
        }

        /** Queues SendPackets for {@code bufs[from, from+count)}; returns how many were queued. */
        int offerPackets(PublicKey dst, PacketBuffer[] bufs, int from, int count) {
            wlock.lock();
            try {
                int done = 0;
                for (int i = from; i < from + count; i++) {
                    PacketBuffer b = bufs[i];
                    int len = b.length();
                    if (len > RelayFrame.MAX_PACKET_SIZE) {
                        break;
                    }
                    int frameLen = RelayFrame.HEADER_SIZE + RelayFrame.KEY_SIZE + len;
                    if (!takeRateLocked(frameLen) || !reserveLocked(frameLen)) {
                        break;
                    }
                    int p = putPacketHeaderLocked(null, dst, RelayFrame.KEY_SIZE + len);
                    b.copyTo(b.offset(), pending, p, len);
                    commitLocked(frameLen);
                    done++;
                }
                return done;
            } finally {
                wlock.unlock();
            }
        }

        private boolean takeRateLocked(int frameLen) {
            TokenBucket r = rate;
            return r == null || r.tryTake(frameLen);
        }

        /** Makes room for a frame of {@code n} bytes; false when closed or the queue is full. */
        private boolean reserveLocked(int n) {
            if (closed || pendingFrames >= depth || (pendingLen > 0 && pendingLen + n > MAX_PENDING_BYTES)) {
                return false;
            }
            if (pendingLen + n > pending.length) {
                pending = java.util.Arrays.copyOf(pending, Math.max(pendingLen + n, 2 * pending.length));
            }
            return true;
        }

        /** Writes a packet frame's header and keys at the end of the buffer; returns where the packet goes. */
        private int putPacketHeaderLocked(PublicKey src, PublicKey dst, int payloadLen) {
            int p = pendingLen;
            FrameIo.writeHeader(pending, p, src == null ? RelayFrame.TYPE_SEND_PACKET
                    : RelayFrame.TYPE_FORWARD_PACKET, payloadLen);
            p += RelayFrame.HEADER_SIZE;
            if (src != null) {
                src.copyTo(pending, p);
                p += RelayFrame.KEY_SIZE;
            }
            dst.copyTo(pending, p);
            return p + RelayFrame.KEY_SIZE;
        }

        private void commitLocked(int n) {
            boolean wasEmpty = pendingLen == 0;
            pendingLen += n;
            pendingFrames++;
            if (wasEmpty) {
                wready.signal();
            }
        }

        void startWriter() {
            writer = Thread.ofVirtual().name("relay-client-writer").start(() -> {
                try {
                    while (true) {
                        byte[] b;
                        int n;
                        wlock.lock();
                        try {
                            while (pendingLen == 0 && !closed) {
                                wready.await();
                            }
                            if (closed) {
                                return;
                            }
                            b = pending;
                            n = pendingLen;
                            pending = spare;
                            spare = b;
                            pendingLen = 0;
                            pendingFrames = 0;
                        } finally {
                            wlock.unlock();
                        }
                        out.write(b, 0, n);
                        out.flush();
                    }
                } catch (IOException | InterruptedException e) {
                    close();
                }
            });
        }

        void close() {
            wlock.lock();
            try {
                closed = true;
                wready.signalAll();
            } finally {
                wlock.unlock();
            }
            try {
                socket.close();
            } catch (IOException ignored) {
                // closing anyway
            }
            Thread w = writer;
            if (w != null) {
                w.interrupt();
            }
        }
    }
}
