package dev.warren.channel.internal;

import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;

/**
 * The WebSocket under a {@link SecureConnection}: sends whole binary messages and closes. Implemented over Jetty's
 * server session ({@link JettyTransport}) and the JDK's {@code java.net.http.WebSocket} ({@link JdkTransport}).
 * Incoming messages are pushed by the implementation into {@link SecureConnection#onRecord}.
 */
public interface Transport {
    /** WebSocket close code for a normal close. */
    int NORMAL = 1000;
    /** WebSocket close code "going away". */
    int GOING_AWAY = 1001;
    /** WebSocket close code for a protocol error (a bad record). */
    int PROTOCOL_ERROR = 1002;
    /** WebSocket close code "policy violation" (a failed handshake). */
    int POLICY_VIOLATION = 1008;

    /**
     * Starts sending one binary message; the future completes when it was handed to the socket, or exceptionally.
     * Callers send one message at a time (the connection's send lock).
     */
    CompletableFuture<Void> sendBinary(ByteBuffer message);

    /** Starts a graceful close with {@code code} and a short {@code reason}; idempotent, never throws. */
    void close(int code, String reason);

    /** Drops the connection at once; idempotent, never throws. */
    void abort();

    /** A short description of the remote end (address) for messages and logs. */
    String describe();

    /** The reader consumed queued messages; a transport that stopped reading may resume. Default: nothing. */
    default void resumeReading() {
    }
}
