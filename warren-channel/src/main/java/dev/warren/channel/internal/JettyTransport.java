package dev.warren.channel.internal;

import org.eclipse.jetty.websocket.api.Callback;
import org.eclipse.jetty.websocket.api.Session;

import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;

/** {@link Transport} over a Jetty server-side WebSocket session (what Javalin hands its ws handlers). */
public final class JettyTransport implements Transport {
    private final Session session;
    private final String remote;

    public JettyTransport(Session session) {
        this.session = session;
        String r;
        try {
            r = String.valueOf(session.getRemoteSocketAddress());
        } catch (RuntimeException e) {
            r = "unknown client";
        }
        this.remote = r;
    }

    @Override
    public CompletableFuture<Void> sendBinary(ByteBuffer message) {
        CompletableFuture<Void> f = new CompletableFuture<>();
        session.sendBinary(message, Callback.from(() -> f.complete(null), f::completeExceptionally));
        return f;
    }

    @Override
    public void close(int code, String reason) {
        try {
            session.close(code, reason, Callback.NOOP);
        } catch (RuntimeException e) {
            abort();
        }
    }

    @Override
    public void abort() {
        try {
            session.disconnect();
        } catch (RuntimeException e) {
            // already gone
        }
    }

    @Override
    public String describe() {
        return remote;
    }
}
