package dev.warren.channel;

import dev.warren.channel.internal.Endpoints;
import dev.warren.channel.internal.JettyTransport;
import dev.warren.channel.internal.RateLimitedLog;
import dev.warren.channel.internal.RecordReader;
import dev.warren.channel.internal.RecordWriter;
import dev.warren.channel.internal.Records;
import dev.warren.channel.internal.SecureConnection;
import dev.warren.channel.internal.Transport;
import dev.warren.crypto.Aead;
import dev.warren.crypto.AeadKey;
import dev.warren.crypto.HandshakeException;
import dev.warren.crypto.NoiseHandshake;
import dev.warren.crypto.TransportKeys;
import dev.warren.crypto.X25519;
import dev.warren.wire.control.CapabilityVersion;
import dev.warren.wire.key.PrivateKey;
import dev.warren.wire.key.PublicKey;
import io.javalin.config.JavalinConfig;
import io.javalin.websocket.WsContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The server end of the control channel, installed into a Javalin configuration.
 *
 * <p>Pipeline per WebSocket session (all callbacks run on Jetty's thread for that session, one at a time):
 * <ol>
 *   <li>upgrade: idle timeout {@value #HANDSHAKE_TIMEOUT_SECONDS} s until the handshake is done, message size
 *       limited to one record;</li>
 *   <li>handshake: the first binary message is Noise IK message 1; on success the server learns the client's
 *       machine key, writes message 2 and splits the transport keys; on failure it closes the session with 1008 and
 *       logs (rate-limited);</li>
 *   <li>key confirmation: the client's first record proves it holds the transport keys (message 1 alone could be
 *       a replay); only then does the connection count;</li>
 *   <li>records: every later binary message is a record, decrypted and reassembled by the
 *       {@link SecureConnection} as it arrives; whole messages wait for the handler's {@code receive()};</li>
 *   <li>handler: on confirmation a new virtual thread runs {@link ConnectionHandler#handle}; when it returns or
 *       throws, the connection is closed (WebSocket 1000).</li>
 * </ol>
 * Keep-alive: after the handshake the idle timeout is {@value #IDLE_TIMEOUT_MINUTES} minutes and the server pings
 * every {@value #PING_SECONDS} s, which the client answers, so an idle connection stays up indefinitely while the
 * peer is alive. Nothing a client sends can throw out of these callbacks.
 */
public final class ControlChannelServer {
    private static final Logger LOG = LoggerFactory.getLogger(ControlChannelServer.class);
    /** Seconds a client has from the upgrade to a valid Noise message 1. */
    static final int HANDSHAKE_TIMEOUT_SECONDS = 10;
    /** Minutes without any traffic (pings count) after which a connection is dropped. */
    static final int IDLE_TIMEOUT_MINUTES = 5;
    /** Seconds between server pings. */
    static final int PING_SECONDS = 50;
    /** Undelivered message bytes per connection beyond which the client is cut off (the handler is not reading). */
    static final long INBOX_LIMIT_BYTES = 2L * ControlConnection.MAX_MESSAGE_SIZE;

    private static final RateLimitedLog REJECTS = new RateLimitedLog(LOG, 20);

    /** Timing knobs; the public API always uses {@link #DEFAULTS}, tests shrink them. */
    record Timing(Duration handshakeTimeout, Duration idleTimeout, Duration pingInterval) {
    }

    static final Timing DEFAULTS = new Timing(Duration.ofSeconds(HANDSHAKE_TIMEOUT_SECONDS),
            Duration.ofMinutes(IDLE_TIMEOUT_MINUTES), Duration.ofSeconds(PING_SECONDS));

    private final PrivateKey serverKey;
    private final PublicKey serverPublic;
    private final ConnectionHandler handler;
    private final Timing timing;
    private final ConcurrentHashMap<String, Session> sessions = new ConcurrentHashMap<>();

    private ControlChannelServer(PrivateKey serverKey, ConnectionHandler handler, Timing timing) {
        this.timing = timing;
        this.serverKey = serverKey;
        this.serverPublic = X25519.publicKey(serverKey);
        this.handler = handler;
    }

    /**
     * Registers the control channel's WebSocket route at {@code path} (the control server uses {@code "/control"}).
     * Each authenticated connection is handed to {@code handler} on a new virtual thread; its
     * {@link ControlConnection#remoteKey()} is the client's machine public key.
     */
    public static void install(JavalinConfig config, String path, PrivateKey serverKey, ConnectionHandler handler) {
        install(config, path, serverKey, handler, DEFAULTS);
    }

    static void install(JavalinConfig config, String path, PrivateKey serverKey, ConnectionHandler handler,
                        Timing timing) {
        Objects.requireNonNull(config, "config");
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(serverKey, "serverKey");
        Objects.requireNonNull(handler, "handler");
        ControlChannelServer server = new ControlChannelServer(serverKey, handler, timing);
        config.routes.ws(path, ws -> {
            ws.onConnect(ctx -> server.guard(ctx, () -> server.onConnect(ctx)));
            ws.onBinaryMessage(ctx -> server.guard(ctx, () -> server.onBinary(ctx, ctx.data())));
            ws.onMessage(ctx -> server.guard(ctx, () -> server.onText(ctx)));
            ws.onClose(ctx -> server.guard(ctx, () -> server.onClose(ctx, ctx.status(), ctx.reason())));
            ws.onError(ctx -> server.guard(ctx, () -> server.onError(ctx, ctx.error())));
        });
    }

    /**
     * Registers {@code GET /key}, answering {@code {"publicKey":"<base64>","capabilityVersion":N}} with the server's
     * static public key, which clients fetch (over a channel they trust) before dialing.
     */
    public static void installKeyEndpoint(JavalinConfig config, PublicKey serverKey) {
        Objects.requireNonNull(serverKey, "serverKey");
        String json = "{\"publicKey\":\"" + serverKey.toBase64() + "\",\"capabilityVersion\":"
                + CapabilityVersion.CURRENT + "}";
        config.routes.get(Endpoints.KEY_PATH, ctx -> {
            ctx.contentType("application/json");
            ctx.result(json);
        });
    }

    /** Per-session state; {@code connection} is set once, by the handshake, on the session's callback thread. */
    private static final class Session {
        final JettyTransport transport;
        volatile SecureConnection connection;
        volatile boolean rejected;

        Session(JettyTransport transport) {
            this.transport = transport;
        }
    }

    @FunctionalInterface
    private interface Step {
        void run() throws Exception;
    }

    private void guard(WsContext ctx, Step step) {
        try {
            step.run();
        } catch (Throwable t) {
            REJECTS.warn("control channel: dropping " + describe(ctx) + " after an internal error: " + t);
            try {
                ctx.closeSession(Transport.GOING_AWAY, "internal error");
            } catch (RuntimeException ignored) {
                // already closed
            }
        }
    }

    private void onConnect(WsContext ctx) {
        org.eclipse.jetty.websocket.api.Session s = ctx.session;
        s.setIdleTimeout(timing.handshakeTimeout());
        s.setMaxBinaryMessageSize(Records.MAX_RECORD_SIZE);
        s.setMaxFrameSize(Records.MAX_RECORD_SIZE);
        s.setMaxTextMessageSize(1024);
        sessions.put(ctx.sessionId(), new Session(new JettyTransport(s)));
    }

    private void onBinary(WsContext ctx, ByteBuffer data) {
        Session session = sessions.get(ctx.sessionId());
        if (session == null || session.rejected) {
            return;
        }
        SecureConnection conn = session.connection;
        if (conn != null) {
            boolean wasOpen = conn.isOpen();
            conn.onRecord(data);
            if (conn.inboxFull()) {
                conn.fail(new IOException("control client " + session.transport.describe() + " sent more than "
                        + INBOX_LIMIT_BYTES + " bytes that its handler did not read"),
                        Transport.POLICY_VIOLATION, "receive buffer overrun");
            }
            if (wasOpen && conn.failure() != null) {
                REJECTS.warn("control channel: closing a connection: " + conn.failure().getMessage());
            }
            return;
        }
        handshake(ctx, session, data);
    }

    private void handshake(WsContext ctx, Session session, ByteBuffer data) {
        byte[] message1 = new byte[data.remaining()];
        data.get(message1);
        NoiseHandshake hs = NoiseHandshake.builder(NoiseHandshake.Pattern.IK, NoiseHandshake.Role.RESPONDER)
                .localStatic(serverKey, serverPublic)
                .prologue(Records.PROLOGUE.getBytes(StandardCharsets.US_ASCII))
                .build();
        byte[] message2;
        TransportKeys keys;
        try {
            hs.readMessage(message1);
            message2 = hs.writeMessage(new byte[0]);
            keys = hs.split();
        } catch (HandshakeException e) {
            session.rejected = true;
            REJECTS.warn("control channel: rejecting " + describe(ctx) + ": bad Noise handshake: " + e.getMessage());
            ctx.closeSession(Transport.POLICY_VIOLATION, "handshake failed");
            return;
        }
        PublicKey machineKey = hs.remoteStatic().orElseThrow();
        SecureConnection conn;
        try {
            conn = new SecureConnection(machineKey, session.transport,
                    new RecordWriter(Aead.create(), AeadKey.of(keys.sendKey())),
                    new RecordReader(Aead.create(), AeadKey.of(keys.receiveKey()), true),
                    INBOX_LIMIT_BYTES);
        } finally {
            keys.destroy();
        }
        session.connection = conn;
        // Message 1 alone proves nothing about liveness (it can be replayed): the handler starts only when the
        // client's key confirmation record arrives; until then the handshake timeout still applies.
        conn.onConfirmed(() -> {
            ctx.session.setIdleTimeout(timing.idleTimeout());
            ctx.enableAutomaticPings(timing.pingInterval().toMillis(), TimeUnit.MILLISECONDS);
            Thread.ofVirtual().name("control-conn-" + machineKey.toBase64().substring(0, 8)).start(() -> serve(conn));
        });
        session.transport.sendBinary(ByteBuffer.wrap(message2)).whenComplete((ok, error) -> {
            if (error != null) {
                conn.onTransportError(error);
            }
        });
    }

    private void serve(SecureConnection conn) {
        try (conn) {
            handler.handle(conn);
        } catch (EOFException e) {
            LOG.debug("control channel: {} closed while its handler read: {}", conn.remoteKey(), e.getMessage());
        } catch (IOException e) {
            LOG.debug("control channel: connection of {} ended: {}", conn.remoteKey(), e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Throwable t) {
            LOG.warn("control channel: handler for {} failed", conn.remoteKey(), t);
        }
    }

    private void onText(WsContext ctx) {
        Session session = sessions.get(ctx.sessionId());
        if (session == null) {
            return;
        }
        SecureConnection conn = session.connection;
        if (conn != null) {
            conn.onTextMessage();
        }
        session.rejected = true;
        REJECTS.warn("control channel: closing " + describe(ctx) + ": it sent a text message");
        ctx.closeSession(Transport.PROTOCOL_ERROR, "text not allowed");
    }

    private void onClose(WsContext ctx, int status, String reason) {
        Session session = sessions.remove(ctx.sessionId());
        ctx.disableAutomaticPings();
        if (session != null && session.connection != null) {
            session.connection.onRemoteClose(status, reason);
        }
    }

    private void onError(WsContext ctx, Throwable error) {
        Session session = sessions.get(ctx.sessionId());
        if (session != null && session.connection != null) {
            session.connection.onTransportError(error);
        } else {
            LOG.debug("control channel: error on {} before the handshake: {}", describe(ctx), String.valueOf(error));
        }
    }

    private static String describe(WsContext ctx) {
        try {
            return "client " + ctx.session.getRemoteSocketAddress();
        } catch (RuntimeException e) {
            return "client " + ctx.sessionId();
        }
    }

    @Override
    public String toString() {
        return "ControlChannelServer(" + serverPublic + ")";
    }
}
