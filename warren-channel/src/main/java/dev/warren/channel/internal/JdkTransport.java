package dev.warren.channel.internal;

import java.io.IOException;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;

/**
 * {@link Transport} and {@link WebSocket.Listener} over the JDK's {@code java.net.http.WebSocket}, the client side.
 *
 * <p>Demand: the JDK delivers one callback per {@code request(1)} (binary fragments, pings and pongs all count).
 * Every callback requests the next one, except that after completing a message while the connection's inbox is
 * above its high-water mark the listener stops ({@code stalled}) and {@link #resumeReading} requests again once the
 * reader drained it, so a slow reader pushes back on the server through TCP instead of buffering without bound.
 *
 * <p>Until the handshake completes, the first whole message goes to the {@link HandshakeStep}, which runs on the
 * listener thread so that records following the handshake response are processed strictly after it.
 *
 * <p>Close: {@link #close} sends a Close frame and aborts the socket if the server has not completed the closing
 * handshake within a few seconds. {@code onClose} returns {@code null}, so the JDK answers the server's Close at once.
 */
public final class JdkTransport implements Transport, WebSocket.Listener {
    /** Turns the handshake response into the connection; may throw to reject it. */
    @FunctionalInterface
    public interface HandshakeStep {
        SecureConnection complete(byte[] response, JdkTransport transport) throws IOException;
    }

    private static final long CLOSE_GRACE_SECONDS = 5;

    private final String remote;
    private final HandshakeStep handshake;
    private final CompletableFuture<SecureConnection> ready = new CompletableFuture<>();
    private final Object lock = new Object();
    private volatile WebSocket ws;
    private volatile SecureConnection conn;           // set once, on the listener thread
    private byte[] fragments = new byte[1024];         // guarded by lock (listener thread only, in practice)
    private int fragmentLength;                        // guarded by lock
    private boolean stalled;                           // guarded by lock
    private boolean closeSent;                         // guarded by lock
    private volatile boolean aborted;

    public JdkTransport(String remote, HandshakeStep handshake) {
        this.remote = remote;
        this.handshake = handshake;
    }

    /** Completes with the connection once the handshake response was accepted, or exceptionally. */
    public CompletableFuture<SecureConnection> ready() {
        return ready;
    }

    @Override
    public void onOpen(WebSocket webSocket) {
        this.ws = webSocket;
        if (aborted) {
            webSocket.abort(); // the caller gave up (timeout) before the upgrade completed
            return;
        }
        webSocket.request(1);
    }

    @Override
    public CompletionStage<?> onBinary(WebSocket webSocket, ByteBuffer data, boolean last) {
        byte[] message = null;
        synchronized (lock) {
            int n = data.remaining();
            if ((long) fragmentLength + n > Records.MAX_RECORD_SIZE) {
                fragments = new byte[0];
                fragmentLength = 0;
                failBeforeOrAfter(new ChannelException("message from " + remote + " exceeds the record maximum of "
                        + Records.MAX_RECORD_SIZE + " bytes"), Transport.PROTOCOL_ERROR, "record too large");
                return null;
            }
            if (fragmentLength + n > fragments.length) {
                fragments = Arrays.copyOf(fragments, Math.max(fragmentLength + n, Math.min(Records.MAX_RECORD_SIZE,
                        fragments.length * 2)));
            }
            data.get(fragments, fragmentLength, n);
            fragmentLength += n;
            if (last) {
                message = Arrays.copyOf(fragments, fragmentLength);
                fragmentLength = 0; // the buffer is kept: at most one record (64 KiB) per connection
            }
        }
        if (message != null) {
            deliver(message);
        }
        requestNext(webSocket, message != null);
        return null;
    }

    private void deliver(byte[] message) {
        SecureConnection c = conn;
        if (c != null) {
            c.onRecord(ByteBuffer.wrap(message));
            return;
        }
        if (ready.isDone()) {
            return; // handshake already failed; ignore
        }
        try {
            SecureConnection made = handshake.complete(message, this);
            conn = made;
            ready.complete(made);
        } catch (IOException | RuntimeException e) {
            ready.completeExceptionally(e);
            abort();
        }
    }

    private void requestNext(WebSocket webSocket, boolean completedMessage) {
        synchronized (lock) {
            SecureConnection c = conn;
            if (completedMessage && c != null && c.inboxFull()) {
                stalled = true;
                return;
            }
        }
        webSocket.request(1);
    }

    @Override
    public void resumeReading() {
        WebSocket w = ws;
        synchronized (lock) {
            SecureConnection c = conn;
            if (!stalled || w == null || (c != null && c.inboxFull())) {
                return;
            }
            stalled = false;
        }
        w.request(1);
    }

    @Override
    public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
        SecureConnection c = conn;
        if (c != null) {
            c.onTextMessage();
        } else {
            failBeforeOrAfter(new ChannelException("unexpected text message from " + remote + " during the handshake"),
                    Transport.PROTOCOL_ERROR, "text not allowed");
        }
        return null;
    }

    @Override
    public CompletionStage<?> onPing(WebSocket webSocket, ByteBuffer message) {
        webSocket.request(1); // the JDK answers with a Pong itself
        return null;
    }

    @Override
    public CompletionStage<?> onPong(WebSocket webSocket, ByteBuffer message) {
        webSocket.request(1);
        return null;
    }

    @Override
    public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
        SecureConnection c = conn;
        if (c != null) {
            c.onRemoteClose(statusCode, reason);
        } else {
            String r = reason == null || reason.isEmpty() ? "" : " " + reason;
            ready.completeExceptionally(new IOException("control server " + remote
                    + " closed the connection during the Noise handshake (WebSocket status " + statusCode + r
                    + "); is the configured server key right?"));
        }
        return null;
    }

    @Override
    public void onError(WebSocket webSocket, Throwable error) {
        SecureConnection c = conn;
        if (c != null) {
            c.onTransportError(error);
        } else {
            ready.completeExceptionally(new IOException("control connection to " + remote
                    + " broke during the handshake: " + error, error));
        }
    }

    private void failBeforeOrAfter(ChannelException e, int code, String reason) {
        SecureConnection c = conn;
        if (c != null) {
            c.fail(e, code, reason);
        } else {
            ready.completeExceptionally(e);
            close(code, reason);
        }
    }

    @Override
    public CompletableFuture<Void> sendBinary(ByteBuffer message) {
        WebSocket w = ws;
        if (w == null) {
            return CompletableFuture.failedFuture(new IOException("WebSocket to " + remote + " is not open"));
        }
        return w.sendBinary(message, true).thenApply(x -> null);
    }

    @Override
    public void close(int code, String reason) {
        WebSocket w = ws;
        if (w == null) {
            return;
        }
        synchronized (lock) {
            if (closeSent) {
                return;
            }
            closeSent = true;
        }
        try {
            w.sendClose(code, reason == null ? "" : reason).whenComplete((x, e) -> {
                if (e != null) {
                    w.abort();
                }
            });
        } catch (RuntimeException e) {
            w.abort();
            return;
        }
        CompletableFuture.delayedExecutor(CLOSE_GRACE_SECONDS, TimeUnit.SECONDS).execute(w::abort);
    }

    @Override
    public void abort() {
        aborted = true;
        WebSocket w = ws;
        if (w != null) {
            w.abort();
        }
    }

    @Override
    public String describe() {
        return remote;
    }
}
