package dev.warren.channel;

import dev.warren.channel.internal.Endpoints;
import dev.warren.channel.internal.JdkTransport;
import dev.warren.channel.internal.RecordReader;
import dev.warren.channel.internal.RecordWriter;
import dev.warren.channel.internal.Records;
import dev.warren.channel.internal.SecureConnection;
import dev.warren.crypto.Aead;
import dev.warren.crypto.AeadKey;
import dev.warren.crypto.HandshakeException;
import dev.warren.crypto.NoiseHandshake;
import dev.warren.crypto.TransportKeys;
import dev.warren.wire.key.PrivateKey;
import dev.warren.wire.key.PublicKey;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.ConnectException;
import java.net.ProxySelector;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpTimeoutException;
import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The client (node) end of the control channel: opens a WebSocket to {@code <serverBase>/control} with the JDK's
 * {@code java.net.http} client and runs Noise IK as initiator, with the node's machine key as static key and the
 * server's static key known in advance.
 *
 * <p>Pipeline: connect (HTTP upgrade) → send Noise message 1 as the first binary message → the listener thread reads
 * message 2, checks it (a wrong server key shows up here: the server cannot decrypt message 1 and closes with
 * 1008) and splits the transport keys → the caller sends the key confirmation record → records as described in
 * {@code dev.warren.channel.internal.Records}.
 * The whole of connect and handshake is bounded by {@code timeout}.
 */
public final class ControlChannelClient {
    /** Undelivered bytes above which the client stops reading from the socket until the reader catches up. */
    static final long INBOX_HIGH_WATER_BYTES = 4L << 20;

    private ControlChannelClient() {
    }

    /** Shared by all connections: one selector thread, virtual threads for callbacks. */
    private static final class Http {
        static final HttpClient CLIENT = build();

        private static HttpClient build() {
            HttpClient.Builder b = HttpClient.newBuilder()
                    .executor(Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("control-ws-", 0).factory()));
            ProxySelector proxy = ProxySelector.getDefault();
            if (proxy != null) {
                b.proxy(proxy);
            }
            return b.build();
        }
    }

    /** Returns the shared HTTP client (also used by {@link ServerKey}). */
    static HttpClient http() {
        return Http.CLIENT;
    }

    /**
     * Connects to the control server at {@code serverBase} (like {@code http://10.0.0.1:8080}; https selects wss) and
     * completes the Noise IK handshake within {@code timeout}.
     *
     * @throws IOException naming the URL when the server is unreachable, is not a control server, rejects the
     *     handshake (for instance because {@code serverKey} is not its key), or does not answer in time
     */
    public static ControlConnection connect(URI serverBase, PublicKey serverKey, PrivateKey machineKey, Duration timeout)
            throws IOException {
        Objects.requireNonNull(serverKey, "serverKey");
        Objects.requireNonNull(machineKey, "machineKey");
        Objects.requireNonNull(timeout, "timeout");
        URI uri;
        try {
            uri = Endpoints.ws(serverBase, Endpoints.CONTROL_PATH);
        } catch (IllegalArgumentException e) {
            throw new IOException(e.getMessage(), e);
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        NoiseHandshake hs = NoiseHandshake.builder(NoiseHandshake.Pattern.IK, NoiseHandshake.Role.INITIATOR)
                .localStatic(machineKey)
                .remoteStatic(serverKey)
                .prologue(Records.PROLOGUE.getBytes(StandardCharsets.US_ASCII))
                .build();
        byte[] message1;
        try {
            message1 = hs.writeMessage(new byte[0]);
        } catch (HandshakeException e) {
            throw new IOException("cannot start a handshake with " + uri + ": " + e.getMessage(), e);
        }
        JdkTransport transport = new JdkTransport(uri.toString(), (response, t) -> {
            TransportKeys keys;
            try {
                hs.readMessage(response);
                keys = hs.split();
            } catch (HandshakeException e) {
                throw new IOException("control server " + uri + " sent a bad Noise handshake response: "
                        + e.getMessage(), e);
            }
            try {
                return new SecureConnection(serverKey, t,
                        new RecordWriter(Aead.create(), AeadKey.of(keys.sendKey())),
                        new RecordReader(Aead.create(), AeadKey.of(keys.receiveKey()), false),
                        INBOX_HIGH_WATER_BYTES);
            } finally {
                keys.destroy();
            }
        });
        boolean done = false;
        try {
            WebSocket ws = await(http().newWebSocketBuilder()
                    .connectTimeout(remaining(deadline, timeout))
                    .buildAsync(uri, transport), deadline, uri, timeout);
            await(ws.sendBinary(java.nio.ByteBuffer.wrap(message1), true), deadline, uri, timeout);
            SecureConnection conn = await(transport.ready(), deadline, uri, timeout);
            conn.sendConfirmation();
            done = true;
            return conn;
        } finally {
            if (!done) {
                transport.abort();
            }
        }
    }

    /** A dialer whose every {@code connect()} calls {@link #connect} with these arguments. */
    public static ControlDialer dialer(URI serverBase, PublicKey serverKey, PrivateKey machineKey, Duration timeout) {
        Objects.requireNonNull(serverBase, "serverBase");
        Objects.requireNonNull(serverKey, "serverKey");
        Objects.requireNonNull(machineKey, "machineKey");
        Objects.requireNonNull(timeout, "timeout");
        return () -> connect(serverBase, serverKey, machineKey, timeout);
    }

    private static Duration remaining(long deadline, Duration timeout) {
        long left = deadline - System.nanoTime();
        return Duration.ofNanos(Math.max(1_000_000L, Math.min(left, timeout.toNanos())));
    }

    private static <T> T await(CompletableFuture<T> f, long deadline, URI uri, Duration timeout) throws IOException {
        try {
            return f.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            f.cancel(true);
            throw new HttpTimeoutException("control server " + uri + " did not complete the connection and handshake within "
                    + timeout.toMillis() + " ms");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while connecting to " + uri);
        } catch (ExecutionException e) {
            throw explain(e.getCause(), uri);
        }
    }

    private static IOException explain(Throwable cause, URI uri) {
        while (cause instanceof java.util.concurrent.CompletionException && cause.getCause() != null) {
            cause = cause.getCause();
        }
        if (cause instanceof WebSocketHandshakeException wse) {
            int status = wse.getResponse() == null ? -1 : wse.getResponse().statusCode();
            return new IOException("control server " + uri + " refused the WebSocket upgrade (HTTP status " + status
                    + "); is this a Warren control server?", wse);
        }
        if (cause instanceof HttpTimeoutException hte) {
            return new HttpTimeoutException("connecting to control server " + uri + " timed out: " + hte.getMessage());
        }
        if (cause instanceof ConnectException ce) {
            return new ConnectException("cannot connect to control server " + uri + ": "
                    + (ce.getMessage() == null ? "connection refused" : ce.getMessage()));
        }
        if (cause instanceof IOException io) {
            String m = io.getMessage() == null ? io.toString() : io.getMessage();
            return m.contains(uri.toString()) ? io : new IOException("control server " + uri + ": " + m, io);
        }
        return new IOException("control server " + uri + ": " + cause, cause);
    }
}
