package dev.warren.node;

import dev.warren.channel.ControlDialer;
import dev.warren.crypto.X25519;
import dev.warren.node.internal.ControlException;
import dev.warren.node.internal.ControlSession;
import dev.warren.node.internal.EnginePaths;
import dev.warren.node.internal.EngineSync;
import dev.warren.node.internal.Hostnames;
import dev.warren.node.internal.LocalAddresses;
import dev.warren.node.internal.LocalEndpoints;
import dev.warren.node.internal.NetMap;
import dev.warren.node.internal.NodeFilter;
import dev.warren.node.internal.PingTun;
import dev.warren.node.internal.StateStore;
import dev.warren.node.internal.TunnelPinger;
import dev.warren.node.internal.Views;
import dev.warren.wire.control.ControlSettings;
import dev.warren.wire.control.Hostinfo;
import dev.warren.wire.control.MapResponse;
import dev.warren.wire.control.Node;
import dev.warren.wire.control.RegisterResponse;
import dev.warren.wire.control.RelayMap;
import dev.warren.wire.datapath.Bind;
import dev.warren.wire.datapath.TunDevice;
import dev.warren.wire.key.DiscoKey;
import dev.warren.wire.key.NodeKey;
import dev.warren.wire.key.PrivateKey;
import dev.warren.wire.key.PublicKey;
import dev.warren.wire.net.IpAddresses;
import dev.warren.wire.net.IpPrefix;
import dev.warren.wire.time.Clock;
import dev.warren.wire.time.Scheduler;
import dev.warren.wireguard.Device;
import dev.warren.wireguard.uapi.DeviceState;
import dev.warren.wireguard.uapi.SetRequest;
import dev.warren.wireguard.uapi.UapiException;

import java.io.IOException;
import java.net.InetAddress;
import java.net.URI;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

/**
 * The node's state machine: login, the control session, the network map, and the WireGuard engine it drives.
 * It needs no Linux: the TUN device, the UDP bind, the control transport and time are all injected.
 *
 * <pre>
 *            up(server, key)                     first full map
 * NeedsLogin ───────────────▶ Starting ───────────────────────────▶ Running
 *     ▲                          │  ▲ control fails: back-off, resync    │
 *     │ logout / fatal error     │  └────────────────────────────────────┘ (engine keeps its peers)
 *     └──────────────────────────┘          down ▶ Stopped (no session, no peers, keys kept) ── up ▶ Starting
 * </pre>
 *
 * <p>Flow of a map: {@link ControlSession} (its own virtual thread) → {@link NetMap#apply} (full or delta) →
 * {@link EngineSync#sync} (one atomic SetRequest of the differences) → {@link AddressConfigurer} when our own
 * addresses changed. Every step runs under {@code mu}, so a peer removed by a delta is gone from the engine when
 * the session reads the next message.
 *
 * <p>NAT traversal seams (capability version 2): a disco key pair is made at every start (the private half stays
 * in memory) and announced in every MapRequest with the {@link EndpointSource}'s endpoints and home relay; a
 * change the source reports goes to control at once as an UpdateRequest. Each applied map goes to the
 * {@link #onNetworkMap} listener (peers with their disco keys and home relays, the relay map). Status and ping ask
 * the {@link PathProvider} how each peer is reached. Without magicsock the built-in {@link LocalEndpoints} and
 * {@link EnginePaths} keep today's behaviour.
 *
 * <p>Concurrency: public methods may be called from any thread. Lock order: {@code mu} → the engine's config
 * lock. Never wait for the session thread while holding {@code mu} (its callbacks take {@code mu}); never call the
 * PathProvider or EndpointSource while holding {@code mu} (they may take their own locks).
 */
public final class NodeBackend implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger("warren.node");
    /** How long {@link #up} waits for registration and the first map by default. */
    public static final Duration UP_TIMEOUT = Duration.ofMinutes(2);
    /** How often the local endpoints are checked for changes. */
    public static final Duration ENDPOINT_POLL = Duration.ofSeconds(10);

    private final StateStore store;
    private final PrivateKey machineKey;
    private final PingTun tun;
    private final Device device;
    private final EngineSync engine;
    private final ControlDialerFactory dialers;
    private final ServerKeyFetcher serverKeys;
    private final Clock clock;
    private final Scheduler scheduler;
    private final AddressConfigurer addressConfigurer;
    private final LocalAddressSource localAddresses;
    private final EndpointSource endpointSource;
    private final PathProvider paths;
    private final PrivateKey discoPrivate;
    private final DiscoKey discoKey;
    private final DataPlane dataPlane;
    private final SecureRandom rng = new SecureRandom();
    private final TunnelPinger pinger;
    private final NodeFilter filter;

    private final ReentrantLock mu = new ReentrantLock();
    // guarded by mu
    private BackendState state = BackendState.NeedsLogin;
    // guarded by mu; null when logged out
    private PrivateKey nodeKey;
    // guarded by mu
    private StateStore.Login login;
    // guarded by mu
    private final NetMap netmap = new NetMap();
    // guarded by mu; null when no session runs
    private ControlSession session;
    // guarded by mu
    private String authUrl;
    // guarded by mu
    private String user;
    // guarded by mu
    private String domain;
    // guarded by mu
    private boolean controlConnected;
    // guarded by mu; the addresses last handed to the AddressConfigurer
    private List<IpPrefix> appliedAddresses = List.of();
    // guarded by mu; completed when the pending up() may return
    private CompletableFuture<Void> upDone;
    // guarded by mu
    private Consumer<String> authUrlListener = u -> { };
    // guarded by mu; the endpoints control last heard
    private List<String> lastEndpoints = List.of();
    // guarded by mu; the home relay control last heard
    private int lastHomeRelay;
    // guarded by mu; told about every applied map
    private Consumer<NetworkMap> networkMapListener = m -> { };
    // written under mu, and by the scheduler thread (which must not block on mu)
    private volatile Scheduler.Task endpointPoll;
    // written under mu; volatile for the scheduler thread
    private volatile boolean closed;

    /**
     * Builds the backend and starts the engine on {@code tun} and {@code bind} (the bind opens on {@code listenPort},
     * 0 = any). Reads or creates the machine key in {@code stateDir}; does not contact control (see {@link #up} and
     * {@link #resume}).
     */
    public NodeBackend(Path stateDir, int listenPort, TunDevice tun, Bind bind, ControlDialerFactory dialers,
                       ServerKeyFetcher serverKeys, Clock clock, Scheduler scheduler, AddressConfigurer addresses)
            throws IOException {
        this(stateDir, listenPort, tun, bind, dialers, serverKeys, clock, scheduler, addresses,
                () -> LocalAddresses.list(tun.name()));
    }

    /** As above, with the source of the host's underlay addresses (tests give the in-memory network's). */
    public NodeBackend(Path stateDir, int listenPort, TunDevice tun, Bind bind, ControlDialerFactory dialers,
                       ServerKeyFetcher serverKeys, Clock clock, Scheduler scheduler, AddressConfigurer addresses,
                       LocalAddressSource localAddresses) throws IOException {
        this(stateDir, listenPort, tun, bind, dialers, serverKeys, clock, scheduler, addresses, localAddresses, null,
                null);
    }

    /**
     * As above, with the data plane's path and endpoint information (magicsock implements both; null = the
     * built-in {@link EnginePaths} and {@link LocalEndpoints} over {@code localAddresses}).
     */
    public NodeBackend(Path stateDir, int listenPort, TunDevice tun, Bind bind, ControlDialerFactory dialers,
                       ServerKeyFetcher serverKeys, Clock clock, Scheduler scheduler, AddressConfigurer addresses,
                       LocalAddressSource localAddresses, PathProvider paths, EndpointSource endpointSource)
            throws IOException {
        this(stateDir, listenPort, tun, dialers, serverKeys, clock, scheduler, addresses, localAddresses,
                new DataPlane(bind, paths, endpointSource, null));
    }

    /**
     * As above, with the whole data plane: its bind, path provider and endpoint source (null parts = the built-in
     * ones), the engine endpoints it chooses, its disco key, its netcheck and its close hook (run by {@link #close}
     * after the engine). {@link DataPlane#attach()} is not called here: the caller calls it with this backend.
     */
    public NodeBackend(Path stateDir, int listenPort, TunDevice tun, ControlDialerFactory dialers,
                       ServerKeyFetcher serverKeys, Clock clock, Scheduler scheduler, AddressConfigurer addresses,
                       LocalAddressSource localAddresses, DataPlane plane) throws IOException {
        Bind bind = plane.bind();
        PathProvider paths = plane.paths();
        EndpointSource endpointSource = plane.endpoints();
        this.dataPlane = plane;
        this.discoPrivate = plane.discoKey() != null ? plane.discoKey() : X25519.generatePrivateKey();
        this.discoKey = DiscoKey.of(X25519.publicKey(discoPrivate));
        this.store = new StateStore(stateDir);
        this.machineKey = store.machineKey();
        this.dialers = Objects.requireNonNull(dialers, "dialers");
        this.serverKeys = Objects.requireNonNull(serverKeys, "serverKeys");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
        this.addressConfigurer = addresses == null ? AddressConfigurer.NONE : addresses;
        this.localAddresses = localAddresses;
        this.nodeKey = store.nodeKey();
        this.login = store.login();
        if (nodeKey != null && login.loginServer() != null) {
            state = BackendState.Stopped;
        }
        this.filter = new NodeFilter(clock);
        this.tun = new PingTun(filter.wrap(tun), clock); // the node's own ping replies skip the filter
        this.device = Device.start(this.tun, bind, Device.Options.defaults(scheduler, "warren").withClock(clock)
                .withCryptoWorkers(Math.min(4, Math.max(0, Runtime.getRuntime().availableProcessors() - 1))));
        try {
            device.apply(new SetRequest(nodeKey, listenPort, null, false, List.of()));
        } catch (UapiException e) {
            device.close();
            throw new IOException("cannot listen on UDP port " + listenPort + ": " + e.getMessage(), e);
        }
        this.engine = new EngineSync(device, plane.engineEndpoints());
        this.pinger = new TunnelPinger(device, this.tun, clock);
        this.paths = paths != null ? paths : new EnginePaths(device::state, clock, this::icmpPing);
        this.endpointSource = endpointSource != null ? endpointSource
                : new LocalEndpoints(localAddresses, device::listenPort);
        this.endpointSource.onChange(() -> Thread.ofVirtual().name("warren-endpoints")
                .start(this::sendEndpointsIfChanged));
    }

    // ---- commands -------------------------------------------------------------------------------------------

    /** {@link #up(URI, String, String, Consumer, Duration)} with no auth-URL listener and {@link #UP_TIMEOUT}. */
    public void up(URI loginServer, String authKey, String hostname) throws IOException {
        up(loginServer, authKey, hostname, u -> { }, UP_TIMEOUT);
    }

    /**
     * Logs in (or back in) to {@code loginServer} and starts the control session; returns once registered with the
     * first network map applied.
     *
     * <p>The server's key is fetched and pinned at the first login; a later login to a server presenting another
     * key is refused until {@link #logout}. Without an auth key the server answers with an auth URL, which goes
     * to {@code onAuthUrl} while this keeps waiting for the login to finish.
     *
     * @throws IOException with control's message (e.g. "auth key has expired") when it refuses the login, or when
     *                     nothing completes within {@code timeout} (the session keeps trying in the background)
     */
    public void up(URI loginServer, String authKey, String hostname, Consumer<String> onAuthUrl, Duration timeout)
            throws IOException {
        Objects.requireNonNull(loginServer, "loginServer");
        StateStore.Login pinned = valueUnderMu(() -> {
            checkOpenLocked();
            return login;
        });
        PublicKey serverKey = serverKeyFor(loginServer, pinned);
        ControlSession old;
        CompletableFuture<Void> done = new CompletableFuture<>();
        mu.lock();
        try {
            checkOpenLocked();
            old = session;
            session = null;
            controlConnected = false;
            if (nodeKey == null) {
                nodeKey = store.newNodeKey();
            }
            String host = hostname != null && !hostname.isBlank() ? hostname
                    : login.hostname() != null ? login.hostname() : Hostnames.local();
            // kept in memory until control accepts the registration: a failed first login pins nothing
            login = new StateStore.Login(loginServer, serverKey, host, true);
            if (upDone != null) {
                upDone.completeExceptionally(new IOException("superseded by another `up`"));
            }
            upDone = done;
            authUrlListener = onAuthUrl == null ? u -> { } : onAuthUrl;
            authUrl = null;
            state = BackendState.Starting;
        } finally {
            mu.unlock();
        }
        if (old != null) {
            old.stop();
        }
        runUnderMu(() -> {
            checkOpenLocked();
            if (upDone == done) {
                startSessionLocked(authKey); // completes `done` after its first map (see SessionListener.connected)
            }
        });
        await(done, timeout, loginServer);
    }

    private PublicKey serverKeyFor(URI loginServer, StateStore.Login pinned) throws IOException {
        PublicKey fetched;
        try {
            fetched = serverKeys.fetch(loginServer);
        } catch (IOException e) {
            if (pinned.serverKey() != null && loginServer.equals(pinned.loginServer())) {
                LOG.log(System.Logger.Level.WARNING, "cannot fetch the key of {0} ({1}); using the pinned key",
                        loginServer, e.getMessage());
                return pinned.serverKey();
            }
            String m = String.valueOf(e.getMessage());
            throw new IOException(m.contains(String.valueOf(loginServer.getHost())) ? m
                    : "cannot fetch the control server's key from " + loginServer + ": " + m, e);
        }
        if (pinned.serverKey() != null && !pinned.serverKey().equals(fetched)) {
            throw new IOException("control server " + loginServer + " presents key " + fetched.toBase64()
                    + ", but this node is pinned to " + pinned.serverKey().toBase64() + " from its login to "
                    + pinned.loginServer() + "; run `warren logout` first to switch servers");
        }
        return fetched;
    }

    private static void await(CompletableFuture<Void> done, Duration timeout, URI server) throws IOException {
        try {
            done.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof IOException io) {
                throw new IOException(io.getMessage(), io);
            }
            throw new IOException(String.valueOf(c.getMessage()), c);
        } catch (TimeoutException e) {
            throw new IOException("no answer from control at " + server + " within " + timeout.toSeconds()
                    + " s; still trying in the background (see `warren status`)");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }

    /**
     * Starts the control session of a previous login without blocking (the daemon calls it at start): only when
     * the state directory holds a node key, a login server, its pinned key, and the node was not taken down.
     *
     * @return whether a session was started
     */
    public boolean resume() {
        return valueUnderMu(() -> {
            if (closed || session != null || nodeKey == null || login.loginServer() == null || login.serverKey() == null
                    || !login.wantRunning()) {
                return false;
            }
            state = BackendState.Starting;
            startSessionLocked(null);
            return true;
        });
    }

    /** Stops the control session and removes every peer; keys and the login stay, so {@code up} resumes. */
    public void down() throws IOException {
        ControlSession old;
        mu.lock();
        try {
            checkOpenLocked();
            old = session;
            session = null;
            failUpLocked(new IOException("taken down"));
            if (login.loginServer() != null) {
                login = new StateStore.Login(login.loginServer(), login.serverKey(), login.hostname(), false);
                store.saveLogin(login);
            }
        } finally {
            mu.unlock();
        }
        if (old != null) {
            old.stop();
        }
        runUnderMu(() -> {
            clearEngineLocked(false);
            state = nodeKey == null ? BackendState.NeedsLogin : BackendState.Stopped;
        });
    }

    /**
     * Logs the node key out at control (a RegisterRequest with an expiry in the past; if control cannot be reached
     * the node still logs out locally), then forgets the node key and the pinned server.
     */
    public void logout() throws IOException {
        ControlSession old;
        PrivateKey key;
        StateStore.Login l;
        mu.lock();
        try {
            checkOpenLocked();
            old = session;
            session = null;
            key = nodeKey;
            l = login;
            failUpLocked(new IOException("logged out"));
        } finally {
            mu.unlock();
        }
        if (old != null) {
            old.stop();
        }
        if (key != null && l.loginServer() != null && l.serverKey() != null) {
            try {
                ControlSession.logout(dialers.create(l.loginServer(), l.serverKey(), machineKey), key, hostinfo(l));
            } catch (IOException | RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "could not tell control about the logout: {0}", e.getMessage());
            }
        }
        runUnderMu(() -> {
            clearEngineLocked(true);
            store.forgetNodeKey();
            store.forgetLogin();
            nodeKey = null;
            login = new StateStore.Login(null, null, null, false);
            user = null;
            domain = null;
            authUrl = null;
            state = BackendState.NeedsLogin;
        });
    }

    // ---- queries --------------------------------------------------------------------------------------------

    public Status status() {
        java.util.Map<NodeKey, String> peerPaths = peerPaths();
        int home = endpointSource.homeRelay();
        return valueUnderMu(() -> {
            DeviceState ds = device.state();
            Node self = netmap.self();
            return new Status(state, authUrl, self == null ? login.hostname() : self.name(),
                    self == null ? List.of() : Views.addresses(self.addresses()),
                    nodeKey == null ? null : NodeKey.of(X25519.publicKey(nodeKey)).toString(), user, domain,
                    login.loginServer() == null ? null : login.loginServer().toString(), controlConnected,
                    device.listenPort(), Views.peers(netmap.peers(), ds, peerPaths), discoKey.toString(), home,
                    netmap.relayMap(), filter.status());
        });
    }

    /** Each peer's path text by node key, asked of the PathProvider without holding {@code mu}. */
    private java.util.Map<NodeKey, String> peerPaths() {
        List<Node> peers;
        RelayMap relays;
        mu.lock();
        try {
            peers = List.copyOf(netmap.peers());
            relays = netmap.relayMap();
        } finally {
            mu.unlock();
        }
        List<NodeKey> keys = peers.stream().map(Node::key).filter(Objects::nonNull).toList();
        java.util.Map<NodeKey, String> out = new java.util.HashMap<>();
        paths.pathsOf(keys).forEach((k, p) -> out.put(k, Views.pathText(p, relays)));
        return out;
    }

    /** The peer (or this node) that owns {@code address}, from the current network map. */
    public Optional<PeerInfo> whois(InetAddress address) {
        return valueUnderMu(() -> {
            DeviceState ds = device.state();
            for (PeerInfo p : Views.peers(netmap.peers(), ds, java.util.Map.of())) {
                Node n = netmap.peers().stream().filter(x -> x.id() == p.id()).findFirst().orElseThrow();
                if (Views.owns(n, address)) {
                    return Optional.of(p);
                }
            }
            Node self = netmap.self();
            if (self != null && Views.owns(self, address)) {
                return Optional.of(Views.peer(self, null));
            }
            return Optional.empty();
        });
    }

    /**
     * Pings a peer, named by name, address or node key, once, and waits up to {@code timeout} for the reply: by name
     * or key through the {@link PathProvider} (magicsock: a disco ping; built in: an ICMP echo through the tunnel),
     * by address with an ICMP echo to that address. The result names the path the reply came over.
     */
    public PingResult ping(String peer, Duration timeout) throws IOException {
        Node target;
        RelayMap relays;
        mu.lock();
        try {
            checkOpenLocked();
            target = Views.find(netmap.peers(), peer);
            if (target == null) {
                throw new IOException("no peer named or addressed \"" + peer + "\" in the network map");
            }
            if (target.key() == null) {
                throw new IOException("peer " + target.name() + " has no node key in the network map");
            }
            relays = netmap.relayMap();
        } finally {
            mu.unlock();
        }
        byte[] asked = IpAddresses.tryParse(peer);
        PingReply r;
        if (asked != null) {
            r = icmpPing(target, asked, timeout);
            if (r.replied()) {
                r = new PingReply(true, r.rttMillis(), paths.pathOf(target.key()), r.address(), null);
            }
        } else {
            r = paths.discoPing(target.key(), timeout);
        }
        return new PingResult(target.name(), r.address(), r.replied(), r.rttMillis(), r.error(),
                Views.pathText(r.path(), relays));
    }

    /** The built-in ping: an ICMP echo to the first address of the peer with node key {@code key}. */
    private PingReply icmpPing(NodeKey key, Duration timeout) throws IOException {
        Node target = valueUnderMu(() -> {
            checkOpenLocked();
            return netmap.peers().stream().filter(n -> key.equals(n.key())).findFirst().orElse(null);
        });
        if (target == null) {
            throw new IOException("no peer with node key " + key + " in the network map");
        }
        return icmpPing(target, null, timeout);
    }

    /**
     * Sends one ICMP (or ICMPv6) echo request through the tunnel to {@code asked} (or the peer's first address,
     * IPv4 preferred) and waits up to {@code timeout} for the reply, which the peer's kernel sends and this node
     * intercepts. The reply carries no path.
     */
    private PingReply icmpPing(Node target, byte[] asked, Duration timeout) throws IOException {
        byte[] dst;
        byte[] src;
        mu.lock();
        try {
            checkOpenLocked();
            dst = asked != null ? asked : firstAddress(target.addresses(), true);
            if (dst == null) {
                dst = firstAddress(target.addresses(), false);
            }
            Node self = netmap.self();
            src = self == null ? null : firstAddress(self.addresses(), dst != null && dst.length == 4);
            if (dst == null || src == null || src.length != dst.length) {
                throw new IOException("no address of the same family on " + target.name() + " and this node");
            }
        } finally {
            mu.unlock();
        }
        return pinger.echo(src, dst, timeout);
    }

    private static byte[] firstAddress(List<IpPrefix> prefixes, boolean v4) {
        if (prefixes != null) {
            for (IpPrefix p : prefixes) {
                if (p.isIpv4() == v4) {
                    return p.address();
                }
            }
        }
        return null;
    }

    /**
     * Our node key's private half, or null while logged out: the data plane's relay links identify the node with
     * it. It never leaves memory through this call: not logged, not sent.
     */
    public PrivateKey nodePrivateKey() {
        return currentNodeKey();
    }

    /**
     * {@code warren netcheck}: runs the data plane's netcheck and returns its report as JSON text.
     *
     * @throws IOException when the data plane has none (the node runs without magicsock) or it fails
     */
    public String netcheck(Duration timeout) throws IOException {
        DataPlane.Netcheck n = dataPlane.netcheck();
        if (n == null) {
            throw new IOException("this node runs without magicsock (warren node --no-magicsock): no netcheck");
        }
        return n.run(timeout);
    }

    /** This run's disco key (a new one at every start). */
    public DiscoKey discoKey() {
        return discoKey;
    }

    /**
     * The private half of {@link #discoKey()}, for the data plane (magicsock) to seal and open disco messages.
     * It never leaves memory: not stored, not logged, not sent.
     */
    public PrivateKey discoPrivateKey() {
        return discoPrivate;
    }

    /**
     * Registers the listener told about the network map after every applied map message (replacing a previous
     * one) and calls it once now with the current map. It runs with the backend's lock held: it must return
     * quickly and must not call back into the backend.
     */
    public void onNetworkMap(Consumer<NetworkMap> listener) {
        runUnderMu(() -> {
            networkMapListener = Objects.requireNonNull(listener, "listener");
            listener.accept(networkMapLocked());
        });
    }

    private NetworkMap networkMapLocked() {
        return new NetworkMap(netmap.self(), List.copyOf(netmap.peers()), netmap.relayMap(), netmap.packetFilter());
    }

    /** {@code warren filter}: the packet filter's rules and counters. */
    public dev.warren.filter.FilterSnapshot filter() {
        return filter.snapshot();
    }

    /** The engine, for the daemon's diagnostics and tests. */
    public Device device() {
        return device;
    }

    /** The state directory. */
    public Path stateDir() {
        return store.dir();
    }

    @Override
    public void close() {
        ControlSession old;
        mu.lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            old = session;
            session = null;
            failUpLocked(new IOException("the node is shutting down"));
            if (endpointPoll != null) {
                endpointPoll.cancel();
            }
        } finally {
            mu.unlock();
        }
        if (old != null) {
            old.stop();
        }
        device.close();
        try {
            dataPlane.onClose().run();
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "closing the data plane failed: {0}", e.toString());
        }
    }

    // ---- the session ----------------------------------------------------------------------------------------

    /** A step run with {@code mu} held that yields a value (see {@link #valueUnderMu}). */
    @FunctionalInterface
    private interface ValueStep<T, X extends Exception> {
        T run() throws X;
    }

    /** A step run with {@code mu} held (see {@link #runUnderMu}). */
    @FunctionalInterface
    private interface Step<X extends Exception> {
        void run() throws X;
    }

    /** Runs {@code step} with {@code mu} held and returns its value; {@code mu} is released however it ends. */
    private <T, X extends Exception> T valueUnderMu(ValueStep<T, X> step) throws X {
        mu.lock();
        try {
            return step.run();
        } finally {
            mu.unlock();
        }
    }

    /** Runs {@code step} with {@code mu} held; {@code mu} is released however it ends. */
    private <X extends Exception> void runUnderMu(Step<X> step) throws X {
        mu.lock();
        try {
            step.run();
        } finally {
            mu.unlock();
        }
    }

    private void checkOpenLocked() throws IOException {
        if (closed) {
            throw new IOException("the node is shutting down");
        }
    }

    private void startSessionLocked(String authKey) {
        StateStore.Login l = login;
        ControlDialer dialer = dialers.create(l.loginServer(), l.serverKey(), machineKey);
        SessionListener listener = new SessionListener();
        session = new ControlSession(dialer, this::currentNodeKey, authKey, () -> hostinfo(l), this::endpoints,
                discoKey, this::homeRelay, scheduler, rng, listener);
        listener.owner = session;
        if (endpointPoll == null) {
            endpointPoll = scheduler.schedule(this::pollEndpoints, ENDPOINT_POLL.toNanos());
        }
        session.start();
    }

    private PrivateKey currentNodeKey() {
        return valueUnderMu(() -> nodeKey);
    }

    private static Hostinfo hostinfo(StateStore.Login l) {
        String v = NodeBackend.class.getPackage().getImplementationVersion();
        return new Hostinfo(l.hostname(), System.getProperty("os.name", "linux").toLowerCase(java.util.Locale.ROOT),
                v == null ? "dev" : v);
    }

    /** The endpoints for a MapRequest or update; remembered as what control last heard. */
    private List<String> endpoints() {
        List<String> eps = List.copyOf(endpointSource.endpoints());
        runUnderMu(() -> lastEndpoints = eps);
        return eps;
    }

    /** The home relay for a MapRequest or update; remembered as what control last heard. */
    private int homeRelay() {
        int home = endpointSource.homeRelay();
        runUnderMu(() -> lastHomeRelay = home);
        return home;
    }

    /**
     * Every {@link #ENDPOINT_POLL}, off the scheduler thread: drop peers whose node key expired since the last map,
     * and if the local endpoints changed, tell control.
     */
    private void pollEndpoints() {
        if (closed) {
            return; // a task rescheduled while close() ran ends here
        }
        endpointPoll = scheduler.schedule(this::pollEndpoints, ENDPOINT_POLL.toNanos());
        Thread.ofVirtual().name("warren-endpoints").start(() -> {
            mu.lock();
            try {
                if (closed || session == null) {
                    return;
                }
                if (nodeKey != null && netmap.haveFull()) {
                    syncEngineLocked();
                }
            } catch (IOException e) {
                LOG.log(System.Logger.Level.WARNING, "{0}", e.getMessage());
            } finally {
                mu.unlock();
            }
            sendEndpointsIfChanged();
        });
    }

    /** Sends control the endpoints and home relay if either changed since control last heard them. */
    private void sendEndpointsIfChanged() {
        List<String> before;
        int homeBefore;
        ControlSession s;
        StateStore.Login l;
        mu.lock();
        try {
            if (closed) {
                return;
            }
            before = lastEndpoints;
            homeBefore = lastHomeRelay;
            s = session;
            l = login;
        } finally {
            mu.unlock();
        }
        List<String> now = endpoints();
        int home = homeRelay();
        boolean epsChanged = !now.equals(before);
        if (s != null && (epsChanged || home != homeBefore)) {
            LOG.log(System.Logger.Level.INFO, "endpoints {0}, home relay {1}", now, home);
            s.sendUpdate(epsChanged ? now : null, epsChanged ? hostinfo(l) : null, home != homeBefore ? home : null);
        }
    }

    private void failUpLocked(IOException e) {
        if (upDone != null) {
            upDone.completeExceptionally(e);
            upDone = null;
        }
    }

    private void clearEngineLocked(boolean removeKey) {
        try {
            engine.clear(removeKey);
        } catch (UapiException e) {
            LOG.log(System.Logger.Level.WARNING, "cannot remove peers: {0}", e.getMessage());
        }
        netmap.clear();
        filter.reset();
        controlConnected = false;
        setAddressesLocked(List.of());
    }

    private void setAddressesLocked(List<IpPrefix> now) {
        if (now.equals(appliedAddresses)) {
            return;
        }
        try {
            addressConfigurer.configure(appliedAddresses, now);
            appliedAddresses = now;
        } catch (IOException | RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "cannot configure addresses {0}: {1}", now, e.getMessage());
        }
    }

    private void applyMapLocked(MapResponse m) throws IOException {
        if (!netmap.apply(m)) {
            return;
        }
        filter.apply(m);
        ControlSettings s = netmap.settings();
        if (s != null && s.domain() != null) {
            domain = s.domain();
        }
        // the data plane learns the peers first, so that the engine endpoints it chooses exist for them
        try {
            networkMapListener.accept(networkMapLocked());
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "the network map listener failed: {0}", e.toString());
        }
        syncEngineLocked();
        Node self = netmap.self();
        if (self != null && self.addresses() != null) {
            setAddressesLocked(List.copyOf(self.addresses()));
        }
    }

    /** Makes the engine match the map (differences only; peers whose key expired by now are left out). */
    private void syncEngineLocked() throws IOException {
        ControlSettings s = netmap.settings();
        List<byte[]> local = new ArrayList<>();
        for (InetAddress a : localAddresses.addresses()) {
            local.add(a.getAddress());
        }
        try {
            engine.sync(nodeKey, netmap.peers(), s == null ? 0 : s.persistentKeepalive(), local,
                    clock.epochNanos() / 1_000_000);
        } catch (UapiException e) {
            throw new IOException("cannot apply the network map to the engine: " + e.getMessage(), e);
        }
    }

    /** Callbacks of one session; they are ignored once that session is no longer the current one. */
    private final class SessionListener implements ControlSession.Listener {
        volatile ControlSession owner;

        private boolean currentLocked() {
            return owner != null && session == owner && !closed;
        }

        @Override
        public void connected(boolean connected) {
            runUnderMu(() -> {
                if (currentLocked()) {
                    if (connected != controlConnected) {
                        LOG.log(System.Logger.Level.INFO, connected
                                ? "control at {0}: connected, {1} peers in the map"
                                : "control at {0}: disconnected; peers stay configured", login.loginServer(),
                                netmap.peers().size());
                    }
                    controlConnected = connected;
                    if (connected && netmap.haveFull()) {
                        state = BackendState.Running;
                        if (upDone != null) {
                            upDone.complete(null);
                            upDone = null;
                        }
                    }
                }
            });
        }

        @Override
        public void registered(RegisterResponse r) {
            runUnderMu(() -> {
                if (currentLocked()) {
                    user = r.user();
                    domain = r.domain();
                    authUrl = null;
                    try {
                        store.saveLogin(login);
                    } catch (IOException e) {
                        LOG.log(System.Logger.Level.WARNING, "cannot save the login: {0}", e.getMessage());
                    }
                }
            });
        }

        @Override
        public void authUrl(String url) {
            Consumer<String> l;
            mu.lock();
            try {
                if (!currentLocked()) {
                    return;
                }
                authUrl = url;
                l = authUrlListener;
            } finally {
                mu.unlock();
            }
            l.accept(url);
        }

        @Override
        public void map(MapResponse m) throws IOException {
            runUnderMu(() -> {
                if (currentLocked()) {
                    applyMapLocked(m);
                }
            });
        }

        @Override
        public void fatal(IOException cause) {
            runUnderMu(() -> {
                if (!currentLocked()) {
                    return;
                }
                session = null;
                controlConnected = false;
                if (cause instanceof ControlException ce && ce.error().status() == 401) {
                    // control no longer knows or accepts this node key: its peers will not talk to it either
                    state = BackendState.NeedsLogin;
                    clearEngineLocked(false);
                } else if (state == BackendState.Starting) {
                    state = netmap.haveFull() ? BackendState.Stopped : BackendState.NeedsLogin;
                }
                try {
                    login = store.login(); // forget an unaccepted first login and its server key
                } catch (IOException e) {
                    LOG.log(System.Logger.Level.WARNING, "{0}", e.getMessage());
                }
                LOG.log(System.Logger.Level.WARNING, "control refused this node: {0}", cause.getMessage());
                failUpLocked(cause);
            });
        }

        @Override
        public PrivateKey renewNodeKey() throws IOException {
            return valueUnderMu(() -> {
                nodeKey = store.newNodeKey();
                return nodeKey;
            });
        }
    }
}
