package dev.warren.node.internal;

import dev.warren.channel.ControlConnection;
import dev.warren.channel.ControlDialer;
import dev.warren.crypto.X25519;
import dev.warren.wire.MalformedMessageException;
import dev.warren.wire.control.CapabilityVersion;
import dev.warren.wire.control.ControlJson;
import dev.warren.wire.control.ControlMessage;
import dev.warren.wire.control.ErrorMessage;
import dev.warren.wire.control.Hostinfo;
import dev.warren.wire.control.MapRequest;
import dev.warren.wire.control.MapResponse;
import dev.warren.wire.control.RegisterRequest;
import dev.warren.wire.control.RegisterResponse;
import dev.warren.wire.control.UpdateRequest;
import dev.warren.wire.key.DiscoKey;
import dev.warren.wire.key.NodeKey;
import dev.warren.wire.key.PrivateKey;
import dev.warren.wire.time.Scheduler;

import java.io.IOException;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.function.IntSupplier;
import java.util.function.Supplier;
import java.util.random.RandomGenerator;

/**
 * One node's conversation with control, on one virtual thread, until {@link #stop}.
 *
 * <pre>
 * loop:
 * 1. dial (the machine key authenticates the channel)
 * 2. RegisterRequest(node key, hostinfo, auth key only until a registration succeeded)
 *    → ErrorMessage: fatal (bad key, refused) ends the session through {@link Listener#fatal}; else retry
 *    → RegisterResponse.nodeKeyExpired: ask the listener for a new node key, register again
 *    → authUrl and not authorized: report the URL, send a followup, wait for the next response
 * 3. MapRequest(stream, endpoints, disco key, home relay, sessionHandle + lastSeq of the previous stream to resume)
 * 4. read MapResponses and hand each to the listener in order; keep-alives only prove liveness: silence for two
 *    keep-alive intervals (+10 s) closes the connection (a watchdog on the injected scheduler)
 * 5. on any failure: tell the listener we are disconnected, wait the back-off on the injected scheduler, repeat
 * </pre>
 * The network map and the engine are the listener's: nothing here clears peers when control goes away, so the data
 * plane keeps working while control is down.
 *
 * <p>Concurrency: the loop runs on its own thread; {@link #sendUpdate} may be called from any thread (the
 * connection serialises sends); {@link #stop} from any thread. {@code conn} and {@code wake} are volatile
 * hand-over slots between the loop and stop.
 */
public final class ControlSession {
    private static final System.Logger LOG = System.getLogger("warren.node");

    /** What the session reports; called on the session thread. */
    public interface Listener {
        void connected(boolean connected);

        /** A registration succeeded (possibly still awaiting approval). */
        void registered(RegisterResponse response) throws IOException;

        void authUrl(String url);

        void map(MapResponse response) throws IOException;

        /** The session ended for good; the listener should leave the Running state. */
        void fatal(IOException cause);

        /** Control says the node key expired: make and persist a new one. */
        PrivateKey renewNodeKey() throws IOException;
    }

    private final ControlDialer dialer;
    private final Supplier<PrivateKey> nodeKey;
    private final Supplier<Hostinfo> hostinfo;
    private final Supplier<List<String>> endpoints;
    private final DiscoKey discoKey;
    private final IntSupplier homeRelay;
    private final Scheduler scheduler;
    private final Listener listener;
    private final Backoff backoff;
    private final Thread thread;
    private volatile boolean stopped;
    private volatile ControlConnection conn;
    private volatile CompletableFuture<Void> wake;
    private volatile boolean streaming;
    // confined to the session thread
    private String authKey;
    private String followup;
    private String sessionHandle;
    private long lastSeq;
    private PrivateKey oldKey;
    private int keepAliveSeconds;
    private Scheduler.Task watchdog;

    public ControlSession(ControlDialer dialer, Supplier<PrivateKey> nodeKey, String authKey,
                          Supplier<Hostinfo> hostinfo, Supplier<List<String>> endpoints, DiscoKey discoKey,
                          IntSupplier homeRelay, Scheduler scheduler, RandomGenerator rng, Listener listener) {
        this.dialer = Objects.requireNonNull(dialer);
        this.discoKey = discoKey;
        this.homeRelay = homeRelay;
        this.nodeKey = nodeKey;
        this.authKey = authKey;
        this.hostinfo = hostinfo;
        this.endpoints = endpoints;
        this.scheduler = scheduler;
        this.listener = listener;
        this.backoff = new Backoff(rng);
        this.thread = Thread.ofVirtual().name("warren-control").unstarted(this::run);
    }

    public ControlSession start() {
        thread.start();
        return this;
    }

    /** Ends the session: closes the connection, wakes a back-off wait, waits briefly for the thread. */
    public void stop() {
        stopped = true;
        ControlConnection c = conn;
        if (c != null) {
            c.close();
        }
        CompletableFuture<Void> w = wake;
        if (w != null) {
            w.complete(null);
        }
        if (Thread.currentThread() != thread) {
            try {
                thread.join(2000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    public boolean stopped() {
        return stopped;
    }

    /** Reconnect attempts since the last healthy stream (for status and tests). */
    public int failures() {
        return backoff.attempts();
    }

    /**
     * Tells control about new endpoints, host info or home relay now if a stream is live (null fields unchanged);
     * otherwise the next MapRequest carries them.
     */
    public void sendUpdate(List<String> eps, Hostinfo hi, Integer home) {
        ControlConnection c = conn;
        if (c == null || !streaming) {
            return;
        }
        try {
            c.send(ControlJson.encode(new UpdateRequest(eps, hi, home, null)));
        } catch (IOException e) {
            LOG.log(System.Logger.Level.DEBUG, "cannot send update: {0}", e.getMessage());
        }
    }

    private void run() {
        while (!stopped) {
            try {
                ControlConnection c = dialer.connect();
                conn = c;
                if (stopped) {
                    c.close();
                    return;
                }
                try {
                    converse(c);
                } finally {
                    streaming = false;
                    conn = null;
                    c.close();
                }
                if (!stopped) {
                    throw new IOException("control closed the stream");
                }
            } catch (ControlException e) {
                if (e.fatal()) {
                    stopped = true;
                    listener.connected(false);
                    listener.fatal(e);
                    return;
                }
                retryAfter(e);
            } catch (IOException | RuntimeException e) {
                if (stopped) {
                    break;
                }
                retryAfter(e);
            }
        }
        listener.connected(false);
    }

    /** Waits the next back-off delay; the wake-up is scheduled before the listener hears of the disconnection. */
    private void retryAfter(Exception e) {
        if (stopped) {
            listener.connected(false);
            return;
        }
        long delay = backoff.next();
        LOG.log(System.Logger.Level.INFO, "control: {0}; retrying in {1} ms", describe(e), delay / 1_000_000);
        CompletableFuture<Void> w = new CompletableFuture<>();
        wake = w;
        Scheduler.Task t = scheduler.schedule(() -> w.complete(null), delay);
        listener.connected(false);
        try {
            if (!stopped) {
                w.get();
            }
        } catch (InterruptedException ie) {
            Thread.currentThread().interrupt();
            stopped = true;
        } catch (ExecutionException ignored) {
            // never completed exceptionally
        } finally {
            t.cancel();
            wake = null;
        }
    }

    private static String describe(Exception e) {
        return e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
    }

    private void converse(ControlConnection c) throws IOException {
        RegisterResponse reg = register(c);
        if (reg.nodeKeyExpired()) {
            oldKey = nodeKey.get();
            listener.renewNodeKey();
            reg = register(c);
            if (reg.nodeKeyExpired()) {
                throw new ControlException(new ErrorMessage(401, "node_key_expired",
                        "the node key has expired and control did not accept a new one; run `warren up` again"));
            }
        }
        while (reg.authUrl() != null && !reg.machineAuthorized()) {
            if (!reg.authUrl().equals(followup)) {
                followup = reg.authUrl();
                listener.authUrl(followup);
            }
            reg = register(c);
        }
        authKey = null;
        followup = null;
        oldKey = null;
        listener.registered(reg);
        PrivateKey key = nodeKey.get();
        c.send(ControlJson.encode(new MapRequest(CapabilityVersion.CURRENT, nodeKey(key), true, hostinfo.get(),
                endpoints.get(), sessionHandle, lastSeq, MapRequest.DEFLATE, discoKey, homeRelay.getAsInt())));
        streaming = true;
        boolean first = true;
        try {
            armWatchdog(c);
            while (!stopped) {
                ControlMessage m = receive(c);
                if (m instanceof MapResponse r && r.settings() != null && r.settings().keepAliveSeconds() > 0) {
                    keepAliveSeconds = r.settings().keepAliveSeconds();
                }
                // re-armed before the message is handed on, so the timer of a stream that `up` reports as running
                // already counts from its last message with control's interval
                armWatchdog(c);
                switch (m) {
                    case MapResponse r -> {
                        if (!r.keepAlive()) {
                            if (r.sessionHandle() != null && !r.sessionHandle().equals(sessionHandle)) {
                                sessionHandle = r.sessionHandle();
                            }
                            lastSeq = r.seq();
                        }
                        listener.map(r);
                        if (first) {
                            first = false;
                            backoff.reset();
                            listener.connected(true);
                        }
                    }
                    case ErrorMessage e -> throw new ControlException(e);
                    default -> LOG.log(System.Logger.Level.DEBUG, "control sent an unexpected {0}",
                            m.getClass().getSimpleName());
                }
            }
        } finally {
            Scheduler.Task w = watchdog;
            if (w != null) {
                w.cancel();
            }
        }
    }

    /**
     * (Re)starts the liveness timer of a map stream: control sends a keep-alive every {@code keepAliveSeconds} on
     * an idle stream, so silence for {@link #silenceNanos} means the connection is dead even if TCP has not noticed;
     * the timer then closes it, which makes the loop reconnect.
     */
    private void armWatchdog(ControlConnection c) {
        Scheduler.Task old = watchdog;
        if (old != null) {
            old.cancel();
        }
        long silence = silenceNanos(keepAliveSeconds);
        watchdog = scheduler.schedule(() -> Thread.ofVirtual().name("warren-control-watchdog").start(() -> {
            if (conn == c && !stopped) {
                LOG.log(System.Logger.Level.WARNING, "control: no message for {0} s; reconnecting",
                        silence / 1_000_000_000L);
                c.close();
            }
        }), silence);
    }

    /** Two keep-alive intervals and ten seconds (150 s before control has said its interval). */
    static long silenceNanos(int keepAliveSeconds) {
        int k = keepAliveSeconds > 0 ? keepAliveSeconds : 70;
        return (2L * k + 10) * 1_000_000_000L;
    }

    private RegisterResponse register(ControlConnection c) throws IOException {
        PrivateKey key = nodeKey.get();
        c.send(ControlJson.encode(new RegisterRequest(CapabilityVersion.CURRENT, nodeKey(key),
                oldKey == null ? null : nodeKey(oldKey), authKey, hostinfo.get(), false, null, followup)));
        while (true) {
            ControlMessage m = receive(c);
            switch (m) {
                case RegisterResponse r -> {
                    return r;
                }
                case ErrorMessage e -> throw new ControlException(e);
                default -> LOG.log(System.Logger.Level.DEBUG, "control sent {0} before registering",
                        m.getClass().getSimpleName());
            }
        }
    }

    private static ControlMessage receive(ControlConnection c) throws IOException {
        byte[] bytes = c.receive();
        try {
            return ControlJson.decode(bytes);
        } catch (MalformedMessageException e) {
            throw new IOException("control sent a malformed message: " + e.getMessage(), e);
        }
    }

    static NodeKey nodeKey(PrivateKey k) {
        return NodeKey.of(X25519.publicKey(k));
    }

    /**
     * Logs {@code key} out: one RegisterRequest with an expiry in the past on a fresh connection, waiting for the
     * answer. Errors are the caller's to judge (logging out locally still proceeds).
     */
    public static void logout(ControlDialer dialer, PrivateKey key, Hostinfo hostinfo) throws IOException {
        try (ControlConnection c = dialer.connect()) {
            c.send(ControlJson.encode(new RegisterRequest(CapabilityVersion.CURRENT, nodeKey(key), null, null,
                    hostinfo, false, java.time.Instant.EPOCH, null)));
            ControlMessage m = receive(c);
            if (m instanceof ErrorMessage e) {
                throw new ControlException(e);
            }
        }
    }
}
