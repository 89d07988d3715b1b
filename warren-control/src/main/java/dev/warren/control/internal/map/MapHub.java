package dev.warren.control.internal.map;

import dev.warren.channel.ControlConnection;
import dev.warren.control.ControlException;
import dev.warren.control.internal.metrics.ControlMetrics;
import dev.warren.control.internal.state.AuthKeys;
import dev.warren.control.internal.state.Change;
import dev.warren.control.internal.state.ControlState;
import dev.warren.control.internal.state.NodeEntry;
import dev.warren.control.internal.state.Snapshot;
import dev.warren.wire.control.ControlSettings;
import dev.warren.wire.control.MapRequest;
import dev.warren.wire.control.MapResponse;
import dev.warren.wire.control.Node;
import dev.warren.policy.CompiledPolicy;
import dev.warren.wire.control.RelayMap;
import dev.warren.wire.filter.FilterRule;
import dev.warren.wire.time.Clock;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Registry of map sessions and fan-out of state changes to them.
 *
 * <p>Opening a stream: under the state's write lock, 1. check the node (registered to this machine, authorized,
 * unexpired); 2. resume the session named by the request's handle when its backlog still covers everything after
 * {@code lastSeq}, else create a session and collect its full map's peers from the same snapshot; 3. register it
 * for fan-out. Because the state publishes changes under that same lock, every change after the snapshot reaches
 * the session. 4. After the lock, encode the full map from the collected (immutable) entries.
 *
 * <p>Relay map: every full map carries the current one; {@link #setRelayMap} replaces it under the state's write
 * lock and flags every session, whose next delta carries the new map (a session opened under the same lock either
 * sees the new map in its full map or is flagged — never neither).
 *
 * <p>Access policy: a node's full map lists only the peers its domain's compiled policy lets it see
 * ({@link CompiledPolicy#peersOf}, precomputed by the compiler, so collecting them is O(peers), not O(nodes)) and,
 * for a client of capability version 3 or later, carries its packet filter. Fan-out sends a change to every
 * session of the node's domain, except changes that concern only the node itself ({@link Change#SELF_ONLY}: its
 * filter or its own peer set), which go to that node's sessions alone.
 *
 * <p>Concurrency: {@link #publish} and {@link #setRelayMap} run under the state's write lock; the maps are
 * concurrent so the tick and the protocol handler can read them without it; {@code relayMap} is volatile, written
 * only under the state lock.
 */
public final class MapHub {
    private final ControlState state;
    private final ControlMetrics metrics;
    // sessions by domain id, for fan-out
    private final Map<Long, Set<MapSession>> byDomain = new ConcurrentHashMap<>();
    private final Map<String, MapSession> byHandle = new ConcurrentHashMap<>();
    // sessions by node id, to retire a node's detached sessions in O(its sessions)
    private final Map<Long, Set<MapSession>> byNode = new ConcurrentHashMap<>();
    private final MapDeflater deflater = new MapDeflater();
    // written under the state's lock
    private volatile RelayMap relayMap;

    public MapHub(ControlState state, ControlMetrics metrics, RelayMap relayMap) {
        this.state = state;
        this.metrics = metrics;
        this.relayMap = relayMap == null ? new RelayMap(List.of()) : relayMap;
        state.setSink(this::publish);
    }

    public MapHub(ControlState state, ControlMetrics metrics) {
        this(state, metrics, null);
    }

    /** The relay map every full map carries. */
    public RelayMap relayMap() {
        return relayMap;
    }

    /** Replaces the relay map (the caller validated it) and sends it to every stream as a delta. */
    public void setRelayMap(RelayMap m) {
        state.withLock(s -> {
            relayMap = m;
            for (MapSession session : byHandle.values()) {
                session.relayMapChanged();
            }
            return null;
        });
    }

    Clock clock() {
        return state.clock();
    }

    Instant now() {
        return state.now();
    }

    Snapshot snapshot() {
        return state.snapshot();
    }

    MapDeflater deflater() {
        return deflater;
    }

    ControlMetrics metrics() {
        return metrics;
    }

    int backlogMessages() {
        return state.options().backlogMessages();
    }

    /** Sessions per millisecond of batch delay: 10,000 sessions batch for 250 ms, 2,000 or fewer for the interval. */
    static final int SESSIONS_PER_DELAY_MS = 40;

    /**
     * How long a writer waits after a delta before the next: the configured batch interval, or longer with many
     * sessions so that the number of messages a change storm costs stays about constant (0 disables batching).
     */
    long batchDelayMillis() {
        long interval = state.options().batchInterval().toMillis();
        return interval == 0 ? 0 : Math.max(interval, byHandle.size() / SESSIONS_PER_DELAY_MS);
    }

    ControlSettings settings(Snapshot s, long domainId) {
        return new ControlSettings(s.domains().get(domainId).name(), (int) state.options().keepAlive().toSeconds(),
                state.options().persistentKeepalive());
    }

    private void publish(Snapshot s, List<Change> changes) {
        for (Change c : changes) {
            Set<MapSession> sessions = (c.flags() & ~Change.SELF_ONLY) == 0 ? byNode.get(c.nodeId())
                    : byDomain.get(c.domain());
            if (sessions != null) {
                for (MapSession m : sessions) {
                    m.offer(c);
                }
            }
        }
    }

    /**
     * The visible peers of {@code self} in {@code s} that its domain's policy lets it see, in id order, adding their
     * ids to {@code known}. O(those peers).
     */
    static List<NodeEntry> peersOf(Snapshot s, NodeEntry self, KnownPeers known) {
        List<NodeEntry> peers = new ArrayList<>();
        long domain = self.domainId();
        CompiledPolicy p = s.policy(domain);
        if (p == null) {
            return peers;
        }
        for (long id : p.peersOf(self.id())) {
            NodeEntry e = s.nodes().get(id);
            if (e != null && e.domainId() == domain && id != self.id() && e.visible()) {
                peers.add(e);
                known.add(id);
            }
        }
        return peers;
    }

    /** Whether node {@code a} of domain {@code domain} may see node {@code b} under the policy in {@code s}. */
    static boolean canSee(Snapshot s, long domain, long a, long b) {
        CompiledPolicy p = s.policy(domain);
        return p != null && p.canSee(a, b);
    }

    /** The packet filter of {@code self} in {@code s}: empty (deny all) when its domain has no policy. */
    static List<FilterRule> filterOf(Snapshot s, NodeEntry self) {
        CompiledPolicy p = s.policy(self.domainId());
        return p == null ? List.of() : p.filterFor(self.id());
    }

    /** What a full map carries as packet filter for a client of capability {@code version}: null before 3. */
    static List<FilterRule> filterFor(int version, Snapshot s, NodeEntry self) {
        return version >= FILTER_VERSION ? filterOf(s, self) : null;
    }

    /** The first capability version that receives packet filters. */
    static final int FILTER_VERSION = 3;

    /** A full map for node {@code nodeId} from snapshot {@code s}, without a session (benchmarks, one-shot maps). */
    public MapResponse fullMap(Snapshot s, long nodeId) {
        NodeEntry self = s.nodes().get(nodeId);
        if (self == null) {
            throw new ControlException(401, "node_unknown", "nodeKey", "node " + nodeId + " no longer exists");
        }
        List<Node> peers = peersOf(s, self, new KnownPeers()).stream().map(NodeEntry::wire).toList();
        return MapResponse.full(null, 1, self.wire(), peers, settings(s, self.domainId()), relayMap,
                filterOf(s, self), now());
    }

    /** {@link #fullMap} encoded as a stream's first message is, from the entries' cached JSON. */
    public byte[] fullMapBytes(Snapshot s, long nodeId, String handle) {
        NodeEntry self = s.nodes().get(nodeId);
        if (self == null) {
            throw new ControlException(401, "node_unknown", "nodeKey", "node " + nodeId + " no longer exists");
        }
        List<NodeEntry> peers = peersOf(s, self, new KnownPeers());
        return MapEncoder.full(handle, 1, self, peers, settings(s, self.domainId()), relayMap, filterOf(s, self),
                now());
    }

    /** {@link #fullMapBytes} as a stream that accepts DEFLATE gets it. */
    public byte[] fullMapDeflated(Snapshot s, long nodeId, String handle) {
        NodeEntry self = s.nodes().get(nodeId);
        if (self == null) {
            throw new ControlException(401, "node_unknown", "nodeKey", "node " + nodeId + " no longer exists");
        }
        List<NodeEntry> peers = peersOf(s, self, new KnownPeers());
        return deflater.full(MapEncoder.fullEnvelope(handle, 1, self, settings(s, self.domainId()), relayMap,
                filterOf(s, self), now()), self, peers);
    }

    /** An open stream: its session, the node it serves, and its first messages until the writer takes them. */
    public record Stream(MapSession session, long nodeId, AtomicReference<List<byte[]>> initial) {
        Stream(MapSession session, long nodeId, List<byte[]> initial) {
            this(session, nodeId, new AtomicReference<>(initial));
        }
    }

    /** The node a map request may stream for, checked against {@code s}; throws ControlException otherwise. */
    public static NodeEntry checkNode(Snapshot s, dev.warren.wire.key.MachineKey machine, MapRequest r) {
        NodeEntry e = s.nodeByKey(r.nodeKey());
        if (e == null || !e.row().machineKey().equals(machine)) {
            throw new ControlException(401, "node_unknown", "nodeKey", "node key is not registered to this machine");
        }
        if (!e.row().authorized()) {
            throw new ControlException(403, "node_not_authorized", "nodeKey",
                    "the node awaits approval by an administrator");
        }
        if (e.expired()) {
            throw new ControlException(401, "node_key_expired", "nodeKey", "the node key has expired; log in again");
        }
        return e;
    }

    /** Opens (or resumes) a stream for {@code r} on {@code c}; the caller then runs {@link #run}. */
    public Stream open(ControlConnection c, dev.warren.wire.key.MachineKey machine, MapRequest r) {
        record Opened(MapSession session, long nodeId, List<byte[]> replay, MapSession.Full full) {
        }
        Opened o = state.withLock(s -> {
            NodeEntry self = checkNode(s, machine, r);
            if (r.sessionHandle() != null) {
                MapSession old = byHandle.get(r.sessionHandle());
                if (old != null && old.nodeId == self.id()) {
                    List<byte[]> replay = old.tryResume(c, r.lastSeq(), r.acceptsDeflate(), r.version());
                    if (replay != null) {
                        return new Opened(old, self.id(), replay, null);
                    }
                    discard(old);
                }
            }
            // One retained session per node: drop detached ones this new session replaces.
            Set<MapSession> mine = byNode.get(self.id());
            if (mine != null) {
                for (MapSession m : List.copyOf(mine)) {
                    if (m.isDetached()) {
                        discard(m);
                    }
                }
            }
            MapSession m = new MapSession(this, AuthKeys.randomId(16), self.id(), self.domainId(),
                    r.acceptsDeflate(), r.version());
            MapSession.Full full = m.startFull(c, s, self);
            byHandle.put(m.handle, m);
            byDomain.computeIfAbsent(self.domainId(), k -> ConcurrentHashMap.newKeySet()).add(m);
            byNode.computeIfAbsent(self.id(), k -> ConcurrentHashMap.newKeySet()).add(m);
            return new Opened(m, self.id(), null, full);
        });
        // Encoding a full map takes milliseconds at 10,000 peers: not under the state lock. Changes after the
        // snapshot are already pending in the session, and its writer starts only after this returns.
        List<byte[]> initial = o.full() == null ? o.replay() : List.of(o.session().encodeFull(o.full()));
        return new Stream(o.session(), o.nodeId(), initial);
    }

    /** Starts the writer of {@code stream} on connection {@code c}, on a new virtual thread. */
    public Thread run(ControlConnection c, Stream stream) {
        return Thread.ofVirtual().name("control-map-writer-" + stream.nodeId())
                .start(() -> stream.session().writeLoop(c, stream.initial().getAndSet(null)));
    }

    /** The stream on {@code c} ended. */
    public void detach(ControlConnection c, Stream stream) {
        stream.session().detach(c);
    }

    void discard(MapSession m) {
        m.discard();
        byHandle.remove(m.handle, m);
        Set<MapSession> set = byDomain.get(m.domainId);
        if (set != null) {
            set.remove(m);
        }
        Set<MapSession> mine = byNode.get(m.nodeId);
        if (mine != null) {
            mine.remove(m); // the (possibly empty) set stays: at most one per node, and no add/remove race
        }
    }

    /** Timer work: keep-alives for idle streams, discarding sessions detached longer than the retention. */
    public void tick() {
        long now = state.clock().nanoTime();
        long ka = state.options().keepAlive().toNanos();
        long ret = state.options().sessionRetention().toNanos();
        for (MapSession m : byHandle.values()) {
            if (m.tick(now, ka, ret)) {
                discard(m);
            }
        }
    }

    /** Sessions currently registered (attached or retained). */
    public int sessionCount() {
        return byHandle.size();
    }

    /** Ends every session (server shutdown). */
    public void closeAll() {
        for (MapSession m : byHandle.values()) {
            discard(m);
        }
    }
}
