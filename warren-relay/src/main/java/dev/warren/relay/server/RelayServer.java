package dev.warren.relay.server;

import dev.warren.crypto.Box;
import dev.warren.crypto.X25519;
import dev.warren.relay.FrameIo;
import dev.warren.relay.Http1;
import dev.warren.relay.RelayProtocol;
import dev.warren.wire.MalformedMessageException;
import dev.warren.wire.key.NodeKey;
import dev.warren.wire.key.PublicKey;
import dev.warren.wire.relay.RelayFrame;
import dev.warren.wire.relay.RelayInfo;
import dev.warren.wire.time.Scheduler;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * A Warren relay: forwards already-encrypted packets between clients addressed by node public key.
 *
 * <p>Flow of one connection (a virtual thread each; the accept loop has its own): 1. HTTP/1.1 head, at most
 * {@link RelayProtocol#MAX_HTTP_HEAD} bytes within the handshake timeout: {@code GET /healthz} answers 200,
 * {@code GET /relay} without {@code Upgrade: warren-relay} answers 426, other paths 404, garbage 400 — each with a
 * body saying what was expected. 2. {@code 101 Switching Protocols} with the relay's key in {@code Relay-Key},
 * then the ServerKey frame. 3. ClientInfo within the same timeout: the box must open with the key the frame claims
 * (proof of possession); a mesh key in it must equal ours (constant-time) and makes the client a privileged mesh
 * peer; other clients must pass {@link Admission}. A refused client gets a Health frame saying why and the
 * connection is closed. 4. The connection is registered in the {@link Router}, gets ServerInfo (sealed to its key:
 * protocol version and its rate limit) and from then on is a {@link ClientConn}: reader on this thread, writer on
 * another. 5. When it ends the router sends the PeerGone notices.
 *
 * <p>Around that: a {@link StunServer} on UDP of the same host (when configured), a {@link MeshLink} to every
 * other relay of the region, and a sweep every {@value #SWEEP_MS} ms on the injected scheduler that drops clients
 * whose writes are stuck past the write deadline. Limits: {@code maxClients} admitted clients, and that many plus
 * {@value #HANDSHAKE_ALLOWANCE} connections in the handshake at once; a peer's bytes can end only its own
 * connection.
 */
public final class RelayServer implements AutoCloseable {
    static final int SWEEP_MS = 500;
    static final int HANDSHAKE_ALLOWANCE = 256;
    private static final Logger LOG = Logger.getLogger(RelayServer.class.getName());

    private final RelayServerConfig cfg;
    private final PublicKey publicKey;
    private final ServerSocket listener;
    private final StunServer stun;
    private final Router router;
    private final List<MeshLink> mesh = new ArrayList<>();
    private final AtomicInteger open = new AtomicInteger();
    private final AtomicLong connIds = new AtomicLong();
    private final AtomicLong refused = new AtomicLong();
    private final PeerLog peerLog;
    private final Object sweepLock = new Object();
    // guarded by sweepLock
    private Scheduler.Task sweep;
    // guarded by sweepLock
    private boolean closed;

    private RelayServer(RelayServerConfig cfg, ServerSocket listener, StunServer stun) {
        this.cfg = cfg;
        this.publicKey = X25519.publicKey(cfg.privateKey());
        this.listener = listener;
        this.stun = stun;
        this.router = new Router(cfg.maxClients());
        this.peerLog = new PeerLog(LOG, cfg.clock());
    }

    /** Binds the TCP port (and the STUN port), starts accepting and dials the mesh peers. */
    public static RelayServer start(RelayServerConfig cfg) throws IOException {
        InetAddress addr = InetAddress.getByName(cfg.host());
        ServerSocket ss = cfg.tls() != null ? cfg.tls().getServerSocketFactory().createServerSocket()
                : new ServerSocket();
        StunServer stun = null;
        try {
            ss.setReuseAddress(true);
            ss.bind(new InetSocketAddress(addr, cfg.port()), 512);
            if (cfg.stunPort() != 0) {
                stun = StunServer.start(cfg.host(), Math.max(0, cfg.stunPort()));
            }
        } catch (IOException e) {
            ss.close();
            throw new IOException("cannot listen on " + cfg.host() + ":" + cfg.port() + ": " + e.getMessage(), e);
        }
        RelayServer s = new RelayServer(cfg, ss, stun);
        Thread.ofPlatform().daemon().name("relay-accept").start(s::acceptLoop);
        s.scheduleSweep();
        for (InetSocketAddress peer : cfg.meshWith()) {
            s.mesh.add(new MeshLink(s.router, peer, s.publicKey, cfg));
        }
        LOG.info("relay " + NodeKey.of(s.publicKey).shortString() + " listening on " + s.address().getAddress().getHostAddress() + ":" + s.address().getPort()
                + (cfg.tls() != null ? " (TLS)" : "") + (stun != null ? ", STUN on UDP " + stun.port() : "")
                + (cfg.admission().checksControl() ? ", admitting keys control " + cfg.admission().controlUrl()
                + " knows" : ", admitting every key that proves possession (no --control)"));
        return s;
    }

    /** The bound TCP address. */
    public InetSocketAddress address() {
        return (InetSocketAddress) listener.getLocalSocketAddress();
    }

    /** The bound STUN port, 0 when there is no STUN server. */
    public int stunPort() {
        return stun == null ? 0 : stun.port();
    }

    /** The relay's public key (clients learn it in the handshake). */
    public PublicKey publicKey() {
        return publicKey;
    }

    /** Counters: connections, packets, drops. */
    public Stats stats() {
        Router.Stats r = router.stats();
        long queueDrops = 0;
        for (ClientConn c : router.connections()) {
            queueDrops += c.dropped.get();
        }
        int links = (int) mesh.stream().filter(MeshLink::isConnected).count();
        return new Stats(r.clients(), r.meshPeers(), links, r.remoteKeys(), r.packetsIn(), r.delivered(),
                r.forwarded(), r.droppedRateLimit(), r.droppedUnknown(), queueDrops, r.notHereSent(), refused.get());
    }

    /**
     * Relay counters.
     *
     * @param clients          admitted client connections
     * @param meshPeersIn      mesh peers connected to us
     * @param meshLinksUp      our links to mesh peers that are up
     * @param remoteKeys       keys reachable through mesh peers
     * @param packetsIn        SendPacket and ForwardPacket frames received
     * @param delivered        packets queued to a local client
     * @param forwarded        packets sent on to a mesh peer
     * @param droppedRateLimit packets dropped by a client's rate limit
     * @param droppedUnknown   packets for keys neither here nor in the mesh
     * @param droppedQueue     packets dropped from full queues of connections still open
     * @param notHereSent      PeerGone(not here) notices sent
     * @param refused          connections refused in the handshake
     */
    public record Stats(int clients, int meshPeersIn, int meshLinksUp, int remoteKeys, long packetsIn,
                        long delivered, long forwarded, long droppedRateLimit, long droppedUnknown,
                        long droppedQueue, long notHereSent, long refused) {
    }

    /** Whether {@code key} is connected to this relay. */
    public boolean isLocal(PublicKey key) {
        return router.isLocal(key);
    }

    @Override
    public void close() {
        synchronized (sweepLock) {
            if (closed) {
                return;
            }
            closed = true;
            if (sweep != null) {
                sweep.cancel();
            }
        }
        try {
            listener.close();
        } catch (IOException ignored) {
            // closing anyway
        }
        if (stun != null) {
            stun.close();
        }
        for (MeshLink m : mesh) {
            m.close();
        }
        for (ClientConn c : router.connections()) {
            c.close("relay shutting down");
        }
    }

    private void scheduleSweep() {
        synchronized (sweepLock) {
            if (closed) {
                return;
            }
            sweep = cfg.scheduler().schedule(() -> {
                long now = cfg.clock().nanoTime();
                for (ClientConn c : router.connections()) {
                    c.checkWriteDeadline(now);
                }
                scheduleSweep();
            }, Duration.ofMillis(SWEEP_MS).toNanos());
        }
    }

    private void acceptLoop() {
        while (!listener.isClosed()) {
            Socket s;
            try {
                s = listener.accept();
            } catch (IOException e) {
                if (!listener.isClosed()) {
                    LOG.log(Level.WARNING, "relay: accept failed: " + e.getMessage());
                }
                continue;
            }
            if (open.incrementAndGet() > cfg.maxClients() + HANDSHAKE_ALLOWANCE) {
                open.decrementAndGet();
                refused.incrementAndGet();
                closeQuietly(s);
                continue;
            }
            Thread.ofVirtual().name("relay-conn").start(() -> {
                try {
                    handle(s);
                } catch (RuntimeException e) {
                    LOG.log(Level.WARNING, "relay: connection from " + s.getRemoteSocketAddress() + " failed", e);
                } finally {
                    closeQuietly(s);
                    open.decrementAndGet();
                }
            });
        }
    }

    private void handle(Socket s) {
        // The whole handshake (not just each read) must finish in time: a peer dripping one byte at a time must
        // not hold a connection slot. The deadline closes the socket; the blocked read then fails.
        java.util.concurrent.atomic.AtomicBoolean handshaking = new java.util.concurrent.atomic.AtomicBoolean(true);
        Scheduler.Task deadline = cfg.scheduler().schedule(() -> {
            if (handshaking.compareAndSet(true, false)) {
                closeQuietly(s);
            }
        }, cfg.handshakeTimeout().toNanos());
        try {
            handleHandshaken(s, handshaking);
        } finally {
            deadline.cancel();
        }
    }

    private void handleHandshaken(Socket s, java.util.concurrent.atomic.AtomicBoolean handshaking) {
        ClientConn c;
        try {
            s.setSoTimeout((int) cfg.handshakeTimeout().toMillis());
            s.setTcpNoDelay(true);
            s.setKeepAlive(true);
            // Small buffers: the HTTP head is read byte by byte and the handshake frames are small; afterwards
            // ClientConn reads through its own FrameReader and writes whole batches, which bypass these buffers.
            InputStream in = new BufferedInputStream(s.getInputStream(), 8 << 10);
            OutputStream out = new BufferedOutputStream(s.getOutputStream(), 8 << 10);
            if (!upgrade(in, out)) {
                return;
            }
            c = admit(s, in, out);
            if (c == null) {
                refused.incrementAndGet();
                return;
            }
            if (!handshaking.compareAndSet(true, false)) {
                refused.incrementAndGet();
                return;
            }
            if (!router.register(c)) {
                refused.incrementAndGet();
                refuse(s, out, "relay full: it serves at most " + cfg.maxClients() + " clients");
                return;
            }
            s.setSoTimeout(0);
        } catch (IOException | MalformedMessageException e) {
            refused.incrementAndGet();
            LOG.fine(() -> "relay: handshake with " + s.getRemoteSocketAddress() + " failed: " + e.getMessage());
            return;
        }
        try {
            c.start();
            c.readLoop(router, peerLog);
        } finally {
            router.unregister(c);
        }
    }

    /** Answers the HTTP request; true when it upgraded to the relay protocol (ServerKey sent). */
    private boolean upgrade(InputStream in, OutputStream out) throws IOException {
        Http1.Head head;
        try {
            head = Http1.readHead(in);
        } catch (Http1.BadHttpException e) {
            Http1.writeResponse(out, 400, "Bad Request", "bad request: " + e.getMessage() + "\n");
            return false;
        } catch (EOFException e) {
            return false;
        }
        String[] parts = head.startLine().split(" ");
        if (parts.length != 3 || !parts[2].startsWith("HTTP/1.")) {
            Http1.writeResponse(out, 400, "Bad Request", "bad request: the request line must be 'METHOD PATH HTTP/1.1'\n");
            return false;
        }
        String path = parts[1].contains("?") ? parts[1].substring(0, parts[1].indexOf('?')) : parts[1];
        if (!parts[0].equals("GET")) {
            Http1.writeResponse(out, 405, "Method Not Allowed", "only GET is served here\n");
            return false;
        }
        if (path.equals(RelayProtocol.HEALTH_PATH)) {
            Http1.writeResponse(out, 200, "OK", "ok\n");
            return false;
        }
        if (!path.equals(RelayProtocol.PATH)) {
            Http1.writeResponse(out, 404, "Not Found", "this is a Warren relay: clients connect with GET "
                    + RelayProtocol.PATH + " and 'Upgrade: " + RelayProtocol.UPGRADE + "'\n");
            return false;
        }
        String up = head.header("upgrade");
        if (up == null || !up.strip().toLowerCase(Locale.ROOT).equals(RelayProtocol.UPGRADE)) {
            String body = "GET " + RelayProtocol.PATH + " needs the header 'Upgrade: " + RelayProtocol.UPGRADE + "'"
                    + (up == null ? " (none was sent)" : " (got 'Upgrade: " + up + "')") + "\n";
            byte[] b = body.getBytes(StandardCharsets.UTF_8);
            out.write(("HTTP/1.1 426 Upgrade Required\r\nUpgrade: " + RelayProtocol.UPGRADE
                    + "\r\nConnection: Upgrade, close\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: "
                    + b.length + "\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
            out.write(b);
            out.flush();
            return false;
        }
        out.write(("HTTP/1.1 101 Switching Protocols\r\nUpgrade: " + RelayProtocol.UPGRADE
                + "\r\nConnection: Upgrade\r\n" + RelayProtocol.VERSION_HEADER + ": " + RelayInfo.PROTOCOL_VERSION
                + "\r\n" + RelayProtocol.KEY_HEADER + ": " + publicKey.toHex() + "\r\n\r\n")
                .getBytes(StandardCharsets.ISO_8859_1));
        out.write(new RelayFrame.ServerKey(publicKey).encode());
        out.flush();
        return true;
    }

    /** Reads ClientInfo and decides; the admitted connection (not yet started), or null after a refusal. */
    private ClientConn admit(Socket s, InputStream in, OutputStream out)
            throws IOException, MalformedMessageException {
        byte[] f = FrameIo.readFrame(in);
        RelayFrame frame = RelayFrame.decode(FrameIo.type(f),
                ByteBuffer.wrap(f, RelayFrame.HEADER_SIZE, FrameIo.payloadLength(f)));
        if (!(frame instanceof RelayFrame.ClientInfo(PublicKey key, byte[] nonce, byte[] sealed))) {
            return refuse(s, out, "handshake refused: the first frame must be ClientInfo, got "
                    + RelayFrame.typeName(frame.type()));
        }
        Box.SharedKey box;
        try {
            box = Box.precompute(cfg.privateKey(), key);
        } catch (InvalidKeyException e) {
            return refuse(s, out, "handshake refused: the client key is unusable (" + e.getMessage() + ")");
        }
        byte[] json = box.open(nonce, sealed);
        if (json == null) {
            return refuse(s, out, "handshake refused: the ClientInfo box does not open with the key it claims");
        }
        RelayInfo.Client info;
        try {
            info = RelayInfo.Client.fromJson(json);
        } catch (MalformedMessageException e) {
            return refuse(s, out, "handshake refused: " + e.getMessage());
        }
        boolean meshPeer = false;
        if (info.meshKey() != null) {
            byte[] theirs = info.meshKeyBytes();
            if (cfg.meshKey() == null || theirs == null || !MessageDigest.isEqual(theirs, cfg.meshKey())) {
                return refuse(s, out, "handshake refused: wrong mesh key");
            }
            meshPeer = true;
        } else {
            Admission.Decision d = cfg.admission().check(key);
            if (!d.allowed()) {
                return refuse(s, out, d.reason());
            }
        }
        ClientConn c = new ClientConn(connIds.incrementAndGet(), key, meshPeer, s, in, out, cfg,
                cfg.maxClients() + 1024);
        byte[] serverNonce = Box.randomNonce();
        RelayInfo.Server si = meshPeer ? new RelayInfo.Server(RelayInfo.PROTOCOL_VERSION, 0, 0)
                : new RelayInfo.Server(RelayInfo.PROTOCOL_VERSION, cfg.rateBytesPerSecond(), cfg.rateBurstBytes());
        c.enqueueControl(new RelayFrame.ServerInfo(serverNonce, box.seal(serverNonce, si.toJson())));
        LOG.fine(() -> "relay: admitted " + c.describe());
        return c;
    }

    private ClientConn refuse(Socket s, OutputStream out, String why) throws IOException {
        peerLog.info("relay: " + s.getRemoteSocketAddress() + ": " + why);
        out.write(new RelayFrame.Health(why).encode());
        out.flush();
        // Let the client read the Health frame before the connection goes: closing with unread input (packets it
        // sent right after ClientInfo) would reset the connection and could discard the frame in its buffer.
        try {
            s.shutdownOutput();
        } catch (SocketException | UnsupportedOperationException ignored) {
            // TLS sockets cannot half-close; draining below still gives the client time to read
        }
        try {
            s.setSoTimeout(500);
            InputStream in = s.getInputStream();
            byte[] sink = new byte[8192];
            for (int total = 0; total < (1 << 20); ) {
                int n = in.read(sink);
                if (n < 0) {
                    break;
                }
                total += n;
            }
        } catch (IOException ignored) {
            // timed out or reset: close anyway
        }
        return null;
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException ignored) {
            // closing anyway
        }
    }
}
