package dev.warren.control;

import dev.warren.channel.ConnectionHandler;
import dev.warren.channel.ControlChannelServer;
import dev.warren.control.internal.admin.AdminService;
import dev.warren.control.internal.admin.StateFiles;
import dev.warren.control.internal.http.AdminRoutes;
import dev.warren.control.internal.http.RelayRoutes;
import dev.warren.control.internal.map.MapHub;
import dev.warren.control.internal.metrics.ControlMetrics;
import dev.warren.control.internal.protocol.InteractiveLogins;
import dev.warren.control.internal.protocol.ProtocolHandler;
import dev.warren.control.internal.state.ControlState;
import dev.warren.control.internal.state.NodeEntry;
import dev.warren.control.internal.store.Databases;
import dev.warren.control.internal.store.JdbcStore;
import dev.warren.control.internal.store.StoreException;
import dev.warren.crypto.X25519;
import dev.warren.wire.control.RelayMap;
import dev.warren.wire.control.RelayMaps;
import dev.warren.wire.key.NodeKey;
import dev.warren.wire.key.PrivateKey;
import dev.warren.wire.key.PublicKey;
import dev.warren.wire.time.ExecutorScheduler;
import dev.warren.wire.time.Scheduler;
import io.javalin.Javalin;
import io.javalin.config.JavalinConfig;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * A running control server.
 *
 * <p>Start-up: 1. validate the config (the record did); 2. create the state directory, load or create
 * {@code server.key}, {@code admin.token} and {@code relay.token} (mode 0600); load the relay map from
 * {@code --relay-map} (saving it as {@code relay-map.json}) or else from the saved {@code relay-map.json};
 * 3. open the database and run Flyway migrations;
 * 4. load the whole store into the in-memory snapshot; 5. wire the map hub, the protocol handler and the admin
 * service; 6. start Javalin on {@code listenHost:listenPort} with the admin API, {@code /healthz}, {@code /metrics},
 * the control channel at {@code /control}, the server key at {@code /key} and the relay admission endpoint at
 * {@code /relay/admit}; 7. write {@code control.json};
 * 8. start the housekeeping tick on the scheduler.
 *
 * <p>{@link #close()} stops the tick, ends every map stream, stops HTTP and closes the store; it is idempotent.
 */
public final class ControlServer implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(ControlServer.class.getName());
    /** Path of the control channel's WebSocket endpoint. */
    public static final String CHANNEL_PATH = "/control";

    private final ControlServerConfig config;
    private final PrivateKey privateKey;
    private final PublicKey publicKey;
    private final String adminToken;
    private final String relayToken;
    private final JdbcStore store;
    private final ControlState state;
    private final MapHub hub;
    private final InteractiveLogins logins;
    private final ControlMetrics metrics;
    private final ProtocolHandler handler;
    private final AdminService admin;
    private final Scheduler scheduler;
    private final ExecutorScheduler ownedScheduler;
    private final AtomicBoolean closed = new AtomicBoolean();
    private volatile Javalin http;
    private volatile URI url;

    private ControlServer(ControlServerConfig config, ControlOptions options, PrivateKey privateKey,
                          String adminToken, String relayToken, RelayMap relayMap, JdbcStore store) {
        this.config = config;
        this.privateKey = privateKey;
        this.publicKey = X25519.publicKey(privateKey);
        this.adminToken = adminToken;
        this.relayToken = relayToken;
        this.store = store;
        this.state = new ControlState(store, config.clock(), options);
        this.metrics = new ControlMetrics(() -> state.snapshot().nodes().size());
        state.setPolicyObserver(metrics::policyCompiled);
        this.hub = new MapHub(state, metrics, relayMap);
        this.logins = new InteractiveLogins(config.clock(), options.interactiveLoginTimeout());
        this.handler = new ProtocolHandler(state, hub, logins, metrics, () -> {
            String base = String.valueOf(options.publicUrl() != null ? options.publicUrl() : url);
            return base.endsWith("/") ? base.substring(0, base.length() - 1) : base;
        });
        this.admin = new AdminService(state, logins, hub, config.stateDir());
        if (options.scheduler() != null) {
            this.scheduler = options.scheduler();
            this.ownedScheduler = null;
        } else {
            this.ownedScheduler = new ExecutorScheduler("warren-control-tick");
            this.scheduler = ownedScheduler;
        }
    }

    /** Starts a server with {@link ControlOptions#defaults()}. */
    public static ControlServer start(ControlServerConfig cfg) throws IOException {
        return start(cfg, ControlOptions.defaults());
    }

    public static ControlServer start(ControlServerConfig cfg, ControlOptions options) throws IOException {
        StateFiles.ensureDir(cfg.stateDir());
        PrivateKey key = StateFiles.serverKey(cfg.stateDir());
        String token = StateFiles.adminToken(cfg.stateDir());
        String relayToken = StateFiles.relayToken(cfg.stateDir());
        RelayMap relayMap = loadRelayMap(cfg);
        JdbcStore store;
        try {
            store = Databases.open(Databases.resolve(cfg.dbUrl(), cfg.stateDir()));
        } catch (StoreException | IllegalArgumentException e) {
            throw new IOException("database " + (cfg.dbUrl() == null ? "in " + cfg.stateDir()
                    : ControlServerConfig.redact(cfg.dbUrl())) + ": " + e.getMessage(), e);
        }
        ControlServer s;
        try {
            s = new ControlServer(cfg, options, key, token, relayToken, relayMap, store);
        } catch (StoreException e) {
            store.close();
            throw new IOException("cannot load the control state: " + e.getMessage(), e);
        }
        try {
            s.startHttp();
            StateFiles.writeControlJson(cfg.stateDir(), s.url().toString(), s.publicKey.toBase64());
            s.scheduleTick();
        } catch (IOException | RuntimeException e) {
            s.close();
            throw e instanceof IOException io ? io : new IOException("cannot start the control server: "
                    + e.getMessage(), e);
        }
        return s;
    }

    /**
     * The relay map to start with: {@code --relay-map}'s file (validated, then saved in the state directory so that
     * a later start without the flag keeps it), else the saved one, else an empty map. A bad file is an IOException
     * naming the file and field.
     */
    private static RelayMap loadRelayMap(ControlServerConfig cfg) throws IOException {
        try {
            if (cfg.relayMap() != null) {
                RelayMap m = RelayMaps.parse(cfg.relayMap().toString(),
                        Files.readAllBytes(cfg.relayMap()));
                StateFiles.writeRelayMap(cfg.stateDir(), m);
                return m;
            }
            RelayMap saved = StateFiles.readRelayMap(cfg.stateDir());
            return saved != null ? saved : new RelayMap(List.of());
        } catch (IllegalArgumentException e) {
            throw new IOException(e.getMessage(), e);
        } catch (NoSuchFileException e) {
            throw new IOException("relay map " + e.getFile() + ": no such file", e);
        }
    }

    /** A server for tests: loopback, random port, SQLite in {@code stateDir}, the given clock and options. */
    public static ControlServer startForTest(java.nio.file.Path stateDir, dev.warren.wire.time.Clock clock,
                                             ControlOptions options) throws IOException {
        return start(ControlServerConfig.loopback(stateDir, clock), options);
    }

    private void startHttp() {
        AdminRoutes routes = new AdminRoutes(admin, adminToken, metrics);
        RelayRoutes relays = new RelayRoutes(relayToken, this::admitsToRelay, metrics);
        Javalin app = Javalin.create(c -> {
            c.jetty.host = config.listenHost();
            c.jetty.port = config.listenPort();
            c.startup.showJavalinBanner = false;
            routes.install(c);
            relays.install(c);
            installChannel(c);
        });
        app.start();
        http = app;
        String host = config.listenHost();
        if (host.equals("0.0.0.0") || host.equals("::") || host.equals("[::]")) {
            host = "127.0.0.1";
        } else if (host.contains(":") && !host.startsWith("[")) {
            host = "[" + host + "]";
        }
        url = URI.create("http://" + host + ":" + app.port());
    }

    /** A relay may serve {@code key}: it belongs to a node that is authorized and whose key has not expired. */
    boolean admitsToRelay(NodeKey key) {
        NodeEntry e = state.snapshot().nodeByKey(key);
        return e != null && e.visible() && !NodeEntry.isExpired(e.row(), state.now());
    }

    /** The control channel transport: Noise IK over WebSocket at {@value #CHANNEL_PATH}, and the key at /key. */
    private void installChannel(JavalinConfig c) {
        ControlChannelServer.install(c, CHANNEL_PATH, privateKey, handler);
        ControlChannelServer.installKeyEndpoint(c, publicKey);
    }

    private void scheduleTick() {
        long period = state.options().tick().toNanos();
        scheduler.schedule(new Runnable() {
            @Override
            public void run() {
                if (closed.get()) {
                    return;
                }
                try {
                    tick();
                } catch (RuntimeException e) {
                    LOG.log(Level.WARNING, "control housekeeping failed", e);
                }
                if (!closed.get()) {
                    scheduler.schedule(this, period);
                }
            }
        }, period);
    }

    /** One housekeeping pass: key expiry, ephemeral cleanup, keep-alives, session retention, login expiry. */
    void tick() {
        state.tick();
        hub.tick();
        logins.tick();
    }

    public int port() {
        return http.port();
    }

    public URI url() {
        return url;
    }

    public PublicKey publicKey() {
        return publicKey;
    }

    /** The control protocol handler; the in-process harness dials it with {@code InMemoryConnections.dialer}. */
    public ConnectionHandler connectionHandler() {
        return handler;
    }

    public ControlAdmin admin() {
        return admin;
    }

    public String adminToken() {
        return adminToken;
    }

    /**
     * The relay token of the server whose state directory is {@code stateDir}, created (mode 0600) if missing so a
     * relay can be provisioned before the server's first start.
     */
    public static String relayToken(java.nio.file.Path stateDir) throws IOException {
        StateFiles.ensureDir(stateDir);
        return StateFiles.relayToken(stateDir);
    }

    /** The bearer token relays present to {@code /relay/admit}. */
    public String relayToken() {
        return relayToken;
    }

    /** Prometheus text of the server's metrics (also at GET /metrics). */
    public String metricsText() {
        return metrics.scrape();
    }

    /** The number of open map streams right now. */
    public int openStreams() {
        return metrics.openStreams();
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        state.markClosed();
        hub.closeAll();
        Javalin h = http;
        if (h != null) {
            try {
                h.stop();
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "stopping HTTP failed", e);
            }
        }
        if (ownedScheduler != null) {
            ownedScheduler.close();
        }
        store.close();
    }
}
