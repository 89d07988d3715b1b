package dev.warren.magicsock.birthday;

import dev.warren.wire.disco.DiscoMessage;
import dev.warren.wire.key.DiscoKey;
import dev.warren.wire.key.NodeKey;
import dev.warren.wire.time.Clock;
import dev.warren.wire.time.Scheduler;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Birthday-paradox port probing (ADR 0015): finds a direct path between a peer behind an easy NAT and one behind a
 * hard NAT, which plain disco cannot (the hard side's mapping towards the easy side has a random public port that
 * nobody learns, and the easy side's router drops the hard side's packets because the easy side never sent to that
 * port).
 *
 * <p>What: both halves of a round run when a call-me-maybe tells us the peer's NAT kind and ours is the other kind
 * ({@link #consider}).
 * <ul>
 *   <li>Hard half: open {@link #SOCKETS} side sockets and send a disco ping from each to the easy peer's public
 *   IPv4 endpoints (at most {@link #MAX_TARGETS}), again after {@link #REPING_NANOS} and twice that: each socket
 *   gets its own mapping (a random public port) on our NAT. A ping or pong from the peer that arrives on one of
 *   them pins the peer's address to that socket ({@link #pinnedSocket}): every later datagram to that address
 *   leaves through it.</li>
 *   <li>Easy half: from the main socket, ping {@link #PROBES} distinct random ports in
 *   {@link #PORT_MIN}..{@link #PORT_MAX} of the hard peer's public IPv4 address (the one its endpoints showed, no
 *   other), {@link #PROBES_PER_TICK} every {@link #TICK_NANOS} (0.8 s in all). Every probe carries the round's
 *   transaction id; a pong with it from a probed port proves that address ({@link #probePong}).</li>
 * </ul>
 * With 256 mappings among the 64,512 ports a NAT hands out, 1,024 probes hit one with probability
 * 1 − (1 − 256/64512)^1024 ≈ 98 %. A probe that hits creates the easy side's own mapping towards that port, so the
 * hard side's pings (and its answers) from that socket pass the easy router too: the order of the two halves does
 * not matter within the NATs' UDP timeouts (≥ 30 s). A round ends when the peer's trusted direct address is one
 * the round found (success: the winning socket is kept, the others closed) or after {@link #ROUND_NANOS} (failure:
 * everything closed, no new round with that peer for {@link #COOLDOWN_NANOS}).
 *
 * <p>Bounds: one round per peer at a time, at most {@link #MAX_HARD_ROUNDS} hard rounds at once (so at most
 * {@code MAX_HARD_ROUNDS × SOCKETS} probing sockets), at most {@link #MAX_KEPT} kept sockets; a kept socket is
 * closed when its address has not been the peer's trusted path for {@link #KEPT_IDLE_NANOS} (the NAT mapping is
 * gone by then anyway), when the peer is removed ({@link #retain}), on a network change ({@link #reset}) and on
 * {@link #close}. Never more than {@link #PROBES} probes per round.
 *
 * <p>Threads: every method may be called from any thread (socket receive threads, the scheduler, the node's
 * threads); state is guarded by {@code lock}, and no datagram is sent while holding it. The pinned-address map
 * is a concurrent map read lock-free on the data path.
 */
public final class Birthday implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(Birthday.class.getName());

    /** Side sockets a hard half opens (Tailscale's figure). */
    public static final int SOCKETS = 256;
    /** Probes an easy half sends, at most, per round. */
    public static final int PROBES = 1024;
    public static final int PROBES_PER_TICK = 64;
    public static final long TICK_NANOS = 50_000_000L;
    /** The port range NATs hand out for unprivileged source ports (Linux masquerade: 1024–65535). */
    public static final int PORT_MIN = 1024;
    public static final int PORT_MAX = 65535;
    /** The hard half pings from every socket at 0, REPING and 2 × REPING. */
    public static final long REPING_NANOS = 1_000_000_000L;
    /** A round that has not found a path by then fails. */
    public static final long ROUND_NANOS = 6_000_000_000L;
    /** No new round with a peer for this long after a round with it failed. */
    public static final long COOLDOWN_NANOS = 30_000_000_000L;
    /** A kept socket whose address has not been the peer's trusted path for this long is closed. */
    public static final long KEPT_IDLE_NANOS = 30_000_000_000L;
    public static final int MAX_HARD_ROUNDS = 2;
    public static final int MAX_KEPT = 64;
    /** The most easy-peer endpoints a hard half pings from each socket. */
    public static final int MAX_TARGETS = 2;
    /** How often rounds and kept sockets are checked for their end. */
    public static final long SWEEP_NANOS = 500_000_000L;

    /** What {@link Birthday} needs from magicsock. */
    public interface Host {
        /** Our node key (carried in pings), or null before login. */
        NodeKey self();

        /** Seals a disco message to {@code peer}, or returns null when it cannot (unknown key). */
        byte[] seal(DiscoKey peer, DiscoMessage message);

        /** Sends a datagram from magicsock's main socket (through a pinned side socket if {@code to} is pinned). */
        void sendMain(byte[] datagram, InetSocketAddress to);

        /** The peer's trusted direct address, or null (also when it is no longer a peer). */
        InetSocketAddress trustedDirect(NodeKey peer);

        /** A datagram arrived on a side socket (disco and WireGuard are magicsock's to handle). */
        void sideDatagram(SideSocket socket, byte[] datagram, InetSocketAddress source);
    }

    /** A round's outcome, for status and tests. */
    public enum Role { HARD, EASY }

    /** A view of one peer's birthday state (tests, status). */
    public record State(Role round, int openSockets, int probesSent, boolean coolingDown, Integer keptPort) {
    }

    /**
     * What both halves of a round share: when it started, the peer's disco key, the transaction id every probe
     * carries and the timer of its next tick; the subclasses add their half's own state. Like all of
     * {@link Birthday}'s state, a round is read and written only under {@code lock}.
     */
    private abstract static sealed class Round permits HardRound, EasyRound {
        final long startedAt;
        final DiscoKey disco;
        final byte[] txid;
        // guarded by lock
        Scheduler.Task timer;

        Round(long startedAt, DiscoKey disco, byte[] txid) {
            this.startedAt = startedAt;
            this.disco = disco;
            this.txid = txid;
        }

        /** The ping every probe of this round carries: the round's transaction id and our node key. */
        final DiscoMessage.Ping ping(NodeKey self) {
            return new DiscoMessage.Ping(txid, self.publicKey().toBytes());
        }

        /** Stops the round's timer and adds the side sockets it holds to {@code toClose}; called under lock. */
        void endLocked(List<SideSocket> toClose) {
            if (timer != null) {
                timer.cancel();
            }
        }
    }

    private static final class HardRound extends Round {
        final List<InetSocketAddress> targets;
        // guarded by lock
        final List<SideSocket> sockets = new ArrayList<>();
        // guarded by lock
        int pingRounds;

        HardRound(long startedAt, DiscoKey disco, List<InetSocketAddress> targets, byte[] txid) {
            super(startedAt, disco, txid);
            this.targets = targets;
        }

        @Override
        void endLocked(List<SideSocket> toClose) {
            super.endLocked(toClose);
            toClose.addAll(sockets);
        }
    }

    private static final class EasyRound extends Round {
        final InetAddress target;
        // guarded by lock
        final BitSet probed = new BitSet(PORT_MAX + 1);
        // guarded by lock
        final Map<Integer, Long> sentAt = new HashMap<>();
        // guarded by lock
        int sent;

        EasyRound(long startedAt, DiscoKey disco, InetAddress target, byte[] txid) {
            super(startedAt, disco, txid);
            this.target = target;
        }
    }

    /** The socket a round won, kept for the peer's traffic. */
    private static final class Kept {
        final SideSocket socket;
        final InetSocketAddress remote;
        long lastTrusted;

        Kept(SideSocket socket, InetSocketAddress remote, long now) {
            this.socket = socket;
            this.remote = remote;
            this.lastTrusted = now;
        }
    }

    /** A datagram to send once the lock is released: from {@code socket}, or from the main socket when null. */
    private record Out(SideSocket socket, byte[] datagram, InetSocketAddress to) {
    }

    private final Clock clock;
    private final Scheduler scheduler;
    private final SideSockets sideSockets;
    private final Host host;
    private final Random random;
    private final Object lock = new Object();
    // guarded by lock
    private final Map<NodeKey, Round> rounds = new LinkedHashMap<>();
    // guarded by lock
    private final Map<NodeKey, Long> coolUntil = new HashMap<>();
    // guarded by lock
    private final Map<NodeKey, Kept> kept = new LinkedHashMap<>();
    // guarded by lock: which peer each open side socket works for
    private final Map<SideSocket, NodeKey> owner = new HashMap<>();
    // guarded by lock
    private Scheduler.Task sweepTask;
    // guarded by lock
    private boolean closed;
    /** Remote address → the side socket that reaches it; written under lock, read anywhere. */
    private final Map<InetSocketAddress, SideSocket> pinned = new ConcurrentHashMap<>();

    /**
     * @param random ports and transaction ids (a {@link java.security.SecureRandom} in production: an off-path
     *               attacker must not predict the transaction id)
     */
    public Birthday(Clock clock, Scheduler scheduler, SideSockets sideSockets, Host host, Random random) {
        this.clock = clock;
        this.scheduler = scheduler;
        this.sideSockets = sideSockets;
        this.host = host;
        this.random = random;
    }

    /** Whether {@code a} is a public IPv4 address (not private, CGNAT, loopback, link-local, wildcard, multicast). */
    public static boolean publicV4(InetAddress a) {
        if (!(a instanceof Inet4Address) || a.isSiteLocalAddress() || a.isLoopbackAddress() || a.isLinkLocalAddress()
                || a.isAnyLocalAddress() || a.isMulticastAddress()) {
            return false;
        }
        byte[] b = a.getAddress();
        return !((b[0] & 0xff) == 100 && (b[1] & 0xc0) == 64); // 100.64.0.0/10
    }

    /**
     * A call-me-maybe from {@code peer} told us its NAT flags and endpoints: starts our half of a round when one
     * side is hard and the other easy, there is no trusted direct path yet, no round with the peer runs, it is not
     * cooling down after a failure and the limits allow. Returns whether a round started (the caller then sends
     * our own call-me-maybe at once, so the peer starts its half).
     *
     * @param weHard   our netcheck proved an endpoint-dependent mapping and we have no port mapping
     * @param weEasy   our netcheck proved an endpoint-independent mapping
     */
    public boolean consider(NodeKey peer, DiscoKey disco, int peerFlags, List<InetSocketAddress> peerEndpoints,
                            boolean weHard, boolean weEasy) {
        if (peerFlags == DiscoMessage.CallMeMaybe.NAT_UNKNOWN) {
            return false;
        }
        boolean peerHard = (peerFlags & DiscoMessage.CallMeMaybe.NAT_HARD) != 0;
        boolean peerEasy = (peerFlags & DiscoMessage.CallMeMaybe.NAT_EASY) != 0;
        Role role;
        if (weHard && !weEasy && peerEasy && !peerHard) {
            role = Role.HARD;
        } else if (weEasy && !weHard && peerHard && !peerEasy) {
            role = Role.EASY;
        } else {
            return false;
        }
        if (host.trustedDirect(peer) != null || host.self() == null) {
            return false;
        }
        List<Out> out = new ArrayList<>();
        synchronized (lock) {
            long now = clock.nanoTime();
            Long cool = coolUntil.get(peer);
            if (closed || rounds.containsKey(peer) || (cool != null && now - cool < 0)) {
                return false;
            }
            byte[] txid = new byte[DiscoMessage.TXID_SIZE];
            random.nextBytes(txid);
            if (role == Role.HARD) {
                List<InetSocketAddress> targets = new ArrayList<>();
                for (InetSocketAddress e : peerEndpoints) {
                    if (publicV4(e.getAddress()) && e.getPort() != 0 && !targets.contains(e)
                            && targets.size() < MAX_TARGETS) {
                        targets.add(e);
                    }
                }
                long hardRounds = rounds.values().stream().filter(r -> r instanceof HardRound).count();
                if (targets.isEmpty() || hardRounds >= MAX_HARD_ROUNDS) {
                    return false;
                }
                HardRound r = new HardRound(now, disco, List.copyOf(targets), txid);
                for (int i = 0; i < SOCKETS; i++) {
                    try {
                        SideSocket s = sideSockets.open(host::sideDatagram);
                        r.sockets.add(s);
                        owner.put(s, peer);
                    } catch (IOException e) {
                        LOG.log(System.Logger.Level.WARNING, "birthday round with {0}: only {1} side sockets "
                                + "opened: {2}", peer.shortString(), i, e.getMessage());
                        break;
                    }
                }
                if (r.sockets.isEmpty()) {
                    coolUntil.put(peer, now + COOLDOWN_NANOS);
                    return false;
                }
                rounds.put(peer, r);
                hardPingsLocked(r, out);
                r.timer = scheduler.schedule(() -> hardTick(peer, r), REPING_NANOS);
            } else {
                InetAddress target = null;
                for (InetSocketAddress e : peerEndpoints) {
                    if (publicV4(e.getAddress())) {
                        target = e.getAddress();
                        break;
                    }
                }
                if (target == null) {
                    return false;
                }
                EasyRound r = new EasyRound(now, disco, target, txid);
                rounds.put(peer, r);
                sprayLocked(r, out);
                r.timer = scheduler.schedule(() -> easyTick(peer, r), TICK_NANOS);
            }
            ensureSweepLocked();
        }
        LOG.log(System.Logger.Level.INFO, "birthday round with {0} as the {1} side", peer.shortString(),
                role == Role.HARD ? "hard" : "easy");
        send(out);
        return true;
    }

    private void hardPingsLocked(HardRound r, List<Out> out) {
        NodeKey self = host.self();
        if (self == null) {
            return;
        }
        r.pingRounds++;
        DiscoMessage.Ping ping = r.ping(self);
        for (SideSocket s : r.sockets) {
            for (InetSocketAddress t : r.targets) {
                byte[] sealed = host.seal(r.disco, ping);
                if (sealed == null) {
                    return;
                }
                out.add(new Out(s, sealed, t));
            }
        }
    }

    private void hardTick(NodeKey peer, HardRound r) {
        List<Out> out = new ArrayList<>();
        synchronized (lock) {
            if (rounds.get(peer) != r || r.pingRounds >= 3) {
                return;
            }
            hardPingsLocked(r, out);
            if (r.pingRounds < 3) {
                r.timer = scheduler.schedule(() -> hardTick(peer, r), REPING_NANOS);
            }
        }
        send(out);
    }

    private void sprayLocked(EasyRound r, List<Out> out) {
        NodeKey self = host.self();
        if (self == null) {
            return;
        }
        DiscoMessage.Ping ping = r.ping(self);
        long now = clock.nanoTime();
        int span = PORT_MAX - PORT_MIN + 1;
        for (int i = 0; i < PROBES_PER_TICK && r.sent < PROBES; i++) {
            int port;
            do {
                port = PORT_MIN + random.nextInt(span);
            } while (r.probed.get(port));
            byte[] sealed = host.seal(r.disco, ping);
            if (sealed == null) {
                return;
            }
            r.probed.set(port);
            r.sentAt.put(port, now);
            r.sent++;
            out.add(new Out(null, sealed, new InetSocketAddress(r.target, port)));
        }
    }

    private void easyTick(NodeKey peer, EasyRound r) {
        if (host.trustedDirect(peer) != null) {
            return; // found: the sweep ends the round
        }
        List<Out> out = new ArrayList<>();
        synchronized (lock) {
            if (rounds.get(peer) != r || r.sent >= PROBES) {
                return;
            }
            sprayLocked(r, out);
            if (r.sent < PROBES) {
                r.timer = scheduler.schedule(() -> easyTick(peer, r), TICK_NANOS);
            }
        }
        send(out);
    }

    private void send(List<Out> out) {
        for (Out o : out) {
            try {
                if (o.socket() == null) {
                    host.sendMain(o.datagram(), o.to());
                } else if (o.socket().isOpen()) {
                    o.socket().send(o.datagram(), o.to());
                }
            } catch (IOException | RuntimeException e) {
                LOG.log(System.Logger.Level.DEBUG, "birthday probe to {0} failed: {1}", o.to(), e.getMessage());
            }
        }
    }

    /**
     * An authenticated disco message from {@code peer} arrived on side socket {@code s} from {@code src}: when
     * {@code s} works for that peer, {@code src} is pinned to it (later datagrams to {@code src} leave through
     * {@code s}). Returns {@link Pin#NOT_OURS} when {@code s} does not work for {@code peer} (the caller drops the
     * message).
     */
    public Pin onSideDisco(SideSocket s, NodeKey peer, InetSocketAddress src) {
        synchronized (lock) {
            if (!peer.equals(owner.get(s)) || !s.isOpen()) {
                return Pin.NOT_OURS;
            }
            SideSocket old = pinned.get(src);
            if (old == null || !old.isOpen() || !peer.equals(owner.get(old))) {
                pinned.put(src, s);
                return Pin.PINNED_NOW;
            }
            return Pin.PINNED;
        }
    }

    /** What {@link #onSideDisco} did. */
    public enum Pin {
        /** The socket does not work for that peer: drop the message. */
        NOT_OURS,
        /** The address was pinned to the socket just now: prove the path back at once. */
        PINNED_NOW,
        /** The address was pinned already. */
        PINNED
    }

    /**
     * A pong from {@code peer} from {@code src} answered none of the peer's ordinary pings: if it answers a probe
     * of this peer's round (its transaction id, from a probed address), returns the probe's round trip in
     * nanoseconds, else -1.
     */
    public long probePong(NodeKey peer, byte[] txid, InetSocketAddress src, SideSocket arrivedOn) {
        synchronized (lock) {
            Round r = rounds.get(peer);
            long now = clock.nanoTime();
            switch (r) {
                case EasyRound e -> {
                    if (arrivedOn == null && Arrays.equals(e.txid, txid) && src.getAddress().equals(e.target)
                            && e.probed.get(src.getPort())) {
                        return Math.max(0, now - e.sentAt.getOrDefault(src.getPort(), e.startedAt));
                    }
                }
                case HardRound h -> {
                    if (arrivedOn != null && h.sockets.contains(arrivedOn) && Arrays.equals(h.txid, txid)
                            && h.targets.contains(src)) {
                        return Math.max(0, now - h.startedAt);
                    }
                }
                case null -> {
                }
            }
            return -1;
        }
    }

    /** The side socket pinned for {@code remote}, or null (the main socket reaches it). Lock-free. */
    public SideSocket pinnedSocket(InetSocketAddress remote) {
        if (pinned.isEmpty()) {
            return null;
        }
        SideSocket s = pinned.get(remote);
        return s != null && s.isOpen() ? s : null;
    }

    /** Whether any address is pinned to a side socket (a cheap check for the data path). */
    public boolean anyPinned() {
        return !pinned.isEmpty();
    }

    /** The peer got a trusted direct path: ends its round now instead of at the next sweep. */
    public void onTrusted(NodeKey peer) {
        synchronized (lock) {
            if (!rounds.containsKey(peer)) {
                return;
            }
        }
        sweep();
    }

    private void ensureSweepLocked() {
        if (sweepTask == null && !closed) {
            sweepTask = scheduler.schedule(this::sweepAndReschedule, SWEEP_NANOS);
        }
    }

    private void sweepAndReschedule() {
        sweep();
        synchronized (lock) {
            sweepTask = null;
            if (!rounds.isEmpty() || !kept.isEmpty()) {
                ensureSweepLocked();
            }
        }
    }

    /**
     * Ends rounds that succeeded (the peer's trusted address is one the round found: a hard round keeps the
     * socket pinned to it) or timed out (everything closed, cool-down), and closes kept sockets that have not
     * carried the peer's trusted path for {@link #KEPT_IDLE_NANOS}.
     */
    void sweep() {
        Map<NodeKey, InetSocketAddress> trusted = new HashMap<>();
        synchronized (lock) {
            for (NodeKey k : rounds.keySet()) {
                trusted.put(k, null);
            }
            for (NodeKey k : kept.keySet()) {
                trusted.put(k, null);
            }
        }
        // asked outside the lock: the host takes its peers' locks
        trusted.replaceAll((k, v) -> host.trustedDirect(k));
        List<SideSocket> toClose = new ArrayList<>();
        synchronized (lock) {
            long now = clock.nanoTime();
            Iterator<Map.Entry<NodeKey, Round>> it = rounds.entrySet().iterator();
            while (it.hasNext()) {
                Map.Entry<NodeKey, Round> e = it.next();
                NodeKey peer = e.getKey();
                InetSocketAddress t = trusted.get(peer);
                Round r = e.getValue();
                boolean won = false;
                if (t != null) {
                    switch (r) {
                        case HardRound h -> {
                            // direct: through a socket of this round (kept), or otherwise (the main socket's own
                            // mapping was hit, or a socket kept earlier): either way the round is over
                            SideSocket s = pinned.get(t);
                            if (s != null && h.sockets.contains(s)) {
                                if (kept.size() < MAX_KEPT || kept.containsKey(peer)) {
                                    Kept old = kept.put(peer, new Kept(s, t, now));
                                    if (old != null) {
                                        toClose.add(old.socket);
                                    }
                                    h.sockets.remove(s);
                                } else {
                                    LOG.log(System.Logger.Level.WARNING, "birthday: {0} sockets kept already, the "
                                            + "path to {1} closes with its round", MAX_KEPT, peer.shortString());
                                }
                            }
                            won = true;
                        }
                        case EasyRound ignored -> won = true;
                    }
                }
                if (won || now - r.startedAt >= ROUND_NANOS) {
                    r.endLocked(toClose);
                    if (!won) {
                        coolUntil.put(peer, now + COOLDOWN_NANOS);
                        LOG.log(System.Logger.Level.INFO, "birthday round with {0} found no path",
                                peer.shortString());
                    } else {
                        coolUntil.remove(peer);
                        LOG.log(System.Logger.Level.INFO, "birthday round with {0} found {1}", peer.shortString(),
                                t);
                    }
                    it.remove();
                }
            }
            Iterator<Map.Entry<NodeKey, Kept>> kt = kept.entrySet().iterator();
            while (kt.hasNext()) {
                Map.Entry<NodeKey, Kept> e = kt.next();
                Kept k = e.getValue();
                if (k.remote.equals(trusted.get(e.getKey())) && k.socket.isOpen()) {
                    k.lastTrusted = now;
                } else if (!k.socket.isOpen() || now - k.lastTrusted >= KEPT_IDLE_NANOS) {
                    toClose.add(k.socket);
                    kt.remove();
                }
            }
            coolUntil.values().removeIf(until -> now - until >= 0);
            forgetLocked(toClose);
        }
        for (SideSocket s : toClose) {
            s.close();
        }
    }

    /** Drops the ownership and pins of sockets about to close. */
    private void forgetLocked(List<SideSocket> closing) {
        for (SideSocket s : closing) {
            owner.remove(s);
        }
        Set<SideSocket> gone = Set.copyOf(closing);
        pinned.values().removeIf(gone::contains);
    }

    /** Ends every round and kept socket of peers not in {@code peers} (removed from the network map). */
    public void retain(Set<NodeKey> peers) {
        List<SideSocket> toClose = new ArrayList<>();
        synchronized (lock) {
            Iterator<Map.Entry<NodeKey, Round>> it = rounds.entrySet().iterator();
            while (it.hasNext()) {
                Map.Entry<NodeKey, Round> e = it.next();
                if (!peers.contains(e.getKey())) {
                    e.getValue().endLocked(toClose);
                    it.remove();
                }
            }
            Iterator<Map.Entry<NodeKey, Kept>> kt = kept.entrySet().iterator();
            while (kt.hasNext()) {
                Map.Entry<NodeKey, Kept> e = kt.next();
                if (!peers.contains(e.getKey())) {
                    toClose.add(e.getValue().socket);
                    kt.remove();
                }
            }
            coolUntil.keySet().retainAll(peers);
            forgetLocked(toClose);
        }
        toClose.forEach(SideSocket::close);
    }

    /**
     * The network changed: every round and kept socket ends (their mappings belong to the old network) and every
     * cool-down is forgotten, so the next call-me-maybe exchange starts afresh.
     */
    public void reset() {
        List<SideSocket> toClose = new ArrayList<>();
        synchronized (lock) {
            for (Round r : rounds.values()) {
                r.endLocked(toClose);
            }
            rounds.clear();
            for (Kept k : kept.values()) {
                toClose.add(k.socket);
            }
            kept.clear();
            coolUntil.clear();
            forgetLocked(toClose);
            pinned.clear();
        }
        toClose.forEach(SideSocket::close);
    }

    /** The birthday state of {@code peer}. */
    public State state(NodeKey peer) {
        synchronized (lock) {
            Round r = rounds.get(peer);
            Long cool = coolUntil.get(peer);
            Kept k = kept.get(peer);
            int open = 0;
            if (r instanceof HardRound h) {
                for (SideSocket s : h.sockets) {
                    open += s.isOpen() ? 1 : 0;
                }
            }
            return new State(r == null ? null : r instanceof HardRound ? Role.HARD : Role.EASY, open,
                    r instanceof EasyRound e ? e.sent : 0, cool != null && clock.nanoTime() - cool < 0,
                    k == null ? null : k.socket.localPort());
        }
    }

    /** Side sockets open for rounds or kept, in all. */
    public int openSockets() {
        synchronized (lock) {
            int n = 0;
            for (SideSocket s : owner.keySet()) {
                n += s.isOpen() ? 1 : 0;
            }
            return n;
        }
    }

    /** Closes every side socket and stops every timer. */
    @Override
    public void close() {
        synchronized (lock) {
            closed = true;
            if (sweepTask != null) {
                sweepTask.cancel();
                sweepTask = null;
            }
        }
        reset();
    }
}
