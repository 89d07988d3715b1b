package dev.warren.node;

import dev.warren.channel.ConnectionHandler;
import dev.warren.channel.ControlConnection;
import dev.warren.wire.control.ControlJson;
import dev.warren.wire.control.ControlMessage;
import dev.warren.wire.control.ControlSettings;
import dev.warren.wire.control.ErrorMessage;
import dev.warren.wire.control.Hostinfo;
import dev.warren.wire.control.MapRequest;
import dev.warren.wire.control.MapResponse;
import dev.warren.wire.control.Node;
import dev.warren.wire.control.PeerPatch;
import dev.warren.wire.control.RegisterRequest;
import dev.warren.wire.control.RegisterResponse;
import dev.warren.wire.control.RelayMap;
import dev.warren.wire.control.UpdateRequest;
import dev.warren.wire.filter.FilterRule;
import dev.warren.wire.filter.PortRange;
import dev.warren.wire.key.MachineKey;
import dev.warren.wire.key.NodeKey;
import dev.warren.wire.net.IpPrefix;

import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A tiny control server for tests: registers nodes with the auth key "good" (refuses "expired" with the real
 * server's error), interactive logins that the test approves, and streams a full map then whatever deltas the test
 * pushes. It knows nothing of warren-control.
 */
final class FakeControl implements ConnectionHandler {
    static final String GOOD_KEY = "good";
    static final String EXPIRED_KEY = "expired";
    static final ControlSettings SETTINGS = new ControlSettings("example.warren", 60, 0);

    /** One live map stream. */
    final class Stream {
        final ControlConnection conn;
        final long nodeId;
        final String handle;
        long seq;

        Stream(ControlConnection conn, long nodeId, String handle) {
            this.conn = conn;
            this.nodeId = nodeId;
            this.handle = handle;
        }

        synchronized void send(MapResponse template) {
            seq++;
            MapResponse m = new MapResponse(handle, seq, false, template.node(), template.peers(),
                    template.peersChanged(), template.peersRemoved(), template.peersChangedPatch(),
                    template.settings(), Instant.EPOCH, template.relayMap(), template.packetFilter());
            try {
                conn.send(ControlJson.encode(m));
            } catch (IOException e) {
                streams.remove(this);
            }
        }
    }

    final Map<NodeKey, Node> nodes = new ConcurrentHashMap<>();
    final List<Stream> streams = new CopyOnWriteArrayList<>();
    final List<MapRequest> mapRequests = new CopyOnWriteArrayList<>();
    final List<RegisterRequest> registerRequests = new CopyOnWriteArrayList<>();
    final List<UpdateRequest> updates = new CopyOnWriteArrayList<>();
    /**
     * The packet filter every full map carries, by node id (absent: {@link #ALLOW_ALL}, as a domain without a
     * policy allows everything); {@link #setFilter} pushes a new one as a delta. A null value sends no filter at all
     * (a server older than capability version 3).
     */
    final Map<Long, java.util.Optional<List<FilterRule>>> filters = new ConcurrentHashMap<>();
    static final List<FilterRule> ALLOW_ALL = List.of(new FilterRule("allow-all",
            List.of(IpPrefix.parse("0.0.0.0/0"), IpPrefix.parse("::/0")), List.of(),
            List.of(PortRange.all(IpPrefix.parse("0.0.0.0/0")), PortRange.all(IpPrefix.parse("::/0")))));
    /** The relay map every full map carries; {@link #setRelayMap} pushes a new one as a delta. */
    volatile RelayMap relayMap = new RelayMap(List.of());
    final AtomicInteger connections = new AtomicInteger();
    final CountDownLatch approved = new CountDownLatch(1);
    volatile boolean interactive;
    final java.util.Set<NodeKey> expiredKeys = ConcurrentHashMap.newKeySet();
    private final AtomicInteger nextId = new AtomicInteger(1);
    private final AtomicInteger nextHandle = new AtomicInteger(1);

    @Override
    public void handle(ControlConnection c) throws Exception {
        connections.incrementAndGet();
        Stream stream = null;
        try {
            while (true) {
                ControlMessage m = ControlJson.decode(c.receive());
                switch (m) {
                    case RegisterRequest r -> {
                        registerRequests.add(r);
                        c.send(ControlJson.encode(register(r, c)));
                    }
                    case MapRequest r -> {
                        mapRequests.add(r);
                        Node self = nodes.get(r.nodeKey());
                        if (self == null) {
                            c.send(ControlJson.encode(new ErrorMessage(401, "unknown_node", "node key not registered")));
                            return;
                        }
                        self = withEndpoints(self, r.endpoints(), true);
                        if (r.discoKey() != null || r.homeRelay() != null) {
                            self = self.withDisco(r.discoKey() != null ? r.discoKey() : self.discoKey(),
                                    r.homeRelay() != null ? r.homeRelay() : self.homeRelay());
                        }
                        nodes.put(self.key(), self);
                        stream = new Stream(c, self.id(), "s" + nextHandle.getAndIncrement());
                        synchronized (stream) { // listed before the full map is sent, and the full map goes first
                            streams.add(stream);
                            stream.send(MapResponse.full(null, 0, self, peersOf(self), SETTINGS, relayMap,
                                    filterOf(self), Instant.EPOCH));
                        }
                        broadcastExcept(self.id(), delta(List.of(self), null, null));
                    }
                    case UpdateRequest u -> {
                        updates.add(u);
                        if (stream != null && u.endpoints() != null) {
                            long id = stream.nodeId;
                            Node n = byId(id);
                            nodes.put(n.key(), withEndpoints(n, u.endpoints(), true));
                            broadcastExcept(id, delta(null, null, List.of(new PeerPatch(id, u.endpoints(), null,
                                    null, null, null))));
                        }
                        if (stream != null && (u.homeRelay() != null || u.discoKey() != null)) {
                            long id = stream.nodeId;
                            Node n = byId(id);
                            nodes.put(n.key(), n.withDisco(u.discoKey() != null ? u.discoKey() : n.discoKey(),
                                    u.homeRelay() != null ? u.homeRelay() : n.homeRelay()));
                            broadcastExcept(id, delta(null, null, List.of(new PeerPatch(id, null, null, null, null,
                                    null, u.discoKey(), u.homeRelay()))));
                        }
                    }
                    default -> { }
                }
            }
        } finally {
            if (stream != null) {
                streams.remove(stream);
            }
        }
    }

    private ControlMessage register(RegisterRequest r, ControlConnection c) throws InterruptedException {
        if (r.expiry() != null && r.expiry().isBefore(Instant.now())) {
            nodes.remove(r.nodeKey());
            return new RegisterResponse("alice", "example.warren", false, true, null, null);
        }
        if (expiredKeys.contains(r.nodeKey())) {
            return new RegisterResponse("alice", "example.warren", true, true, null, null);
        }
        if (nodes.containsKey(r.nodeKey())) {
            return new RegisterResponse("alice", "example.warren", true, false, null, null);
        }
        if (r.oldNodeKey() != null && nodes.containsKey(r.oldNodeKey())) {
            Node old = nodes.remove(r.oldNodeKey());
            nodes.put(r.nodeKey(), rekey(old, r.nodeKey()));
            return new RegisterResponse("alice", "example.warren", true, false, null, null);
        }
        if (EXPIRED_KEY.equals(r.authKey())) {
            return new ErrorMessage(401, "auth_key_expired", "auth key has expired");
        }
        if (r.authKey() == null) {
            if (!interactive) {
                return new ErrorMessage(401, "unknown_node", "node key not registered; log in again");
            }
            if (r.followup() == null) {
                return new RegisterResponse(null, null, false, false, null, "https://control.test/a/" + r.nodeKey().shortString());
            }
            approved.await();
        } else if (!GOOD_KEY.equals(r.authKey())) {
            return new ErrorMessage(401, "auth_key_invalid", "auth key not found");
        }
        int id = nextId.getAndIncrement();
        String name = r.hostinfo() != null && r.hostinfo().hostname() != null ? r.hostinfo().hostname() : "node" + id;
        Node n = new Node(id, name, "alice", r.nodeKey(), null, MachineKey.of(c.remoteKey()),
                List.of(IpPrefix.parse("100.64.0." + id + "/32"), IpPrefix.parse("fd7a:115c:a1e0::" + id + "/128")),
                null, List.of(), r.hostinfo(), Instant.EPOCH, null, false, true, false, false, List.of(), null, 0);
        nodes.put(r.nodeKey(), n);
        return new RegisterResponse("alice", "example.warren", true, false, null, null);
    }

    static Node rekey(Node n, NodeKey k) {
        return new Node(n.id(), n.name(), n.user(), k, n.keyExpiry(), n.machine(), n.addresses(), n.allowedIps(),
                n.endpoints(), n.hostinfo(), n.created(), n.lastSeen(), n.online(), n.machineAuthorized(),
                n.expired(), n.ephemeral(), n.tags(), n.discoKey(), n.homeRelay());
    }

    static Node withEndpoints(Node n, List<String> eps, boolean online) {
        return new Node(n.id(), n.name(), n.user(), n.key(), n.keyExpiry(), n.machine(), n.addresses(),
                n.allowedIps(), eps == null ? n.endpoints() : List.copyOf(eps), n.hostinfo(), n.created(),
                n.lastSeen(), online, n.machineAuthorized(), n.expired(), n.ephemeral(), n.tags(), n.discoKey(),
                n.homeRelay());
    }

    Node byId(long id) {
        return nodes.values().stream().filter(n -> n.id() == id).findFirst().orElseThrow();
    }

    Node byName(String name) {
        return nodes.values().stream().filter(n -> n.name().equals(name)).findFirst().orElseThrow();
    }

    List<Node> peersOf(Node self) {
        List<Node> out = new ArrayList<>();
        for (Node n : nodes.values()) {
            if (n.id() != self.id()) {
                out.add(n);
            }
        }
        return out;
    }

    /** Replaces the relay map and sends it to every stream as a delta. */
    void setRelayMap(RelayMap m) {
        relayMap = m;
        for (Stream s : streams) {
            s.send(new MapResponse(null, 0, false, null, null, null, null, null, null, null, m));
        }
    }

    List<FilterRule> filterOf(Node self) {
        java.util.Optional<List<FilterRule>> f = filters.get(self.id());
        return f == null ? ALLOW_ALL : f.orElse(null);
    }

    /** Replaces node {@code id}'s filter (null = send none) and, when not null, sends it to its stream as a delta. */
    void setFilter(long id, List<FilterRule> rules) {
        filters.put(id, java.util.Optional.ofNullable(rules));
        if (rules != null) {
            sendTo(id, new MapResponse(null, 0, false, null, null, null, null, null, null, null, null, rules));
        }
    }

    static MapResponse delta(List<Node> changed, List<Long> removed, List<PeerPatch> patches) {
        return new MapResponse(null, 0, false, null, null, changed, removed, patches, null, null);
    }

    void broadcastExcept(long id, MapResponse template) {
        for (Stream s : streams) {
            if (s.nodeId != id) {
                s.send(template);
            }
        }
    }

    void sendTo(long id, MapResponse template) {
        for (Stream s : streams) {
            if (s.nodeId == id) {
                s.send(template);
            }
        }
    }

    /** Deletes a node and tells everyone. */
    void delete(long id) {
        Node n = byId(id);
        nodes.remove(n.key());
        for (Stream s : streams) {
            if (s.nodeId == id) {
                s.conn.close();
            }
        }
        broadcastExcept(id, delta(null, List.of(id), null));
    }

    /** Breaks every live connection, as a control restart would. */
    void dropAll() {
        for (Stream s : streams) {
            s.conn.close();
        }
        streams.clear();
    }

    static Hostinfo host(String name) {
        return new Hostinfo(name, "linux", "test");
    }
}
