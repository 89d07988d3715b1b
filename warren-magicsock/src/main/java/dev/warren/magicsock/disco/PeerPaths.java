package dev.warren.magicsock.disco;

import dev.warren.wire.datapath.Endpoint;
import dev.warren.wire.disco.DiscoMessage;
import dev.warren.wire.key.DiscoKey;
import dev.warren.wire.key.NodeKey;
import dev.warren.wire.time.Clock;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.IntSupplier;
import java.util.function.Supplier;

/**
 * The path state of one peer (FIELD §3.5, Tailscale's {@code endpoint}): its candidate direct addresses, the
 * pings in flight, the best direct address and until when it is trusted.
 *
 * <p>What it decides: where a data packet goes ({@link #route}: only the trusted best address, or the peer's home
 * relay plus the best untrusted address), which disco messages to send on a heartbeat ({@link #heartbeat}), and
 * how to react to a ping, pong or call-me-maybe. It never touches a socket: each method returns the disco
 * {@link Action}s to perform, and {@link dev.warren.magicsock.MagicSock} performs them after the call returns, so no
 * lock is held while sending (relay deliveries may call straight back into another peer's state).
 *
 * <p>Timings (all on the injected {@link Clock}): heartbeat every {@link #HEARTBEAT_NANOS} while data was sent in
 * the last {@link #SESSION_ACTIVE_NANOS}; each heartbeat pings the best address (extending trust by
 * {@link #TRUST_NANOS} when it answers) and, while there is no trusted direct path — or the best is slower than
 * {@link #GOOD_ENOUGH_LATENCY_NANOS} and the last full round is {@link #UPGRADE_INTERVAL_NANOS} old — pings every
 * candidate (each at most once per {@link #PING_INTERVAL_NANOS}) and sends a call-me-maybe through the relay. While
 * untrusted, the next heartbeat is brought forward to when the next candidate may be pinged again, so a path that
 * becomes possible is found within one ping interval. A peer without a relay is pinged when it appears
 * ({@link #discoverNow}), and a ping from an address that never answered us is pinged back whatever its throttle,
 * so two peers that learn of each other a few milliseconds apart prove their path in one round trip.
 *
 * <p>Threads: every method is {@code synchronized} on this object; callers are the engine's send threads, the
 * socket and relay receive threads and scheduler tasks.
 */
public final class PeerPaths {
    public static final long HEARTBEAT_NANOS = 3_000_000_000L;
    public static final long SESSION_ACTIVE_NANOS = 45_000_000_000L;
    public static final long PING_INTERVAL_NANOS = 5_000_000_000L;
    public static final long TRUST_NANOS = 6_500_000_000L;
    public static final long PING_TIMEOUT_NANOS = 5_000_000_000L;
    public static final long UPGRADE_INTERVAL_NANOS = 60_000_000_000L;
    public static final long GOOD_ENOUGH_LATENCY_NANOS = 5_000_000L;
    /** The earliest a rescheduled heartbeat runs, so a burst of throttled candidates cannot spin the scheduler. */
    public static final long MIN_HEARTBEAT_NANOS = 250_000_000L;
    /** Candidates kept per peer; call-me-maybe from a peer cannot grow this without bound. */
    public static final int MAX_CANDIDATES = 32;
    /** Pings in flight per peer. */
    public static final int MAX_PENDING = 64;
    /** The least time between two call-me-maybes sent on request ({@link #callMeMaybeNow}). */
    public static final long CALL_ME_MAYBE_NOW_MIN_NANOS = 1_000_000_000L;

    private static final SecureRandom RANDOM = new SecureRandom();
    private static final InetSocketAddress UNSPECIFIED = new InetSocketAddress(InetAddress.ofLiteral("0.0.0.0"), 0);

    /** A disco message to send: directly to an address, or through the peer's relay. */
    public sealed interface Action {
        DiscoMessage message();

        record Direct(InetSocketAddress to, DiscoMessage message) implements Action {
        }

        record ViaRelay(DiscoMessage message) implements Action {
        }
    }

    /**
     * Where to send a data packet: {@code direct} (may be null; {@code directEndpoint} is the same address as one
     * long-lived {@link Endpoint} object, so binds that cache their last destination by identity keep hitting) and
     * whether to send via the relay as well. {@code startHeartbeat} tells the caller the heartbeat timer was idle
     * and must be started now.
     */
    public record Route(InetSocketAddress direct, Endpoint directEndpoint, boolean viaRelay, boolean startHeartbeat) {
    }

    /** The heartbeat's messages and the delay until the next one (-1: stop, the peer went idle). */
    public record Heartbeat(List<Action> actions, long nextDelayNanos) {
    }

    /** The outcome of a ping: its round-trip time and the path it took (address, or null for the relay). */
    public record PingOutcome(long latencyNanos, InetSocketAddress direct) {
    }

    private static final class Candidate {
        long lastPing = Long.MIN_VALUE;
        long lastPong = Long.MIN_VALUE;
        long latency = -1;
        long addedAt;

        boolean pingDue(long now) {
            return lastPing == Long.MIN_VALUE || now - lastPing >= PING_INTERVAL_NANOS;
        }
    }

    private record Pending(InetSocketAddress to, long sentAt, CompletableFuture<PingOutcome> waiter) {
    }

    private final Clock clock;
    private final NodeKey self;
    private final Supplier<List<InetSocketAddress>> ourEndpoints;
    private final IntSupplier ourNatFlags;
    private final NodeKey nodeKey;
    // guarded by this: all fields below
    private DiscoKey discoKey;
    private int homeRelay;
    private final Map<InetSocketAddress, Candidate> candidates = new LinkedHashMap<>();
    private final Map<String, Pending> pending = new LinkedHashMap<>();
    private AddrScore.Measured best;
    private Endpoint bestEndpoint;
    private long trustUntil = Long.MIN_VALUE;
    private long lastSend = Long.MIN_VALUE;
    private long lastFullPing = Long.MIN_VALUE;
    private long lastCallMeMaybe = Long.MIN_VALUE;
    private long relayLatency = -1;
    private int seenRegion;
    private boolean heartbeatRunning;
    private int peerNatFlags = DiscoMessage.CallMeMaybe.NAT_UNKNOWN;

    /**
     * @param self         our node key (carried in every ping)
     * @param nodeKey      the peer's node key
     * @param ourEndpoints our current candidate endpoints (listed in call-me-maybe)
     */
    public PeerPaths(Clock clock, NodeKey self, NodeKey nodeKey, DiscoKey discoKey, int homeRelay,
                     Supplier<List<InetSocketAddress>> ourEndpoints) {
        this(clock, self, nodeKey, discoKey, homeRelay, ourEndpoints, () -> DiscoMessage.CallMeMaybe.NAT_UNKNOWN);
    }

    /**
     * @param ourNatFlags what our netcheck says about our NAT, sent in every call-me-maybe (ADR 0015; a value of
     *                    {@link DiscoMessage.CallMeMaybe#NAT_UNKNOWN} sends a version-0 call-me-maybe)
     */
    public PeerPaths(Clock clock, NodeKey self, NodeKey nodeKey, DiscoKey discoKey, int homeRelay,
                     Supplier<List<InetSocketAddress>> ourEndpoints, IntSupplier ourNatFlags) {
        this.ourNatFlags = ourNatFlags;
        this.clock = clock;
        this.self = self;
        this.nodeKey = nodeKey;
        this.discoKey = discoKey;
        this.homeRelay = homeRelay;
        this.ourEndpoints = ourEndpoints;
    }

    public NodeKey nodeKey() {
        return nodeKey;
    }

    public synchronized DiscoKey discoKey() {
        return discoKey;
    }

    public synchronized int homeRelay() {
        return homeRelay;
    }

    /** A packet from this peer arrived through {@code region}. */
    public synchronized void noteRelayRegion(int region) {
        seenRegion = region;
    }

    /**
     * The region to reach this peer through: its home relay, or — when control has not told us one — the region it
     * last reached us through (0 when neither is known).
     */
    public synchronized int sendRegion() {
        return homeRelay != 0 ? homeRelay : seenRegion;
    }

    /**
     * Applies control's view of the peer: its disco key (a new one means the peer restarted: forget what disco
     * learned), home relay and reported endpoints (added as candidates; old ones stay until pruned).
     */
    public synchronized void update(DiscoKey disco, int relay, List<InetSocketAddress> endpoints) {
        if (!disco.equals(discoKey)) {
            discoKey = disco;
            peerNatFlags = DiscoMessage.CallMeMaybe.NAT_UNKNOWN;
            forgetLocked();
            candidates.clear();
        }
        homeRelay = relay;
        long now = clock.nanoTime();
        for (InetSocketAddress e : endpoints) {
            addCandidateLocked(e, now);
        }
    }

    /** Whether disco found a direct address (trusted or not) that data packets would be sent to. */
    public synchronized boolean hasBest() {
        return best != null;
    }

    /** Called for every outgoing data batch: where it goes. */
    public synchronized Route route() {
        long now = clock.nanoTime();
        lastSend = now;
        boolean start = !heartbeatRunning;
        heartbeatRunning = true;
        if (trustedLocked(now)) {
            return new Route(best.addr(), bestEndpoint, false, start);
        }
        return new Route(best == null ? null : best.addr(), best == null ? null : bestEndpoint, true, start);
    }

    /** The heartbeat timer fired. */
    public synchronized Heartbeat heartbeat() {
        long now = clock.nanoTime();
        expirePendingLocked(now);
        if (lastSend == Long.MIN_VALUE || now - lastSend > SESSION_ACTIVE_NANOS) {
            heartbeatRunning = false;
            return new Heartbeat(List.of(), -1);
        }
        heartbeatRunning = true;
        List<Action> out = new ArrayList<>();
        if (best != null) {
            pingLocked(best.addr(), now, null, out);
        }
        if (wantFullPingLocked(now)) {
            fullPingLocked(now, out);
        }
        return new Heartbeat(out, nextDelayLocked(now));
    }

    private boolean wantFullPingLocked(long now) {
        if (best == null || !trustedLocked(now)) {
            return true;
        }
        return best.latencyNanos() > GOOD_ENOUGH_LATENCY_NANOS
                && (lastFullPing == Long.MIN_VALUE || now - lastFullPing >= UPGRADE_INTERVAL_NANOS);
    }

    private void fullPingLocked(long now, List<Action> out) {
        lastFullPing = now;
        for (Map.Entry<InetSocketAddress, Candidate> e : candidates.entrySet()) {
            if (e.getValue().pingDue(now)) {
                pingLocked(e.getKey(), now, null, out);
            }
        }
        if (lastCallMeMaybe == Long.MIN_VALUE || now - lastCallMeMaybe >= PING_INTERVAL_NANOS) {
            lastCallMeMaybe = now;
            out.add(callMeMaybeLocked());
        }
    }

    private Action callMeMaybeLocked() {
        return new Action.ViaRelay(new DiscoMessage.CallMeMaybe(ourEndpoints.get(), ourNatFlags.getAsInt()));
    }

    /**
     * A call-me-maybe through the relay now (a birthday round started and the peer must start its half), unless one
     * went out in the last {@link #CALL_ME_MAYBE_NOW_MIN_NANOS}: then nothing.
     */
    public synchronized List<Action> callMeMaybeNow() {
        long now = clock.nanoTime();
        if (lastCallMeMaybe != Long.MIN_VALUE && now - lastCallMeMaybe < CALL_ME_MAYBE_NOW_MIN_NANOS) {
            return List.of();
        }
        lastCallMeMaybe = now;
        return List.of(callMeMaybeLocked());
    }

    /** The NAT flags of the peer's last call-me-maybe ({@link DiscoMessage.CallMeMaybe#NAT_UNKNOWN}: none yet). */
    public synchronized int peerNatFlags() {
        return peerNatFlags;
    }

    /** The best direct address, trusted or not (null when none). */
    public synchronized InetSocketAddress bestAddress() {
        return best == null ? null : best.addr();
    }

    private long nextDelayLocked(long now) {
        long delay = HEARTBEAT_NANOS;
        if (!trustedLocked(now)) {
            for (Candidate c : candidates.values()) {
                if (c.lastPing != Long.MIN_VALUE) {
                    delay = Math.min(delay, c.lastPing + PING_INTERVAL_NANOS - now);
                }
            }
        }
        return Math.max(MIN_HEARTBEAT_NANOS, delay);
    }

    private void pingLocked(InetSocketAddress to, long now, CompletableFuture<PingOutcome> waiter, List<Action> out) {
        byte[] txid = new byte[DiscoMessage.TXID_SIZE];
        RANDOM.nextBytes(txid);
        if (pending.size() >= MAX_PENDING) {
            Iterator<Map.Entry<String, Pending>> it = pending.entrySet().iterator();
            Pending old = it.next().getValue();
            it.remove();
            if (old.waiter() != null) {
                old.waiter().completeExceptionally(new java.util.concurrent.TimeoutException("ping displaced"));
            }
        }
        pending.put(HexFormat.of().formatHex(txid), new Pending(to, now, waiter));
        DiscoMessage.Ping ping = new DiscoMessage.Ping(txid, self.publicKey().toBytes());
        if (to == null) {
            out.add(new Action.ViaRelay(ping));
        } else {
            Candidate c = candidates.get(to);
            if (c != null) {
                c.lastPing = now;
            }
            out.add(new Action.Direct(to, ping));
        }
    }

    private void expirePendingLocked(long now) {
        Iterator<Pending> it = pending.values().iterator();
        while (it.hasNext()) {
            Pending p = it.next();
            if (now - p.sentAt() > PING_TIMEOUT_NANOS) {
                it.remove();
                if (p.waiter() != null) {
                    p.waiter().completeExceptionally(new java.util.concurrent.TimeoutException("no pong in 5 s"));
                }
            }
        }
    }

    /** A ping from this peer arrived directly from {@code src}: answer it, and try the path back if untrusted. */
    public synchronized List<Action> onPingDirect(InetSocketAddress src, byte[] txid) {
        long now = clock.nanoTime();
        addCandidateLocked(src, now);
        List<Action> out = new ArrayList<>();
        out.add(new Action.Direct(src, new DiscoMessage.Pong(txid, src)));
        Candidate c = candidates.get(src);
        if (!trustedLocked(now) && (c.pingDue(now) || c.lastPong == Long.MIN_VALUE)) {
            // an address that never answered is pinged back whatever its throttle: our last ping to it may have
            // been dropped because the peer did not know us yet, and this ping says it does now
            pingLocked(src, now, null, out);
        }
        return out;
    }

    /**
     * The peer just appeared (or came back with a new disco key) and has no relay path: ping every candidate whose
     * throttle allows it now, without waiting for the first data packet, so a path is proven (and packets held for
     * the peer are released) one round trip after both sides know each other. Does not mark the peer active. Nothing
     * when a trusted direct path exists.
     */
    public synchronized List<Action> discoverNow() {
        long now = clock.nanoTime();
        expirePendingLocked(now);
        List<Action> out = new ArrayList<>();
        if (trustedLocked(now)) {
            return out;
        }
        for (Map.Entry<InetSocketAddress, Candidate> e : candidates.entrySet()) {
            if (e.getValue().pingDue(now)) {
                pingLocked(e.getKey(), now, null, out);
            }
        }
        return out;
    }

    /**
     * Pings {@code to} now whatever its throttle (a birthday round just found it: the path back must be proven at
     * once, not at the candidate's next ping interval). Adds it as a candidate.
     */
    public synchronized List<Action> pingNow(InetSocketAddress to) {
        long now = clock.nanoTime();
        addCandidateLocked(to, now);
        List<Action> out = new ArrayList<>();
        pingLocked(to, now, null, out);
        return out;
    }

    /** A ping from this peer arrived through a relay: answer through the relay (the source is meaningless). */
    public synchronized List<Action> onPingViaRelay(byte[] txid) {
        return List.of(new Action.ViaRelay(new DiscoMessage.Pong(txid, UNSPECIFIED)));
    }

    /**
     * A pong arrived, directly from {@code src} or (src null) through a relay. Returns the outcome, or null when it
     * answers no ping of ours (late, forged or duplicated) or came from another address than the ping went to.
     */
    public synchronized PingOutcome onPong(InetSocketAddress src, byte[] txid) {
        long now = clock.nanoTime();
        String key = HexFormat.of().formatHex(txid);
        Pending p = pending.get(key);
        if (p == null || (p.to() == null) != (src == null) || (src != null && !src.equals(p.to()))) {
            return null;
        }
        pending.remove(key);
        long latency = Math.max(0, now - p.sentAt());
        PingOutcome outcome = new PingOutcome(latency, src);
        if (src == null) {
            relayLatency = latency;
        } else {
            provenLocked(src, latency, now);
        }
        if (p.waiter() != null) {
            p.waiter().complete(outcome);
        }
        return outcome;
    }

    /**
     * A birthday probe (ADR 0015) to {@code src} was answered by this peer after {@code latencyNanos}: the address
     * is proven exactly as by a pong to one of our pings (the caller checked the probe's transaction id and that
     * the pong came from the probed address).
     */
    public synchronized void onProbePong(InetSocketAddress src, long latencyNanos) {
        provenLocked(src, Math.max(0, latencyNanos), clock.nanoTime());
    }

    private void provenLocked(InetSocketAddress src, long latency, long now) {
        Candidate c = candidates.get(src);
        if (c == null) {
            addCandidateLocked(src, now);
            c = candidates.get(src);
        }
        c.lastPong = now;
        c.latency = latency;
        AddrScore.Measured m = new AddrScore.Measured(src, latency);
        boolean trusted = trustedLocked(now);
        if (best == null || !trusted || best.addr().equals(src) || AddrScore.better(m, best)) {
            if (best == null || !best.addr().equals(src)) {
                bestEndpoint = Endpoint.of(src);
            }
            best = m;
            trustUntil = now + TRUST_NANOS;
        }
    }

    /**
     * The peer sent its endpoints: add them, forget the ping throttles, ping them all now. A peer only sends
     * call-me-maybe while it has no trusted path to us; when our trusted address for it is not among its endpoints
     * it has probably moved (roamed to another network), so that address stops being trusted at once: data goes
     * through the relay as well as to it until a pong proves it again, instead of into the void for up to
     * {@link #TRUST_NANOS}. A pong to the ping sent to it restores trust.
     */
    public synchronized List<Action> onCallMeMaybe(List<InetSocketAddress> endpoints) {
        return onCallMeMaybe(endpoints, DiscoMessage.CallMeMaybe.NAT_UNKNOWN);
    }

    /** The same, remembering the NAT flags the peer sent ({@link #peerNatFlags}). */
    public synchronized List<Action> onCallMeMaybe(List<InetSocketAddress> endpoints, int natFlags) {
        peerNatFlags = natFlags;
        long now = clock.nanoTime();
        List<Action> out = new ArrayList<>();
        if (trustedLocked(now) && !endpoints.contains(best.addr())) {
            trustUntil = now;
            pingLocked(best.addr(), now, null, out); // if it still works, its pong restores trust in one round trip
        }
        for (InetSocketAddress e : endpoints) {
            if (e.getPort() == 0 || e.getAddress().isAnyLocalAddress()) {
                continue;
            }
            addCandidateLocked(e, now);
        }
        for (InetSocketAddress e : endpoints) {
            Candidate c = candidates.get(e);
            if (c != null) {
                c.lastPing = Long.MIN_VALUE;
                pingLocked(e, now, null, out);
            }
        }
        return out;
    }

    /**
     * Our endpoints changed (a re-STUN saw a new mapping, the network changed). While the peer is active and we
     * have no trusted path, tell it at once (call-me-maybe: it pings the new endpoints) and ping every candidate
     * again, throttles reset — the new mapping may open the path both ways. Otherwise nothing.
     */
    public synchronized List<Action> onOurEndpointsChanged() {
        long now = clock.nanoTime();
        boolean active = lastSend != Long.MIN_VALUE && now - lastSend <= SESSION_ACTIVE_NANOS;
        if (!active || trustedLocked(now)) {
            return List.of();
        }
        List<Action> out = new ArrayList<>();
        for (Candidate c : candidates.values()) {
            c.lastPing = Long.MIN_VALUE;
        }
        lastCallMeMaybe = Long.MIN_VALUE;
        fullPingLocked(now, out);
        return out;
    }

    /**
     * A disco ping requested by a user ({@code warren ping}): to the trusted best address, or else to every
     * candidate and through the relay; the future completes with the first pong.
     */
    public synchronized List<Action> userPing(CompletableFuture<PingOutcome> waiter) {
        long now = clock.nanoTime();
        List<Action> out = new ArrayList<>();
        if (trustedLocked(now)) {
            pingLocked(best.addr(), now, waiter, out);
            return out;
        }
        for (InetSocketAddress e : List.copyOf(candidates.keySet())) {
            pingLocked(e, now, waiter, out);
        }
        pingLocked(null, now, waiter, out);
        return out;
    }

    /** The network changed: trust nothing learned so far and ping everything again. */
    public synchronized void forget() {
        forgetLocked();
    }

    private void forgetLocked() {
        best = null;
        bestEndpoint = null;
        trustUntil = Long.MIN_VALUE;
        lastFullPing = Long.MIN_VALUE;
        lastCallMeMaybe = Long.MIN_VALUE;
        for (Pending p : pending.values()) {
            if (p.waiter() != null) {
                p.waiter().completeExceptionally(new java.util.concurrent.CancellationException("network changed"));
            }
        }
        pending.clear();
        for (Candidate c : candidates.values()) {
            c.lastPing = Long.MIN_VALUE;
        }
    }

    private void addCandidateLocked(InetSocketAddress e, long now) {
        if (candidates.containsKey(e)) {
            return;
        }
        if (candidates.size() >= MAX_CANDIDATES) {
            InetSocketAddress victim = null;
            for (Map.Entry<InetSocketAddress, Candidate> c : candidates.entrySet()) {
                if (best == null || !c.getKey().equals(best.addr())) {
                    victim = c.getKey();
                    break;
                }
            }
            candidates.remove(victim);
        }
        Candidate c = new Candidate();
        c.addedAt = now;
        candidates.put(e, c);
    }

    private boolean trustedLocked(long now) {
        return best != null && now - trustUntil < 0;
    }

    /** The current path, for status and ping output. */
    public synchronized PathSnapshot snapshot() {
        long now = clock.nanoTime();
        boolean trusted = trustedLocked(now);
        return new PathSnapshot(trusted ? best.addr() : null, trusted ? best.latencyNanos() : -1,
                homeRelay != 0 ? homeRelay : seenRegion,
                relayLatency, List.copyOf(candidates.keySet()),
                lastSend != Long.MIN_VALUE && now - lastSend <= SESSION_ACTIVE_NANOS);
    }

    /**
     * A copy of the path state.
     *
     * @param direct         the trusted direct address, or null when traffic goes via the relay
     * @param directLatency  its last round trip in nanoseconds (-1 when none)
     * @param relayRegion    the region used to reach the peer (see {@link #sendRegion})
     * @param relayLatency   last disco round trip through the relay (-1 when none)
     * @param candidates     the candidate addresses disco knows
     * @param active         whether data was sent to the peer in the last 45 s
     */
    public record PathSnapshot(InetSocketAddress direct, long directLatency, int relayRegion, long relayLatency,
                               List<InetSocketAddress> candidates, boolean active) {
        /** Whether data goes only to a trusted direct address. */
        public boolean hasTrustedDirect() {
            return direct != null;
        }
    }
}
