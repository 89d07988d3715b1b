package dev.warren.relay.server;

import dev.warren.relay.FrameIo;
import dev.warren.wire.disco.DiscoFrame;
import dev.warren.wire.key.PublicKey;
import dev.warren.wire.relay.RelayFrame;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The relay's routing table: which connections are local for each key, which mesh peer has each remote key, who
 * sent to whom (for PeerGone), and who watches the connection list (mesh peers).
 *
 * <p>Routing a SendPacket from A to D: if D is connected here, the frame is rewritten in place into a RecvPacket
 * (type byte and the 32 key bytes: the frames are the same length) and queued on D's active connection; else, if
 * a mesh peer reported D present, it goes to that peer as a ForwardPacket; else it is dropped, and if it was a disco
 * packet A gets PeerGone(D, not here) (at most 1 a second, burst 3). A ForwardPacket is delivered locally or
 * dropped: packets travel at most one mesh hop.
 *
 * <p>Duplicate connections for one key are allowed; the one that most recently sent is the one that receives.
 * When a key's last connection goes, every local client it sent to (or that a mesh peer forwarded it to) gets
 * PeerGone(key, disconnected), unless the key is still reachable through the mesh, and every watcher gets
 * PeerGone too; when a mesh peer reports a key gone, the local clients that key sent to are told the same way.
 *
 * <p>Concurrency: one lock, {@link #mu}, guards every map; it is held only for map work and for queueing frames
 * (which takes a connection's own lock: order {@code mu} → {@code ClientConn.lock}). Mesh links' own locks are
 * never taken under {@code mu}: forwarding happens after it is released.
 */
final class Router {
    /** A key's local connections; {@code active} receives. */
    private static final class ClientSet {
        final List<ClientConn> conns = new ArrayList<>(1);
        ClientConn active;
    }

    /** The router's view of a mesh peer (a {@link MeshLink}). */
    interface Forwarder {
        void forward(PublicKey src, PublicKey dst, byte[] frame, int off, int len);
    }

    /** Counters for health checks, logs and tests. */
    record Stats(int clients, int meshPeers, int remoteKeys, long packetsIn, long delivered, long forwarded,
                 long droppedRateLimit, long droppedUnknown, long notHereSent) {
    }

    private final Object mu = new Object();
    // guarded by mu
    private final Map<PublicKey, ClientSet> local = new HashMap<>();
    // guarded by mu: every admitted connection, clients and mesh peers
    private final Set<ClientConn> all = new LinkedHashSet<>();
    // guarded by mu: source key -> keys of local clients it sent packets to
    private final Map<PublicKey, Set<PublicKey>> sentTo = new HashMap<>();
    // guarded by mu: remote key -> the mesh peer that reported it present
    private final Map<PublicKey, Forwarder> forwarders = new HashMap<>();
    // guarded by mu: mesh connections that sent WatchConns
    private final Set<ClientConn> watchers = new LinkedHashSet<>();
    // guarded by mu
    private int clientConns;
    private final int maxClients;

    private final AtomicLong packetsIn = new AtomicLong();
    private final AtomicLong delivered = new AtomicLong();
    private final AtomicLong forwarded = new AtomicLong();
    private final AtomicLong droppedRateLimit = new AtomicLong();
    private final AtomicLong droppedUnknown = new AtomicLong();
    private final AtomicLong notHereSent = new AtomicLong();

    Router(int maxClients) {
        this.maxClients = maxClients;
    }

    /** Adds an admitted connection; false when the relay is full (mesh peers are always taken). */
    boolean register(ClientConn c) {
        synchronized (mu) {
            if (c.mesh) {
                all.add(c);
                return true;
            }
            if (clientConns >= maxClients) {
                return false;
            }
            clientConns++;
            all.add(c);
            ClientSet s = local.computeIfAbsent(c.key, k -> new ClientSet());
            s.conns.add(c);
            s.active = c;
            if (s.conns.size() == 1) {
                byte[] present = new RelayFrame.PeerPresent(c.key, RelayFrame.PEER_PRESENT_REGULAR).encode();
                for (ClientConn w : watchers) {
                    w.enqueueControl(present);
                }
            }
            return true;
        }
    }

    /** Removes a connection that ended; sends the PeerGone notices its departure causes. */
    void unregister(ClientConn c) {
        synchronized (mu) {
            if (!all.remove(c)) {
                return;
            }
            watchers.remove(c);
            if (c.mesh) {
                return;
            }
            clientConns--;
            ClientSet s = local.get(c.key);
            if (s == null || !s.conns.remove(c)) {
                return;
            }
            if (!s.conns.isEmpty()) {
                if (s.active == c) {
                    s.active = s.conns.getLast();
                }
                return;
            }
            local.remove(c.key);
            byte[] gone = new RelayFrame.PeerGone(c.key, RelayFrame.PEER_GONE_DISCONNECTED).encode();
            if (!forwarders.containsKey(c.key)) {
                notifyGoneLocked(c.key, gone);
            }
            for (ClientConn w : watchers) {
                w.enqueueControl(gone);
            }
        }
    }

    private void notifyGoneLocked(PublicKey key, byte[] gone) {
        Set<PublicKey> dsts = sentTo.remove(key);
        if (dsts == null) {
            return;
        }
        for (PublicKey d : dsts) {
            ClientSet ds = local.get(d);
            if (ds != null) {
                ds.active.enqueueControl(gone);
            }
        }
    }

    /**
     * A SendPacket frame (payload at least 32 bytes) from {@code from}; the frame array is handed over. Returns
     * true when it was queued on a local connection whose queue is now half full or more (see
     * {@link ClientConn#enqueuePacket}).
     */
    boolean onSendPacket(ClientConn from, byte[] frame) {
        packetsIn.incrementAndGet();
        if (from.rateLimit != null && !from.rateLimit.tryTake(frame.length)) {
            droppedRateLimit.incrementAndGet();
            return false;
        }
        int off = RelayFrame.HEADER_SIZE + RelayFrame.KEY_SIZE;
        int len = frame.length - off;
        PublicKey dst = PublicKey.of(Arrays.copyOfRange(frame, RelayFrame.HEADER_SIZE, off));
        boolean disco = DiscoFrame.looksLikeDisco(frame, off, len);
        Forwarder link = null;
        synchronized (mu) {
            ClientSet mine = from.mesh ? null : local.get(from.key);
            if (mine != null && mine.active != from) {
                mine.active = from;
            }
            ClientSet s = local.get(dst);
            if (s != null) {
                sentTo.computeIfAbsent(from.key, k -> new HashSet<>()).add(dst);
                frame[0] = (byte) RelayFrame.TYPE_RECV_PACKET;
                from.key.copyTo(frame, RelayFrame.HEADER_SIZE);
                boolean behind = s.active.enqueuePacket(frame, disco);
                delivered.incrementAndGet();
                return behind;
            }
            link = forwarders.get(dst);
        }
        if (link != null) {
            link.forward(from.key, dst, frame, off, len);
            forwarded.incrementAndGet();
            return false;
        }
        droppedUnknown.incrementAndGet();
        if (disco && from.notHereLimit.tryTake(1)) {
            notHereSent.incrementAndGet();
            from.enqueueControl(new RelayFrame.PeerGone(dst, RelayFrame.PEER_GONE_NOT_HERE));
        }
        return false;
    }

    /**
     * A ForwardPacket frame (payload at least 64 bytes) from a mesh peer: delivered here or dropped. Returns true
     * when the local destination's queue is now half full or more.
     */
    boolean onForwardPacket(byte[] frame) {
        packetsIn.incrementAndGet();
        int h = RelayFrame.HEADER_SIZE;
        PublicKey src = PublicKey.of(Arrays.copyOfRange(frame, h, h + RelayFrame.KEY_SIZE));
        PublicKey dst = PublicKey.of(Arrays.copyOfRange(frame, h + RelayFrame.KEY_SIZE, h + 2 * RelayFrame.KEY_SIZE));
        int off = h + 2 * RelayFrame.KEY_SIZE;
        int len = frame.length - off;
        byte[] recv = new byte[h + RelayFrame.KEY_SIZE + len];
        FrameIo.writeHeader(recv, 0, RelayFrame.TYPE_RECV_PACKET, RelayFrame.KEY_SIZE + len);
        System.arraycopy(frame, h, recv, h, RelayFrame.KEY_SIZE);
        System.arraycopy(frame, off, recv, h + RelayFrame.KEY_SIZE, len);
        boolean disco = DiscoFrame.looksLikeDisco(frame, off, len);
        synchronized (mu) {
            ClientSet s = local.get(dst);
            if (s == null) {
                droppedUnknown.incrementAndGet();
                return false;
            }
            sentTo.computeIfAbsent(src, k -> new HashSet<>()).add(dst);
            boolean behind = s.active.enqueuePacket(recv, disco);
            delivered.incrementAndGet();
            return behind;
        }
    }

    /** A mesh peer asked to watch: it gets PeerPresent for every local client now and every change after. */
    void watch(ClientConn w) {
        synchronized (mu) {
            if (!all.contains(w) || !watchers.add(w)) {
                return;
            }
            for (PublicKey k : local.keySet()) {
                w.enqueueControl(new RelayFrame.PeerPresent(k, RelayFrame.PEER_PRESENT_REGULAR).encode());
            }
        }
    }

    /** Closes every local connection of {@code key} (asked by a mesh peer). */
    void closePeer(PublicKey key) {
        List<ClientConn> victims;
        synchronized (mu) {
            ClientSet s = local.get(key);
            victims = s == null ? List.of() : List.copyOf(s.conns);
        }
        for (ClientConn c : victims) {
            c.close("closed at a mesh peer's request");
        }
    }

    /** A mesh peer reports {@code key} connected to it. */
    void meshPresent(Forwarder link, PublicKey key) {
        synchronized (mu) {
            forwarders.put(key, link);
        }
    }

    /** A mesh peer reports {@code key} gone from it. */
    void meshGone(Forwarder link, PublicKey key) {
        synchronized (mu) {
            if (forwarders.get(key) == link) {
                forwarders.remove(key);
            }
            if (!local.containsKey(key) && !forwarders.containsKey(key)) {
                notifyGoneLocked(key, new RelayFrame.PeerGone(key, RelayFrame.PEER_GONE_DISCONNECTED).encode());
            }
        }
    }

    /** A mesh link broke: forget what it reported (it re-reports everything when it reconnects). */
    void meshDown(Forwarder link) {
        synchronized (mu) {
            forwarders.values().removeIf(f -> f == link);
        }
    }

    /** A snapshot of every admitted connection. */
    List<ClientConn> connections() {
        synchronized (mu) {
            return List.copyOf(all);
        }
    }

    /** Whether {@code key} has a local connection. */
    boolean isLocal(PublicKey key) {
        synchronized (mu) {
            return local.containsKey(key);
        }
    }

    Stats stats() {
        synchronized (mu) {
            int meshPeers = (int) all.stream().filter(c -> c.mesh).count();
            return new Stats(clientConns, meshPeers, forwarders.size(), packetsIn.get(), delivered.get(),
                    forwarded.get(), droppedRateLimit.get(), droppedUnknown.get(), notHereSent.get());
        }
    }
}
