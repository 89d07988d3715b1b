package dev.warren.control;

import dev.warren.channel.ControlConnection;
import dev.warren.channel.InMemoryConnections;
import dev.warren.wire.MalformedMessageException;
import dev.warren.wire.control.CapabilityVersion;
import dev.warren.wire.control.ControlJson;
import dev.warren.wire.control.ControlMessage;
import dev.warren.wire.control.ErrorMessage;
import dev.warren.wire.control.Hostinfo;
import dev.warren.wire.control.MapRequest;
import dev.warren.wire.control.MapResponse;
import dev.warren.wire.control.Node;
import dev.warren.wire.control.PeerPatch;
import dev.warren.wire.control.RegisterRequest;
import dev.warren.wire.control.RelayMap;
import dev.warren.wire.control.RegisterResponse;
import dev.warren.wire.control.UpdateRequest;
import dev.warren.wire.key.DiscoKey;
import dev.warren.wire.filter.FilterRule;
import dev.warren.wire.key.NodeKey;
import dev.warren.wire.key.PublicKey;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * A simulated node for tests: dials the server's protocol handler in memory, registers, streams the map and keeps
 * its view of the peers by applying each MapResponse exactly as a real node must.
 */
final class SimNode implements AutoCloseable {
    private static final java.util.concurrent.atomic.AtomicInteger NODES = new java.util.concurrent.atomic.AtomicInteger();
    /** Every other node asks for compressed map responses, so every scenario runs with both kinds of node. */
    private final String compress = NODES.getAndIncrement() % 2 == 0 ? MapRequest.DEFLATE : null;

    private static final Random SEEDS = new Random(42);

    final PublicKey machine;
    NodeKey nodeKey;
    final String hostname;
    private final ControlServer server;
    private ControlConnection conn;
    private Thread reader;
    private final LinkedBlockingQueue<ControlMessage> others = new LinkedBlockingQueue<>();

    // guarded by this: the node's view
    private final Map<Long, Node> peers = new HashMap<>();
    private Node self;
    private String session;
    private long lastSeq;
    private int fullMaps;
    private int messages;
    private final List<String> gaps = new ArrayList<>();
    private ErrorMessage lastError;
    private RelayMap relayMap;
    private int relayMaps;
    private int patches;
    private int discoPatches;
    private int wholeNodes;
    private List<FilterRule> filter;
    private int filters;
    private final List<Long> removals = new ArrayList<>();
    /** The capability version this node streams with (a test may pretend to be an older node). */
    volatile int version = CapabilityVersion.CURRENT;

    SimNode(ControlServer server, String hostname) {
        this.server = server;
        this.hostname = hostname;
        synchronized (SEEDS) {
            this.machine = randomKey(SEEDS);
            this.nodeKey = NodeKey.of(randomKey(SEEDS));
        }
    }

    static PublicKey randomKey(Random r) {
        byte[] b = new byte[32];
        r.nextBytes(b);
        return PublicKey.of(b);
    }

    ControlConnection connect() throws IOException {
        conn = InMemoryConnections.dialer(machine, server.publicKey(), server.connectionHandler()).connect();
        return conn;
    }

    ControlMessage request(ControlMessage m) throws IOException {
        if (conn == null || !conn.isOpen()) {
            connect();
        }
        conn.send(ControlJson.encode(m));
        try {
            return ControlJson.decode(conn.receive());
        } catch (MalformedMessageException e) {
            throw new IOException(e);
        }
    }

    /** Sends raw bytes on a fresh connection and returns the decoded reply. */
    ControlMessage requestRaw(byte[] bytes) throws IOException {
        connect();
        conn.send(bytes);
        try {
            return ControlJson.decode(conn.receive());
        } catch (MalformedMessageException e) {
            throw new IOException(e);
        }
    }

    RegisterRequest registerRequest(String authKey) {
        return new RegisterRequest(CapabilityVersion.CURRENT, nodeKey, null, authKey,
                new Hostinfo(hostname, "linux", "test"), false, null, null);
    }

    RegisterResponse register(String authKey) throws IOException {
        ControlMessage m = request(registerRequest(authKey));
        if (m instanceof RegisterResponse r) {
            return r;
        }
        throw new IOException("registration refused: " + m);
    }

    /** Registers again on a connection of its own, leaving the open map stream as it is (a re-login). */
    RegisterResponse registerBeside(String authKey) throws IOException {
        try (ControlConnection c = InMemoryConnections.dialer(machine, server.publicKey(), server.connectionHandler())
                .connect()) {
            c.send(ControlJson.encode(registerRequest(authKey)));
            ControlMessage m = ControlJson.decode(c.receive());
            if (m instanceof RegisterResponse r) {
                return r;
            }
            throw new IOException("registration refused: " + m);
        } catch (MalformedMessageException e) {
            throw new IOException(e);
        }
    }

    /** Opens a map stream on a fresh connection (resuming the previous session when {@code resume}). */
    void stream(boolean resume, List<String> endpoints) throws IOException {
        if (conn != null) {
            conn.close();
        }
        connect();
        String handle;
        long seq;
        synchronized (this) {
            handle = resume ? session : null;
            seq = resume ? lastSeq : 0;
        }
        ControlConnection c = conn;
        c.send(ControlJson.encode(new MapRequest(version, nodeKey, true, null, endpoints, handle,
                seq, compress)));
        reader = Thread.ofVirtual().start(() -> readLoop(c));
    }

    void update(List<String> endpoints) throws IOException {
        conn.send(ControlJson.encode(new UpdateRequest(endpoints, null)));
    }

    /** Sends an update of the version-2 fields. */
    void updateDisco(DiscoKey discoKey, Integer homeRelay) throws IOException {
        conn.send(ControlJson.encode(new UpdateRequest(null, null, homeRelay, discoKey)));
    }

    /** Opens a stream like {@link #stream} that also announces {@code discoKey} and {@code homeRelay}. */
    void streamWithDisco(DiscoKey discoKey, int homeRelay) throws IOException {
        if (conn != null) {
            conn.close();
        }
        connect();
        ControlConnection c = conn;
        c.send(ControlJson.encode(new MapRequest(CapabilityVersion.CURRENT, nodeKey, true, null,
                List.of("192.0.2.1:41641"), null, 0, compress, discoKey, homeRelay)));
        reader = Thread.ofVirtual().start(() -> readLoop(c));
    }

    void disconnect() {
        if (conn != null) {
            conn.close();
        }
        if (reader != null) {
            try {
                reader.join(5000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private void readLoop(ControlConnection c) {
        try {
            while (true) {
                ControlMessage m = ControlJson.decode(c.receive());
                if (m instanceof MapResponse r) {
                    apply(r);
                } else {
                    synchronized (this) {
                        if (m instanceof ErrorMessage e) {
                            lastError = e;
                        }
                        notifyAll();
                    }
                    others.add(m);
                }
            }
        } catch (IOException | MalformedMessageException e) {
            // stream ended
        }
    }

    private synchronized void apply(MapResponse r) {
        messages++;
        if (r.keepAlive()) {
            notifyAll();
            return;
        }
        if (r.isFull()) {
            fullMaps++;
            peers.clear();
            r.peers().forEach(p -> peers.put(p.id(), p));
        } else {
            if (!r.sessionHandle().equals(session) || r.seq() != lastSeq + 1) {
                gaps.add("got seq " + r.seq() + " of " + r.sessionHandle() + " after " + lastSeq + " of " + session);
            }
            if (r.peersRemoved() != null) {
                r.peersRemoved().forEach(peers::remove);
                removals.addAll(r.peersRemoved());
            }
            if (r.peersChanged() != null) {
                r.peersChanged().forEach(p -> peers.put(p.id(), p));
                wholeNodes += r.peersChanged().size();
            }
            if (r.peersChangedPatch() != null) {
                for (PeerPatch p : r.peersChangedPatch()) {
                    Node n = peers.get(p.nodeId());
                    if (n == null) {
                        gaps.add("patch for unknown peer " + p.nodeId());
                        continue;
                    }
                    peers.put(n.id(), p.applyTo(n));
                    patches++;
                    if (p.discoKey() != null || p.homeRelay() != null) {
                        discoPatches++;
                    }
                }
            }
        }
        if (r.node() != null) {
            self = r.node();
        }
        if (r.relayMap() != null) {
            relayMap = r.relayMap();
            relayMaps++;
        }
        if (r.packetFilter() != null) {
            filter = r.packetFilter();
            filters++;
        } else if (r.isFull()) {
            filter = null; // a full map without a filter: an older server's, or this node streams as version 2
        }
        session = r.sessionHandle();
        lastSeq = r.seq();
        notifyAll();
    }

    synchronized Map<Long, Node> peers() {
        return Map.copyOf(peers);
    }

    synchronized RelayMap relayMap() {
        return relayMap;
    }

    /** Messages that carried a relay map (full maps and deltas). */
    synchronized int relayMaps() {
        return relayMaps;
    }

    /** Peer patches applied, and how many of them carried a disco key or home relay. */
    synchronized int patches() {
        return patches;
    }

    synchronized int discoPatches() {
        return discoPatches;
    }

    /** Whole peers received in deltas ({@code peersChanged} entries). */
    synchronized int wholeNodes() {
        return wholeNodes;
    }

    /** The packet filter the node enforces (null: none received, as a version-2 node). */
    synchronized List<FilterRule> filter() {
        return filter;
    }

    /** Messages that carried a packet filter (full maps and deltas). */
    synchronized int filters() {
        return filters;
    }

    /** Every id the node received in peersRemoved, in order. */
    synchronized List<Long> removals() {
        return List.copyOf(removals);
    }

    synchronized Node self() {
        return self;
    }

    synchronized int fullMaps() {
        return fullMaps;
    }

    synchronized int messages() {
        return messages;
    }

    synchronized List<String> gaps() {
        return List.copyOf(gaps);
    }

    synchronized long lastSeq() {
        return lastSeq;
    }

    synchronized ErrorMessage lastError() {
        return lastError;
    }

    ControlMessage nextOther(Duration timeout) throws InterruptedException {
        return others.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Waits (real time, at most 10 s) until {@code p} holds for this node; fails with {@code what} otherwise. */
    synchronized void await(String what, Predicate<SimNode> p) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!p.test(this)) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                throw new AssertionError(hostname + ": timed out waiting for " + what + "; peers=" + peers.keySet()
                        + " self=" + (self == null ? null : self.id()) + " gaps=" + gaps + " error=" + lastError);
            }
            // re-check at least every 50 ms: the server's state may change without a message to this node
            wait(Math.max(1, Math.min(50, TimeUnit.NANOSECONDS.toMillis(left))));
        }
    }

    long id() {
        Node s = self();
        if (s == null) {
            throw new IllegalStateException(hostname + " has no self node yet");
        }
        return s.id();
    }

    @Override
    public void close() {
        disconnect();
    }

    static Instant past() {
        return Instant.ofEpochSecond(123);
    }
}
