package dev.warren.channel;

import dev.warren.wire.key.PublicKey;

import java.io.EOFException;
import java.io.IOException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Connections in memory, for in-process harnesses: {@link #dialer} returns a {@link ControlDialer} whose every
 * {@code connect()} creates a connected pair and runs the server's {@link ConnectionHandler} for the far end on a
 * new virtual thread — the same contract as the network transport, without sockets or crypto.
 */
public final class InMemoryConnections {
    private InMemoryConnections() {
    }

    /** A connected pair: {@code client.remoteKey()} is serverKey, {@code server.remoteKey()} is clientKey. */
    public record Pair(ControlConnection client, ControlConnection server) {
    }

    public static Pair pair(PublicKey clientKey, PublicKey serverKey) {
        End c = new End(serverKey);
        End s = new End(clientKey);
        c.peer = s;
        s.peer = c;
        return new Pair(c, s);
    }

    /** Dials in memory: each connect runs {@code handler} for the server end on its own virtual thread. */
    public static ControlDialer dialer(PublicKey machineKey, PublicKey serverKey, ConnectionHandler handler) {
        return () -> {
            Pair p = pair(machineKey, serverKey);
            Thread.ofVirtual().name("control-conn-mem").start(() -> {
                try (ControlConnection server = p.server()) {
                    handler.handle(server);
                } catch (Exception e) {
                    // The handler's own failure ends the connection, as a network transport would.
                }
            });
            return p.client();
        };
    }

    private static final byte[] EOF_MARK = new byte[0];

    private static final class End implements ControlConnection {
        private final PublicKey remoteKey;
        private final LinkedBlockingQueue<byte[]> inbox = new LinkedBlockingQueue<>();
        private final AtomicBoolean open = new AtomicBoolean(true);
        /** Set once by {@link #pair} before the pair is published. */
        private End peer;
        private volatile boolean closedLocally;

        End(PublicKey remoteKey) {
            this.remoteKey = remoteKey;
        }

        @Override
        public PublicKey remoteKey() {
            return remoteKey;
        }

        @Override
        public void send(byte[] message) throws IOException {
            if (!open.get()) {
                throw new IOException("connection closed");
            }
            if (message.length > MAX_MESSAGE_SIZE) {
                throw new IOException("message of " + message.length + " bytes exceeds " + MAX_MESSAGE_SIZE);
            }
            if (!peer.open.get()) {
                throw new IOException("connection closed by peer");
            }
            peer.inbox.add(message.clone());
        }

        @Override
        public byte[] receive() throws IOException {
            if (closedLocally) {
                throw new IOException("connection closed");
            }
            try {
                byte[] m = inbox.take();
                if (m == EOF_MARK) {
                    inbox.add(EOF_MARK);
                    if (closedLocally) {
                        throw new IOException("connection closed");
                    }
                    throw new EOFException("connection closed by peer");
                }
                return m;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted", e);
            }
        }

        @Override
        public boolean isOpen() {
            return open.get() && peer.open.get();
        }

        @Override
        public void close() {
            if (open.compareAndSet(true, false)) {
                closedLocally = true;
                inbox.add(EOF_MARK);
                peer.inbox.add(EOF_MARK);
                peer.open.set(false);
            }
        }
    }
}
