package dev.warren.magicsock;

import dev.warren.magicsock.birthday.Birthday;
import dev.warren.magicsock.birthday.SideSocket;
import dev.warren.magicsock.birthday.SideSockets;
import dev.warren.magicsock.disco.DiscoBox;
import dev.warren.magicsock.disco.PeerPaths;
import dev.warren.magicsock.netcheck.Netcheck;
import dev.warren.magicsock.netcheck.NetcheckReport;
import dev.warren.magicsock.portmap.PortMapper;
import dev.warren.magicsock.relay.RelayLinks;
import dev.warren.wire.control.RelayMap;
import dev.warren.wire.datapath.Bind;
import dev.warren.wire.datapath.Endpoint;
import dev.warren.wire.datapath.PacketBuffer;
import dev.warren.wire.disco.DiscoMessage;
import dev.warren.wire.key.DiscoKey;
import dev.warren.wire.key.NodeKey;
import dev.warren.wire.key.PublicKey;
import dev.warren.wire.time.Clock;
import dev.warren.wire.time.Scheduler;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Consumer;
import java.util.function.IntConsumer;
import java.util.function.Supplier;

/**
 * magicsock: the node's one UDP socket for WireGuard, disco and STUN, plus the relays, behind the WireGuard
 * engine's {@link Bind} ({@link #bind()}).
 *
 * <p>What the node calls: {@link #setPeers} (from each network map) and {@link #endpointOf} (the synthetic endpoint
 * to give the peer in the engine), {@link #setRelayMap}, {@link #localEndpoints} with
 * {@link #onEndpointsChanged} (reported to control), {@link #homeRelay} with {@link #onHomeRelayChanged},
 * {@link #pathOf} and {@link #ping} (status and {@code warren ping}), {@link #networkChanged} and
 * {@link #netcheck}.
 *
 * <p>Magic endpoints: every peer gets a synthetic endpoint {@code [100::<id>]:1} in the discard-only prefix
 * 100::/64 (RFC 6666), which the node sets as the peer's WireGuard endpoint. A send to it is routed by the peer's
 * {@link PeerPaths}: the trusted direct address only, or else the peer's home relay plus the best untrusted
 * address, so the first packet never waits for discovery. WireGuard packets received from an address disco has
 * verified for a peer (an authenticated ping or pong came from it), or through the relay from a peer's node key,
 * are handed to the engine with the peer's synthetic endpoint as source, so the engine's roaming never fights path
 * selection. WireGuard from other sources passes through with its real source (a peer without disco, or before
 * disco verified the address; the engine may then roam to that address, and the next verified packet roams it
 * back). WireGuard through the relay from a node key that is not a peer is dropped: it has no address to report.
 * A send to a peer with no path at all (no direct address, no relay region yet) is held ({@link HeldPackets}) and
 * sent when a path appears; copies go at once to the source of an authenticated direct ping from the peer. A peer
 * without a relay region is pinged as soon as it appears ({@link PeerPaths#discoverNow}), not on the first send:
 * nothing else could carry its first packets.
 *
 * <p>Hard NATs (ADR 0015): when call-me-maybe tells us one side's NAT is hard and the other's easy, {@link Birthday}
 * runs a birthday round; the hard side's extra sockets ({@link SideSockets}) reach the peer through their own NAT
 * mappings. An address disco proved through such a socket is pinned to it: disco and WireGuard to that address
 * leave through it, and what arrives on it is demultiplexed here (disco inline; WireGuard from a verified address
 * handed to the engine through the same queue as relay packets, with the peer's synthetic source), so the engine
 * still sees one {@link Bind}.
 *
 * <p>Threads: the engine's receive threads run the demultiplexer (disco and STUN are handled inline, they are
 * rare); the relay implementation's thread delivers relay packets (disco inline, WireGuard queued for the
 * engine's relay receiver); heartbeats, re-STUN and netcheck timers run on the injected {@link Scheduler}; port
 * mapping and the relay-latency fallback run on virtual threads. Peer tables are guarded by {@code lock} and
 * published as immutable snapshots ({@link #peers}) read without locking on the data path; each peer's path state
 * is synchronized on its own {@link PeerPaths}, its held packets on its {@link HeldPackets}, its heartbeat handle
 * on its {@link HeartbeatTimer}. No lock is held while sending. Candidate endpoints: {@link LocalEndpoints}.
 */
public final class MagicSock implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(MagicSock.class.getName());
    /** The synthetic endpoints' port. */
    public static final int MAGIC_PORT = 1;
    static final long RESTUN_MIN_NANOS = 20_000_000_000L;
    static final long RESTUN_MAX_NANOS = 26_000_000_000L;
    /** Re-STUN interval while an active peer has no trusted direct path (see {@link #restunWhileRelayed}). */
    static final long RESTUN_RELAYED_NANOS = 3_000_000_000L;
    /** Endpoints older than this are refreshed when a peer becomes active (its call-me-maybe lists them). */
    static final long ENDPOINTS_FRESH_NANOS = 27_000_000_000L;

    /**
     * How a magicsock is built.
     *
     * @param self            our node key (the relay and peers know us by it); null until the node has one (a
     *                        node before its first login has no peers), then set with {@link MagicSock#setSelf}
     * @param udp             the real UDP bind (DatagramChannelBind, LinuxUdpBind, or a test network)
     * @param relays          the relay links
     * @param clock           time
     * @param scheduler       timers
     * @param localAddresses  the interface addresses to offer as endpoints (null: {@link #interfaceAddresses}
     *                        with no excluded name; the node passes {@code () -> interfaceAddresses(tunName)})
     * @param portMapper      port mapping, or null for none
     * @param disco           our disco key pair, or null to generate one
     * @param sideSockets     extra sockets for birthday rounds (ADR 0015), or null for none (no rounds as the hard
     *                        side; the easy side's probes need none)
     */
    public record Config(NodeKey self, Bind udp, RelayLinks relays, Clock clock, Scheduler scheduler,
                         Supplier<List<InetAddress>> localAddresses, PortMapper portMapper, DiscoBox disco,
                         SideSockets sideSockets) {
        public Config {
            if (udp == null || relays == null || clock == null || scheduler == null) {
                throw new IllegalArgumentException("magicsock config needs udp, relays, clock and scheduler");
            }
        }

        /** A configuration with real UDP side sockets ({@link SideSockets#udp()}). */
        public Config(NodeKey self, Bind udp, RelayLinks relays, Clock clock, Scheduler scheduler,
                      Supplier<List<InetAddress>> localAddresses, PortMapper portMapper, DiscoBox disco) {
            this(self, udp, relays, clock, scheduler, localAddresses, portMapper, disco, SideSockets.udp());
        }
    }

    /** One peer: its synthetic endpoint, path state and packets waiting for a path. */
    record Peer(NodeKey nodeKey, Endpoint magic, PeerPaths paths, HeartbeatTimer timer, HeldPackets held) {
    }

    /** Immutable peer indexes, replaced whole under {@code lock}, read lock-free. */
    private record Peers(Map<NodeKey, Peer> byNodeKey, Map<PublicKey, Peer> byWgKey, Map<Endpoint, Peer> byMagic,
                         Map<DiscoKey, Peer> byDisco) {
        static final Peers EMPTY = new Peers(Map.of(), Map.of(), Map.of(), Map.of());
    }

    private final Config config;
    private final DiscoBox disco;
    private final Netcheck netcheck;
    private final MagicBind bind;
    /** Null when the config has no side sockets. */
    private final Birthday birthday;
    private final Object lock = new Object();
    private volatile Peers peers = Peers.EMPTY;
    // guarded by lock
    private final Map<NodeKey, Endpoint> magicByNode = new HashMap<>();
    // guarded by lock
    private long nextMagicId = 1;
    /** At most this many verified addresses are remembered (a peer could ping from many ports). */
    static final int MAX_VERIFIED = 16_384;
    /** Addresses disco verified, → peer. Concurrent map; entries only for peers in {@link #peers}. */
    private final Map<Endpoint, Peer> verified = new ConcurrentHashMap<>();
    private volatile RelayMap relayMap = new RelayMap(null);
    // guarded by lock (written); our node key, carried in disco pings
    private volatile NodeKey self;
    private volatile int homeRelay;
    /** Serializes endpoint recomputation and listener calls; never held with {@code lock}. */
    private final Object endpointsLock = new Object();
    // written under endpointsLock, read anywhere
    private volatile List<InetSocketAddress> endpoints = List.of();
    private volatile NetcheckReport lastReport;
    private volatile long lastReportAt;
    /** When the last re-STUN started (Long.MIN_VALUE: never); written by the re-STUN task, read on heartbeats. */
    private volatile long lastRestunAt = Long.MIN_VALUE;
    private volatile InetSocketAddress portMapped;
    private final List<Consumer<List<InetSocketAddress>>> endpointListeners = new CopyOnWriteArrayList<>();
    private final List<IntConsumer> homeListeners = new CopyOnWriteArrayList<>();
    // guarded by lock
    private Scheduler.Task restunTask;
    // guarded by lock
    private boolean closed;

    public MagicSock(Config config) {
        this.config = config;
        this.disco = config.disco() != null ? config.disco() : DiscoBox.generate();
        this.self = config.self();
        this.bind = new MagicBind(this, config.udp());
        this.birthday = config.sideSockets() == null ? null : new Birthday(config.clock(), config.scheduler(),
                config.sideSockets(), new BirthdayHost(this), new java.security.SecureRandom());
        this.netcheck = new Netcheck(config.clock(), config.scheduler(), this::sendStun, config.relays(),
                config.portMapper() == null ? null : () -> config.portMapper().probe());
        config.relays().start(new RelayLinks.Receiver() {
            @Override
            public void packet(int region, PublicKey src, byte[] b, int off, int len) {
                relayPacket(region, src, b, off, len);
            }

            @Override
            public void packetsEnd(int region) {
                bind.relayFlush(); // the WireGuard packets of this read go to the engine as one batch
            }
        });
    }

    /** The engine's {@link Bind}. */
    public MagicBind bind() {
        return bind;
    }

    /** Our disco public key (reported to control). */
    public DiscoKey discoKey() {
        return disco.publicKey();
    }

    // ---------------------------------------------------------------- peers

    /**
     * Replaces the peer set. Each peer keeps its synthetic endpoint across calls; a peer that reappears with a new
     * disco key starts discovery afresh. A disco key of small order is refused with an IllegalArgumentException
     * naming it, and nothing changes.
     */
    public void setPeers(List<PeerSpec> specs) {
        List<Peer> removed = new ArrayList<>();
        List<Peer> fresh = new ArrayList<>();
        synchronized (lock) {
            if (self == null && !specs.isEmpty()) {
                throw new IllegalStateException("magicsock has no node key yet (setSelf) but was given "
                        + specs.size() + " peers");
            }
            Set<NodeKey> seen = new LinkedHashSet<>();
            for (PeerSpec s : specs) {
                if (!seen.add(s.nodeKey())) {
                    throw new IllegalArgumentException("peer " + s.nodeKey().shortString() + " listed twice");
                }
            }
            disco.retain(specs.stream().map(PeerSpec::discoKey).toList());
            Peers old = peers;
            Map<NodeKey, Peer> byNode = new HashMap<>();
            Map<PublicKey, Peer> byWg = new HashMap<>();
            Map<Endpoint, Peer> byMagic = new HashMap<>();
            Map<DiscoKey, Peer> byDisco = new HashMap<>();
            for (PeerSpec s : specs) {
                Peer p = old.byNodeKey().get(s.nodeKey());
                if (p == null || !p.paths().discoKey().equals(s.discoKey()) || !p.held().isEmpty()) {
                    fresh.add(p); // null is replaced below
                }
                if (p == null) {
                    Endpoint magic = magicByNode.computeIfAbsent(s.nodeKey(), k -> magicEndpoint(nextMagicId++));
                    p = new Peer(s.nodeKey(), magic, new PeerPaths(config.clock(), self, s.nodeKey(),
                            s.discoKey(), s.homeRelay(), () -> endpoints, this::ourNatFlags), new HeartbeatTimer(),
                            new HeldPackets());
                    fresh.set(fresh.size() - 1, p);
                }
                p.paths().update(s.discoKey(), s.homeRelay(), s.endpoints());
                byNode.put(s.nodeKey(), p);
                byWg.put(s.nodeKey().publicKey(), p);
                byMagic.put(p.magic(), p);
                byDisco.put(s.discoKey(), p);
            }
            for (Peer p : old.byNodeKey().values()) {
                if (!byNode.containsKey(p.nodeKey())) {
                    removed.add(p);
                    magicByNode.remove(p.nodeKey());
                }
            }
            peers = new Peers(Map.copyOf(byNode), Map.copyOf(byWg), Map.copyOf(byMagic), Map.copyOf(byDisco));
        }
        for (Peer p : removed) {
            p.timer().stop();
            verified.values().removeIf(v -> v == p);
            p.held().clear();
        }
        if (birthday != null && !removed.isEmpty()) {
            birthday.retain(peers.byNodeKey().keySet());
        }
        flushAllHeld();
        for (Peer p : fresh) {
            if (p.paths().sendRegion() == 0) {
                // no relay to carry the first packets: prove a direct path now, not on the first send (see
                // PeerPaths.discoverNow); with a relay the first packets go through it and disco starts on send.
                // On the scheduler, so the caller (the node, under its lock) configures the engine meanwhile
                config.scheduler().schedule(() -> discover(p), 0);
            }
        }
    }

    /** Runs {@link PeerPaths#discoverNow} for {@code p} unless it was removed or the socket closed meanwhile. */
    private void discover(Peer p) {
        if (p.timer().isRemoved()) {
            return;
        }
        if (peers.byNodeKey().get(p.nodeKey()) == p) {
            perform(p, p.paths().discoverNow());
        }
    }

    /**
     * Our node key changed (first login, re-login, key renewal). Every peer's path state is dropped (its pings
     * carried the old key, and the engine's sessions die with the key anyway); each peer keeps its synthetic
     * endpoint and comes back with the next {@link #setPeers}.
     */
    public void setSelf(NodeKey key) {
        List<Peer> dropped;
        synchronized (lock) {
            if (java.util.Objects.equals(key, self)) {
                return;
            }
            self = key;
            dropped = List.copyOf(peers.byNodeKey().values());
            peers = Peers.EMPTY;
        }
        for (Peer p : dropped) {
            p.timer().stop();
        }
        verified.clear();
        if (birthday != null) {
            birthday.reset();
        }
    }

    /** The synthetic endpoint the engine should use for {@code peer}, or null if it is not a peer. */
    public Endpoint endpointOf(NodeKey peer) {
        Peer p = peers.byNodeKey().get(peer);
        return p == null ? null : p.magic();
    }

    static Endpoint magicEndpoint(long id) {
        byte[] ip = new byte[16];
        ip[0] = 0x01;
        for (int i = 0; i < 8; i++) {
            ip[15 - i] = (byte) (id >>> (8 * i));
        }
        return Endpoint.of(ip, MAGIC_PORT);
    }

    /** True when {@code e} is in 100::/64, the synthetic endpoints' prefix. */
    public static boolean isMagic(Endpoint e) {
        if (e.isIpv4()) {
            return false;
        }
        byte[] ip = e.address();
        if (ip[0] != 0x01) {
            return false;
        }
        for (int i = 1; i < 8; i++) {
            if (ip[i] != 0) {
                return false;
            }
        }
        return true;
    }

    /** The current path to {@code peer}, or null when it is not a peer. */
    public PathInfo pathOf(NodeKey peer) {
        Peer p = peers.byNodeKey().get(peer);
        if (p == null) {
            return null;
        }
        PeerPaths.PathSnapshot s = p.paths().snapshot();
        long l = s.direct() != null ? s.directLatency() : s.relayLatency();
        return new PathInfo(s.direct(), l < 0 ? null : Duration.ofNanos(l), s.relayRegion(),
                regionCode(s.relayRegion()), s.active());
    }

    /**
     * A disco ping to {@code peer}: to its trusted direct address, or to every candidate and through the relay;
     * completes with the first pong, or exceptionally with a TimeoutException after {@code timeout}.
     */
    public CompletableFuture<PingResult> ping(NodeKey peer, Duration timeout) {
        Peer p = peers.byNodeKey().get(peer);
        if (p == null) {
            return CompletableFuture.failedFuture(new IllegalArgumentException(
                    "no peer " + peer.shortString()));
        }
        CompletableFuture<PeerPaths.PingOutcome> waiter = new CompletableFuture<>();
        Scheduler.Task t = config.scheduler().schedule(() -> waiter.completeExceptionally(
                new java.util.concurrent.TimeoutException("no pong from " + peer.shortString() + " in " + timeout)),
                timeout.toNanos());
        perform(p, p.paths().userPing(waiter));
        return waiter.whenComplete((o, e) -> t.cancel())
                .thenApply(o -> new PingResult(Duration.ofNanos(o.latencyNanos()), o.direct(),
                        o.direct() == null ? regionCode(p.paths().sendRegion()) : null));
    }

    private String regionCode(int id) {
        RelayMap.RelayRegion r = relayMap.region(id);
        return r == null ? null : r.code();
    }

    // ---------------------------------------------------------------- relays, endpoints, netcheck

    /** Replaces the relay map and runs a netcheck to pick the home region. */
    public void setRelayMap(RelayMap map) {
        relayMap = map;
        config.relays().setRelayMap(map);
        if (bind.isOpen()) {
            restunNow();
        }
        flushAllHeld();
    }

    /** Our home relay region (0 = none yet). */
    public int homeRelay() {
        return homeRelay;
    }

    public void onHomeRelayChanged(IntConsumer l) {
        homeListeners.add(l);
    }

    /**
     * Our candidate endpoints, in preference order: port-mapped, STUN-observed (v4, v6; unless netcheck proved an
     * easy NAT also the public IPv4 with our own port, for a manual port forward or a port-preserving NAT), local
     * interfaces with the bound port.
     */
    public List<InetSocketAddress> localEndpoints() {
        return endpoints;
    }

    /** Called (on a magicsock thread, serially, in publication order) whenever {@link #localEndpoints} changes. */
    public void onEndpointsChanged(Consumer<List<InetSocketAddress>> l) {
        endpointListeners.add(l);
    }

    /** The last netcheck report, or null. */
    public NetcheckReport lastReport() {
        return lastReport;
    }

    /** Runs a netcheck now over the magicsock socket (the bind must be open); updates endpoints and home. */
    public CompletableFuture<NetcheckReport> netcheck() {
        if (!bind.isOpen()) {
            return CompletableFuture.failedFuture(new IllegalStateException("magicsock is not open"));
        }
        // listeners (the node reporting to control) run on a virtual thread, never on a socket receive thread
        return netcheck.run(relayMap, homeRelay).thenApplyAsync(r -> {
            applyReport(r);
            return r;
        }, r -> Thread.ofVirtual().name("magicsock-netcheck-report").start(r));
    }

    private void applyReport(NetcheckReport r) {
        lastReport = r;
        lastReportAt = config.clock().nanoTime();
        if (r.preferredRegion() != 0 && r.preferredRegion() != homeRelay) {
            homeRelay = r.preferredRegion();
            config.relays().setHome(homeRelay);
            for (IntConsumer l : homeListeners) {
                l.accept(homeRelay);
            }
        }
        recomputeEndpoints();
    }

    /**
     * The network changed (address added or removed, default route changed): rebind the socket on the same port,
     * close and re-dial every relay link (home first: a TCP connection from an old address never recovers), forget
     * every trusted path, re-STUN and re-report endpoints.
     */
    public void networkChanged() {
        try {
            bind.rebind();
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "magicsock rebind failed: {0}", e.getMessage());
        }
        config.relays().reconnect();
        verified.clear();
        if (birthday != null) {
            birthday.reset(); // side-socket mappings belong to the old network; the next call-me-maybe starts afresh
        }
        for (Peer p : peers.byNodeKey().values()) {
            p.paths().forget();
        }
        recomputeEndpoints();
        restunNow();
        // active peers: ping every candidate and send call-me-maybe now, not at the next heartbeat
        for (Peer p : peers.byNodeKey().values()) {
            if (p.paths().snapshot().active()) {
                if (p.timer().cancelRunning()) {
                    heartbeat(p);
                }
            }
        }
    }

    void opened(int port) {
        recomputeEndpoints();
        PortMapper pm = config.portMapper();
        if (pm != null) {
            Thread.ofVirtual().name("magicsock-portmap").start(() -> pm.start(port, mapped -> {
                portMapped = mapped;
                recomputeEndpoints();
            }));
        }
        restunNow();
    }

    private void restunNow() {
        synchronized (lock) {
            if (closed) {
                return;
            }
            if (restunTask != null) {
                restunTask.cancel();
            }
            restunTask = config.scheduler().schedule(this::restun, 0);
        }
    }

    /**
     * Re-STUN: now, then every random 20–26 s while any peer is active (or no report exists yet); every
     * {@link #RESTUN_RELAYED_NANOS} while an active peer is relayed.
     */
    private void restun() {
        if (!bind.isOpen()) {
            return;
        }
        lastRestunAt = config.clock().nanoTime();
        if (!relayMap.regions().isEmpty()) {
            netcheck().exceptionally(e -> null);
        }
        long delay = anyActiveRelayed() ? RESTUN_RELAYED_NANOS
                : ThreadLocalRandom.current().nextLong(RESTUN_MIN_NANOS, RESTUN_MAX_NANOS + 1);
        synchronized (lock) {
            if (!closed) {
                restunTask = config.scheduler().schedule(() -> {
                    if (lastReport == null || anyActive()) {
                        restun();
                    } else {
                        restunLater();
                    }
                }, delay);
            }
        }
    }

    /**
     * An active peer has no trusted direct path: our public mapping may have changed (a NAT that was hard became
     * easy, a NAT rebooted) and only STUN tells us, so re-STUN at most every {@link #RESTUN_RELAYED_NANOS} instead
     * of every 20–26 s. A changed endpoint list goes to such peers at once (call-me-maybe).
     */
    private void restunWhileRelayed() {
        long now = config.clock().nanoTime();
        long last = lastRestunAt;
        if (lastReport != null && last != Long.MIN_VALUE && now - last < RESTUN_RELAYED_NANOS) {
            return;
        }
        restunNow();
    }

    private void restunLater() {
        synchronized (lock) {
            if (!closed) {
                restunTask = config.scheduler().schedule(() -> {
                    if (anyActive()) {
                        restun();
                    } else {
                        restunLater();
                    }
                }, RESTUN_MIN_NANOS);
            }
        }
    }

    /** Whether an active peer has no trusted direct path (its traffic goes through a relay). */
    private boolean anyActiveRelayed() {
        for (Peer p : peers.byNodeKey().values()) {
            PeerPaths.PathSnapshot s = p.paths().snapshot();
            if (s.active() && !s.hasTrustedDirect()) {
                return true;
            }
        }
        return false;
    }

    private boolean anyActive() {
        for (Peer p : peers.byNodeKey().values()) {
            if (p.paths().snapshot().active()) {
                return true;
            }
        }
        return false;
    }

    private void recomputeEndpoints() {
        int port = bind.port();
        if (port <= 0) {
            return;
        }
        List<InetSocketAddress> fresh = LocalEndpoints.candidates(portMapped, lastReport, port,
                config.localAddresses() != null ? config.localAddresses().get() : interfaceAddresses(null));
        // compare, publish and notify under one lock so listeners see the lists in the order they were published
        synchronized (endpointsLock) {
            if (fresh.equals(endpoints)) {
                return;
            }
            endpoints = fresh;
            for (Consumer<List<InetSocketAddress>> l : endpointListeners) {
                l.accept(fresh);
            }
        }
        // peers we have no direct path to hear our new endpoints now, not at their next call-me-maybe round
        for (Peer p : peers.byNodeKey().values()) {
            perform(p, p.paths().onOurEndpointsChanged());
        }
    }

    /**
     * This host's interface addresses to offer as endpoints: up interfaces, no multicast or IPv6 link-local, no
     * interface named {@code excludeInterface} (the node's TUN) and no interface holding an address in Warren's
     * overlay prefix fd7a:115c:a1e0::/48 (a Warren TUN whatever its name) — peers must not be told to reach us
     * through the tunnel itself. Never loopback or link-local addresses (a peer cannot reach us there; a host
     * that has only those offers nothing and is reached through its relay).
     */
    public static List<InetAddress> interfaceAddresses(String excludeInterface) {
        return LocalEndpoints.interfaceAddresses(excludeInterface);
    }

    // ---------------------------------------------------------------- data path

    /** Routes one batch for the engine; see the class comment. */
    void send(PacketBuffer[] bufs, int from, int count, Endpoint to) throws IOException {
        if (!isMagic(to)) {
            bind.sendUdp(bufs, from, count, to);
            return;
        }
        Peer p = peers.byMagic().get(to);
        if (p == null) {
            return;
        }
        PeerPaths.Route r = p.paths().route();
        if (r.startHeartbeat()) {
            if (lastReport != null && config.clock().nanoTime() - lastReportAt > ENDPOINTS_FRESH_NANOS) {
                restunNow(); // the peer went active after a quiet spell: refresh what call-me-maybe will list
            }
            heartbeat(p);
        }
        if (!deliver(p, r, bufs, from, count)) {
            p.held().hold(bufs, from, count, config.clock().nanoTime());
        }
    }

    /** Sends a batch along {@code r}; false when it had no path at all (no direct address, no relay took it). */
    private boolean deliver(Peer p, PeerPaths.Route r, PacketBuffer[] bufs, int from, int count) throws IOException {
        boolean sent = false;
        if (r.direct() != null) {
            try {
                SideSocket side = birthday != null && birthday.anyPinned() ? birthday.pinnedSocket(r.direct()) : null;
                if (side != null) {
                    for (int i = from; i < from + count; i++) {
                        side.send(bufs[i].toByteArray(), r.direct());
                    }
                } else {
                    bind.sendUdp(bufs, from, count, r.directEndpoint());
                }
                sent = true;
            } catch (IOException e) {
                if (!r.viaRelay()) {
                    throw e;
                }
            }
        }
        if (r.viaRelay()) {
            int region = p.paths().sendRegion();
            if (region != 0) {
                sent |= config.relays().send(region, p.nodeKey().publicKey(), bufs, from, count) > 0;
            }
        }
        return sent;
    }

    /** Sends every peer's held packets that now have a path. */
    private void flushAllHeld() {
        for (Peer p : peers.byNodeKey().values()) {
            flushHeld(p);
        }
    }

    /** Sends {@code p}'s held packets if it now has a path ({@link HeldPackets#release}). Never throws. */
    private void flushHeld(Peer p) {
        flushHeld(p, null);
    }

    /**
     * The same, but while {@code p} still has no path copies go to {@code pingSource} (not null: an authenticated
     * direct ping from the peer just came from there) and stay held. Never throws.
     */
    private void flushHeld(Peer p, Endpoint pingSource) {
        p.held().release(config.clock().nanoTime(), () -> hasPath(p), pingSource, b -> sendDatagram(b, pingSource),
                bufs -> {
                    try {
                        PeerPaths.Route r = p.paths().route();
                        if (r.startHeartbeat()) {
                            heartbeat(p);
                        }
                        deliver(p, r, bufs, 0, bufs.length);
                    } catch (IOException | RuntimeException e) {
                        LOG.log(System.Logger.Level.DEBUG, "held packets to {0} failed: {1}",
                                p.nodeKey().shortString(), e.getMessage());
                    }
                });
    }

    /** Whether {@code p} has any path: a direct address disco found, or a relay region to reach it through. */
    private static boolean hasPath(Peer p) {
        return p.paths().sendRegion() != 0 || p.paths().hasBest();
    }

    private void heartbeat(Peer p) {
        if (p.timer().isRemoved()) {
            return;
        }
        PeerPaths.Heartbeat hb = p.paths().heartbeat();
        perform(p, hb.actions());
        if (hb.nextDelayNanos() >= 0 && !p.paths().snapshot().hasTrustedDirect()) {
            restunWhileRelayed();
        }
        p.timer().scheduleNext(config.scheduler(), () -> heartbeat(p), hb.nextDelayNanos());
    }

    /** Sends the disco messages a peer's path state asked for. Never throws. */
    void perform(Peer p, List<PeerPaths.Action> actions) {
        for (PeerPaths.Action a : actions) {
            byte[] sealed;
            try {
                sealed = disco.seal(p.paths().discoKey(), a.message());
            } catch (IllegalStateException e) {
                return;
            }
            switch (a) {
                case PeerPaths.Action.Direct d -> sendDatagram(sealed, Endpoint.of(d.to()));
                case PeerPaths.Action.ViaRelay v ->
                        config.relays().send(p.paths().sendRegion(), p.nodeKey().publicKey(), sealed, 0, sealed.length);
            }
        }
    }

    void sendDatagram(byte[] b, Endpoint to) {
        if (birthday != null && birthday.anyPinned()) {
            InetSocketAddress a = to.toInetSocketAddress();
            SideSocket side = birthday.pinnedSocket(a);
            if (side != null) {
                try {
                    side.send(b, a);
                } catch (IOException | RuntimeException e) {
                    LOG.log(System.Logger.Level.DEBUG, "disco send to {0} via a side socket failed: {1}", to,
                            e.getMessage());
                }
                return;
            }
        }
        PacketBuffer pb = PacketBuffer.allocate(b.length);
        pb.copyFrom(b, 0, 0, b.length);
        pb.set(0, b.length);
        try {
            bind.sendUdp(new PacketBuffer[]{pb}, 0, 1, to);
        } catch (IOException | RuntimeException e) {
            LOG.log(System.Logger.Level.DEBUG, "disco send to {0} failed: {1}", to, e.getMessage());
        }
    }

    private void sendStun(byte[] packet, InetSocketAddress to) throws IOException {
        PacketBuffer pb = PacketBuffer.allocate(packet.length);
        pb.copyFrom(packet, 0, 0, packet.length);
        pb.set(0, packet.length);
        bind.sendUdp(new PacketBuffer[]{pb}, 0, 1, Endpoint.of(to));
    }

    /** The synthetic endpoint of the peer disco verified at {@code src}, or null. */
    Endpoint verifiedMagic(Endpoint src) {
        Peer p = verified.get(src);
        return p == null ? null : p.magic();
    }

    /** A disco datagram arrived on the UDP socket from {@code src}. Never throws. */
    void discoFromUdp(byte[] b, Endpoint src) {
        DiscoBox.Opened o = disco.open(b, 0, b.length);
        if (o == null) {
            return;
        }
        Peer p = peers.byDisco().get(o.sender());
        if (p == null) {
            return;
        }
        InetSocketAddress from = src.toInetSocketAddress();
        switch (o.message()) {
            case DiscoMessage.Ping ping -> {
                if (!Arrays.equals(ping.senderNodeKey(), p.nodeKey().publicKey().toBytes())) {
                    return;
                }
                remember(src, p);
                perform(p, p.paths().onPingDirect(from, ping.txid()));
                // the peer knows us now and is at src: what we held for it goes there (or along its path)
                flushHeld(p, src);
            }
            case DiscoMessage.Pong pong -> pongDirect(p, src, pong, null);
            default -> {
                // call-me-maybe is only accepted through the relay; unknown types are ignored
            }
        }
    }

    /**
     * A pong from {@code p} arrived directly from {@code src} (on a side socket when {@code side} is not null): an
     * answer to one of its ordinary pings, or else to a birthday probe.
     */
    void pongDirect(Peer p, Endpoint src, DiscoMessage.Pong pong, SideSocket side) {
        InetSocketAddress from = src.toInetSocketAddress();
        boolean proven = p.paths().onPong(from, pong.txid()) != null;
        if (!proven && birthday != null) {
            long rtt = birthday.probePong(p.nodeKey(), pong.txid(), from, side);
            if (rtt >= 0) {
                p.paths().onProbePong(from, rtt);
                proven = true;
            }
        }
        if (proven) {
            remember(src, p);
            flushHeld(p);
            if (birthday != null) {
                birthday.onTrusted(p.nodeKey());
            }
        }
    }

    /** What call-me-maybe says about our NAT: hard (netcheck proved it, no port mapping), easy, or neither. */
    private int ourNatFlags() {
        NetcheckReport r = lastReport;
        if (r == null || r.mappingVariesByDestIP() == null) {
            return 0;
        }
        if (r.mappingVariesByDestIP()) {
            return portMapped == null ? DiscoMessage.CallMeMaybe.NAT_HARD : 0;
        }
        return DiscoMessage.CallMeMaybe.NAT_EASY;
    }

    /** Our node key (null before login). */
    NodeKey self() {
        return self;
    }

    DiscoBox discoBox() {
        return disco;
    }

    /** The peer with node key {@code k}, or null. */
    Peer peer(NodeKey k) {
        return peers.byNodeKey().get(k);
    }

    /** The peer with disco key {@code k}, or null. */
    Peer peerByDisco(DiscoKey k) {
        return peers.byDisco().get(k);
    }

    Birthday birthday() {
        return birthday;
    }

    /** The birthday state of {@code peer} (ADR 0015), or null when birthday rounds are off. */
    public Birthday.State birthdayState(NodeKey peer) {
        return birthday == null ? null : birthday.state(peer);
    }

    /** Side sockets open in all (rounds and kept), 0 when birthday rounds are off. */
    public int sideSocketsOpen() {
        return birthday == null ? 0 : birthday.openSockets();
    }


    void remember(Endpoint src, Peer p) {
        if (verified.size() >= MAX_VERIFIED && !verified.containsKey(src)) {
            verified.clear();
        }
        verified.put(src, p);
    }

    /** Everything the relay links deliver. Never throws. */
    private void relayPacket(int region, PublicKey src, byte[] b, int off, int len) {
        try {
            Demux.Kind kind = Demux.classify(b, off, len);
            if (kind == Demux.Kind.DISCO) {
                discoFromRelay(region, Arrays.copyOfRange(b, off, off + len));
            } else if (kind == Demux.Kind.WIREGUARD) {
                Peer p = peers.byWgKey().get(src);
                if (p != null) {
                    p.paths().noteRelayRegion(region);
                    bind.relayInbound(p.magic(), Arrays.copyOfRange(b, off, off + len));
                    flushHeld(p);
                }
            }
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "relay packet from region " + region + " failed", e);
        }
    }

    private void discoFromRelay(int region, byte[] b) {
        DiscoBox.Opened o = disco.open(b, 0, b.length);
        if (o == null) {
            return;
        }
        Peer p = peers.byDisco().get(o.sender());
        if (p == null) {
            return;
        }
        p.paths().noteRelayRegion(region);
        flushHeld(p);
        switch (o.message()) {
            case DiscoMessage.Ping ping -> {
                if (Arrays.equals(ping.senderNodeKey(), p.nodeKey().publicKey().toBytes())) {
                    perform(p, p.paths().onPingViaRelay(ping.txid()));
                }
            }
            case DiscoMessage.Pong pong -> p.paths().onPong(null, pong.txid());
            case DiscoMessage.CallMeMaybe cmm -> {
                perform(p, p.paths().onCallMeMaybe(cmm.endpoints(), cmm.natFlags()));
                int ours = ourNatFlags();
                if (birthday != null && birthday.consider(p.nodeKey(), p.paths().discoKey(), cmm.natFlags(),
                        cmm.endpoints(), (ours & DiscoMessage.CallMeMaybe.NAT_HARD) != 0,
                        (ours & DiscoMessage.CallMeMaybe.NAT_EASY) != 0)) {
                    perform(p, p.paths().callMeMaybeNow()); // the peer starts its half of the round now
                }
            }
            case DiscoMessage.Unknown u -> {
                // a later version's message: ignored
            }
        }
    }

    /** A STUN datagram arrived on the UDP socket. */
    void stunFromUdp(byte[] b, Endpoint src) {
        netcheck.onStun(b, 0, b.length, src.toInetSocketAddress());
    }

    /** Closes the socket, the relay links, the port mapping and every timer. */
    @Override
    public void close() {
        synchronized (lock) {
            if (closed) {
                return;
            }
            closed = true;
            if (restunTask != null) {
                restunTask.cancel();
            }
        }
        for (Peer p : peers.byNodeKey().values()) {
            p.timer().stop();
        }
        if (birthday != null) {
            birthday.close();
        }
        bind.close();
        config.relays().close();
        if (config.portMapper() != null) {
            config.portMapper().close();
        }
    }
}
