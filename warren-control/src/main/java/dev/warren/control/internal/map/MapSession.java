package dev.warren.control.internal.map;

import dev.warren.channel.ControlConnection;
import dev.warren.control.internal.state.Change;
import dev.warren.control.internal.state.NodeEntry;
import dev.warren.control.internal.state.Snapshot;
import dev.warren.policy.CompiledPolicy;
import dev.warren.wire.control.ControlJson;
import dev.warren.wire.control.ErrorMessage;
import dev.warren.wire.control.MapResponse;
import dev.warren.wire.control.Node;
import dev.warren.wire.control.RelayMap;
import dev.warren.wire.filter.FilterRule;

import java.io.IOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One map session of one node: what the node has been told, what is pending, and the writer that sends it.
 *
 * <p>Flow: 1. the state publishes a change → {@link #offer} merges it into {@code pending} (O(1), never blocks on
 * the network) and wakes the writer; 2. the writer drains {@code pending}, resolves each node id against the newest
 * snapshot into a removal, a whole node or a patch, stamps the next sequence number, appends the encoded message to
 * the backlog — all under {@link #lock} — and 3. sends it outside the lock; 4. it sleeps the batch interval — longer
 * with many sessions ({@link MapHub#batchDelayMillis}) — so that changes arriving meanwhile merge into the next
 * message. A change after a quiet period goes out at once; under a storm (10,000 nodes coming online) each session
 * sends a few messages a second instead of twenty, each carrying more patches.
 *
 * <p>Access policy: a peer is in the node's map only while it is visible (authorized, unexpired) and the domain's
 * compiled policy lets the node see it ({@link MapHub#canSee}), checked against the newest snapshot whenever a
 * change of that peer is resolved — so a peer the policy hides never leaks through a patch or a change. A
 * {@link Change#PEERS} change of the node itself makes the writer compare {@code known} with the policy's peer list
 * (added peers as peersChanged, hidden ones as peersRemoved); a {@link Change#FILTER} change sends the node's new
 * filter as {@code packetFilter} — to a client of capability version 3 or later only.
 *
 * <p>Invariants: {@code known} is exactly the peer set of the last message in the backlog (as the node sees it after
 * applying every message up to {@code seq}); a message is in the backlog before it is sent; only the writer of the
 * attached connection builds messages, and it rechecks {@code conn} under the lock first, so a resume that
 * replays the backlog cannot miss a message being built.
 *
 * <p>Concurrency: every field below is guarded by {@link #lock}; {@link #offer} is called with the state's write lock
 * held (lock order: state lock, then session lock).
 */
public final class MapSession {
    private record Sent(long seq, byte[] bytes) {
    }

    /** Deltas of at least this many bytes are compressed for a session that accepts it. */
    static final int DEFLATE_ABOVE = 1024;

    /** Bytes of sent messages kept per session for resumption: 10,000 sessions keep at most 160 MB. */
    static final int BACKLOG_BYTES = 16 * 1024;

    final String handle;
    final long nodeId;
    final long domainId;
    /** The node accepts compressed messages (its MapRequest asked for DEFLATE). */
    final boolean deflate;
    /** The node's capability version: 3 and later receive packet filters. */
    final int version;
    private final MapHub hub;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition wake = lock.newCondition();

    // guarded by lock
    private LinkedHashMap<Long, Integer> pending = new LinkedHashMap<>();
    // guarded by lock: clock nanos when pending became non-empty
    private long pendingSince;
    // guarded by lock
    private boolean keepAliveDue;
    // guarded by lock
    private final KnownPeers known = new KnownPeers();
    // guarded by lock
    private final ArrayDeque<Sent> backlog = new ArrayDeque<>();
    // guarded by lock: sum of the backlog's message sizes
    private long backlogBytes;
    // guarded by lock
    private long seq;
    // guarded by lock: the attached connection, or null while detached
    private ControlConnection conn;
    // guarded by lock
    private long detachedAt;
    // guarded by lock
    private long lastSendAt;
    // guarded by lock: discarded; never attaches again
    private boolean closed;
    // guarded by lock: the relay map changed since the last message; the next delta carries it
    private boolean relayMapDue;

    MapSession(MapHub hub, String handle, long nodeId, long domainId, boolean deflate, int version) {
        this.hub = hub;
        this.deflate = deflate;
        this.version = version;
        this.handle = handle;
        this.nodeId = nodeId;
        this.domainId = domainId;
    }

    public String handle() {
        return handle;
    }

    private static Integer or(Integer a, Integer b) {
        return a | b;
    }

    /** Merges one change into the pending set. */
    void offer(Change c) {
        lock.lock();
        try {
            if (closed) {
                return;
            }
            if (pending.isEmpty()) {
                pendingSince = hub.clock().nanoTime();
                wake.signal(); // only on the first change: the writer waits only while nothing is pending
            }
            pending.merge(c.nodeId(), c.flags(), MapSession::or);
        } finally {
            lock.unlock();
        }
    }

    /** The relay map changed (called under the state lock, like {@link #offer}): the next delta carries it. */
    void relayMapChanged() {
        lock.lock();
        try {
            if (closed) {
                return;
            }
            if (pending.isEmpty() && !relayMapDue) {
                pendingSince = hub.clock().nanoTime();
            }
            relayMapDue = true;
            wake.signal();
        } finally {
            lock.unlock();
        }
    }

    /** What a full map is made of, collected under the state lock and encoded after it ({@link #encodeFull}). */
    record Full(NodeEntry self, List<NodeEntry> peers, byte[] envelope, long collectNanos) {
    }

    /**
     * Starts the session on {@code c} with a full map of {@code s}: collects the peers and sets {@code known};
     * called under the state lock. The full map is not kept in the backlog (a node that missed it gets a new one).
     */
    Full startFull(ControlConnection c, Snapshot s, NodeEntry self) {
        lock.lock();
        try {
            long t0 = hub.clock().nanoTime();
            List<NodeEntry> peers = MapHub.peersOf(s, self, known);
            seq = 1;
            byte[] env = MapEncoder.fullEnvelope(handle, seq, self, hub.settings(s, domainId), hub.relayMap(),
                    MapHub.filterFor(version, s, self), hub.now());
            relayMapDue = false; // the full map carries the current relay map
            conn = c;
            lastSendAt = hub.clock().nanoTime();
            return new Full(self, peers, env, lastSendAt - t0);
        } finally {
            lock.unlock();
        }
    }

    /** Encodes (and compresses, if the node accepts it) full map {@code f}; outside every lock. */
    byte[] encodeFull(Full f) {
        long t0 = hub.clock().nanoTime();
        byte[] bytes = deflate ? hub.deflater().full(f.envelope(), f.self(), f.peers())
                : MapEncoder.full(f.envelope(), f.peers());
        hub.metrics().fullMapBuilt(f.collectNanos() + hub.clock().nanoTime() - t0);
        return bytes;
    }

    /**
     * Attaches {@code c} to resume after {@code lastSeq}: returns the messages to replay (possibly none), or null
     * when the backlog no longer holds everything after {@code lastSeq} or holds compressed messages the node
     * no longer accepts ({@code acceptsDeflate}) or were made for another capability version ({@code newVersion});
     * the caller then starts a full map.
     */
    List<byte[]> tryResume(ControlConnection c, long lastSeq, boolean acceptsDeflate, int newVersion) {
        lock.lock();
        try {
            if (closed || lastSeq > seq || lastSeq < 0 || (deflate && !acceptsDeflate) || newVersion != version) {
                return null;
            }
            List<byte[]> replay = new ArrayList<>();
            if (lastSeq < seq) {
                if (backlog.isEmpty() || backlog.peekFirst().seq > lastSeq + 1) {
                    return null;
                }
                for (Sent m : backlog) {
                    if (m.seq > lastSeq) {
                        replay.add(m.bytes);
                    }
                }
            }
            ControlConnection old = conn;
            conn = c;
            keepAliveDue = false;
            lastSendAt = hub.clock().nanoTime();
            wake.signalAll();
            if (old != null && old != c) {
                old.close(); // a node resuming its own session takes it over
            }
            return replay;
        } finally {
            lock.unlock();
        }
    }

    /** The connection's stream ended; keep the session for resumption. */
    void detach(ControlConnection c) {
        lock.lock();
        try {
            if (conn == c) {
                conn = null;
                detachedAt = hub.clock().nanoTime();
                wake.signalAll();
            }
        } finally {
            lock.unlock();
        }
    }

    /** Timer work: flags a keep-alive when idle; returns true when the session should be discarded. */
    boolean tick(long now, long keepAliveNanos, long retentionNanos) {
        lock.lock();
        try {
            if (closed) {
                return true;
            }
            if (conn == null) {
                if (now - detachedAt >= retentionNanos) {
                    closed = true;
                    pending.clear();
                    return true;
                }
            } else if (now - lastSendAt >= keepAliveNanos) {
                keepAliveDue = true;
                wake.signal();
            }
            return false;
        } finally {
            lock.unlock();
        }
    }

    void discard() {
        lock.lock();
        try {
            closed = true;
            pending.clear();
            ControlConnection c = conn;
            conn = null;
            wake.signalAll();
            if (c != null) {
                c.close();
            }
        } finally {
            lock.unlock();
        }
    }

    boolean isDetached() {
        lock.lock();
        try {
            return conn == null;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Keeps message {@code seq} for resumption, within {@link #BACKLOG_BYTES}: older messages make room; a message
     * larger than the whole budget empties the backlog (a resume from before it gets a full map).
     */
    private void remember(byte[] bytes) {
        if (bytes.length > BACKLOG_BYTES) {
            backlog.clear();
            backlogBytes = 0;
            return;
        }
        backlog.addLast(new Sent(seq, bytes));
        backlogBytes += bytes.length;
        while (backlog.size() > hub.backlogMessages() || backlogBytes > BACKLOG_BYTES) {
            backlogBytes -= backlog.removeFirst().bytes.length;
        }
    }

    /** The writer of connection {@code c}: sends {@code initial}, then deltas and keep-alives until detached. */
    void writeLoop(ControlConnection c, List<byte[]> initial) {
        try {
            for (byte[] m : initial) {
                c.send(m);
                hub.metrics().mapMessageSent();
            }
            initial = null; // a full map is large: do not keep it for the stream's life
            while (true) {
                byte[] out;
                ErrorMessage end = null;
                boolean delta = false;
                long since = 0;
                lock.lock();
                try {
                    while (conn == c && !closed && pending.isEmpty() && !relayMapDue && !keepAliveDue) {
                        wake.await();
                    }
                    if (conn != c || closed) {
                        return;
                    }
                    if (!pending.isEmpty() || relayMapDue) {
                        since = pendingSince;
                        Map<Long, Integer> drained = pending;
                        pending = new LinkedHashMap<>(); // a new small table: a drained one may be large
                        Built b = buildLocked(hub.snapshot(), drained);
                        out = b.bytes;
                        end = b.end;
                        delta = out != null;
                    } else {
                        out = ControlJson.encode(MapResponse.keepAlive(handle, seq, hub.now()));
                    }
                    keepAliveDue = false;
                    if (out != null) {
                        lastSendAt = hub.clock().nanoTime();
                    }
                } finally {
                    lock.unlock();
                }
                if (out != null) {
                    c.send(out);
                    if (delta) {
                        hub.metrics().mapMessageSent();
                        hub.metrics().changeSent(hub.clock().nanoTime() - since);
                    } else {
                        hub.metrics().keepAliveSent();
                    }
                }
                if (end != null) {
                    c.send(ControlJson.encode(end));
                    hub.discard(this);
                    c.close();
                    return;
                }
                long pause = hub.batchDelayMillis();
                if (delta && pause > 0) {
                    Thread.sleep(pause);
                }
            }
        } catch (IOException | InterruptedException e) {
            c.close(); // the reader sees the close and detaches; the backlog keeps what was not delivered
        }
    }

    private record Built(byte[] bytes, ErrorMessage end) {
    }

    private Built buildLocked(Snapshot s, Map<Long, Integer> drained) {
        List<NodeEntry> changed = new ArrayList<>();
        List<Long> removed = new ArrayList<>();
        List<MapEncoder.Patch> patches = new ArrayList<>();
        Node self = null;
        ErrorMessage end = null;
        int selfFlags = 0;
        for (Map.Entry<Long, Integer> en : drained.entrySet()) {
            long id = en.getKey();
            int f = en.getValue();
            NodeEntry e = s.nodes().get(id);
            if (id == nodeId) {
                selfFlags = f;
                if (e == null || (f & Change.REMOVED) != 0) {
                    end = new ErrorMessage(401, "node_deleted", "this node was deleted by an administrator");
                } else if (!e.visible()) {
                    self = e.wire();
                    end = e.expired()
                            ? new ErrorMessage(401, "node_key_expired", "the node key has expired; log in again")
                            : new ErrorMessage(403, "node_not_authorized", "the node is not authorized");
                } else if ((f & ~(Change.ONLINE | Change.SELF_ONLY)) != 0) {
                    self = e.wire();
                }
                continue;
            }
            if ((f & Change.REMOVED) != 0 || e == null || e.domainId() != domainId || !e.visible()
                    || !MapHub.canSee(s, domainId, nodeId, id)) {
                if (known.remove(id)) {
                    removed.add(id);
                }
            } else if (!known.contains(id) || (f & Change.FULL) != 0) {
                known.add(id);
                changed.add(e);
            } else if ((f & (Change.ENDPOINTS | Change.ONLINE | Change.DISCO)) != 0) {
                patches.add(new MapEncoder.Patch(e, (f & Change.ENDPOINTS) != 0, (f & Change.ONLINE) != 0,
                        (f & Change.DISCO) != 0));
            }
        }
        List<FilterRule> filter = null;
        NodeEntry me = s.nodes().get(nodeId);
        if (end == null && me != null) {
            if ((selfFlags & Change.PEERS) != 0) {
                reconcileLocked(s, changed, removed);
            }
            if ((selfFlags & Change.FILTER) != 0 && version >= MapHub.FILTER_VERSION) {
                filter = MapHub.filterOf(s, me);
            }
        }
        RelayMap relays = relayMapDue ? hub.relayMap() : null;
        relayMapDue = false;
        if (self == null && changed.isEmpty() && removed.isEmpty() && patches.isEmpty() && relays == null
                && filter == null) {
            return new Built(null, end);
        }
        seq++;
        byte[] bytes = MapEncoder.delta(handle, seq, self, changed, removed, patches, relays, filter, hub.now());
        if (deflate && bytes.length >= DEFLATE_ABOVE) {
            bytes = hub.deflater().whole(bytes);
        }
        remember(bytes);
        return new Built(bytes, end);
    }

    /**
     * Brings {@code known} to the policy's peer list of this node in {@code s}: visible peers it lacks are added to
     * {@code changed}, known ones the policy no longer lets it see to {@code removed}. O(peers + known).
     */
    private void reconcileLocked(Snapshot s, List<NodeEntry> changed, List<Long> removed) {
        CompiledPolicy p = s.policy(domainId);
        long[] ids = p == null ? new long[0] : p.peersOf(nodeId);
        for (long id : ids) {
            if (id == nodeId || known.contains(id)) {
                continue;
            }
            NodeEntry e = s.nodes().get(id);
            if (e != null && e.domainId() == domainId && e.visible()) {
                known.add(id);
                changed.add(e);
            }
        }
        for (long id : known.ids()) {
            if (Arrays.binarySearch(ids, id) < 0) {
                known.remove(id);
                removed.add(id);
            }
        }
    }
}
