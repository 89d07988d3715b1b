package dev.warren.relay;

import java.time.Duration;

/**
 * Constants both ends of the relay protocol share: the HTTP upgrade that starts a connection and the timers.
 *
 * <pre>
 * client → relay   GET /relay HTTP/1.1 ‖ Host: h ‖ Upgrade: warren-relay ‖ Connection: Upgrade
 * relay → client   HTTP/1.1 101 Switching Protocols ‖ Upgrade: warren-relay ‖ Connection: Upgrade
 *                  ‖ Relay-Version: 1 ‖ Relay-Key: &lt;64 hex, the relay's public key&gt;
 * then frames ({@link dev.warren.wire.relay.RelayFrame}) both ways: ServerKey, ClientInfo, ServerInfo, ...
 * </pre>
 */
public final class RelayProtocol {
    /** The upgrade path. */
    public static final String PATH = "/relay";
    /** The health-check path (HTTP 200 "ok"). */
    public static final String HEALTH_PATH = "/healthz";
    /** The {@code Upgrade} token. */
    public static final String UPGRADE = "warren-relay";
    /** Response header carrying the relay's public key in hex. */
    public static final String KEY_HEADER = "Relay-Key";
    /** Response header carrying the protocol version. */
    public static final String VERSION_HEADER = "Relay-Version";
    /** How often the relay sends a KeepAlive (plus up to {@link #KEEP_ALIVE_JITTER}). */
    public static final Duration KEEP_ALIVE = Duration.ofSeconds(60);
    public static final Duration KEEP_ALIVE_JITTER = Duration.ofSeconds(5);
    /** A client that hears nothing for this long reconnects (two keepalives and the jitter). */
    public static final Duration CLIENT_SILENCE = KEEP_ALIVE.multipliedBy(2).plus(KEEP_ALIVE_JITTER);
    /** Largest HTTP request or response head (request line and headers) either side reads. */
    public static final int MAX_HTTP_HEAD = 8192;

    private RelayProtocol() {
    }
}
