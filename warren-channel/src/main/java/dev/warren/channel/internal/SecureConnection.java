package dev.warren.channel.internal;

import dev.warren.channel.ControlConnection;
import dev.warren.wire.key.PublicKey;

import java.io.EOFException;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingDeque;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * One control connection after its Noise handshake: the pipeline is
 * <pre>
 *   send():    message → {@link RecordWriter} (chunk ≤ 64 KiB, seal with counter) → {@link Transport#sendBinary}
 *   transport: WebSocket binary message → {@link #onRecord} → {@link RecordReader} (counter check, open,
 *              reassemble) → inbox → receive()
 * </pre>
 * The handshake happens before this object exists (in {@code ControlChannelServer} / {@code ControlChannelClient});
 * the client's first record is the key confirmation ({@link #sendConfirmation}), reported on the server through
 * {@link #onConfirmed} and never delivered as a message.
 * Records are decrypted on the transport's delivery thread as they arrive, so a bad record tears the connection down
 * at once even if nobody is reading; whole messages wait in the inbox.
 *
 * <p>Termination happens once ({@link #end}): local close, clean remote close (EOF), or failure. {@link #receive}
 * first drains messages that arrived before a remote close or failure and then reports it; after a local close it
 * throws at once. {@link #send} fails after any termination.
 *
 * <p>Concurrency: {@code send} is serialized by {@link #sendLock}; {@link #onRecord}, {@link #onRemoteClose} and
 * {@link #onTransportError} are called by the transport one at a time; {@code receive} by one reader.
 */
public final class SecureConnection implements ControlConnection {
    /** Terminal states. */
    private enum Kind { LOCAL_CLOSE, REMOTE_CLOSE, FAILED }

    private record End(Kind kind, IOException cause) {
    }

    /** Queue marker: the connection ended; see {@link #end}. */
    private static final byte[] WAKE = new byte[0];
    /** How long a single record send may take before the connection is declared broken. */
    private static final long SEND_TIMEOUT_NANOS = TimeUnit.MINUTES.toNanos(2);

    private final PublicKey remoteKey;
    private final Transport transport;
    private final Object sendLock = new Object();
    private final RecordWriter writer;          // guarded by sendLock
    private final RecordReader reader;          // confined to the transport's delivery callbacks
    private final long highWaterBytes;
    private final LinkedBlockingDeque<byte[]> inbox = new LinkedBlockingDeque<>();
    private final AtomicLong inboxBytes = new AtomicLong();
    private final AtomicReference<End> end = new AtomicReference<>();
    private volatile Runnable onConfirmed = () -> { };

    /**
     * @param highWaterBytes bytes of undelivered messages above which {@link #inboxFull()} says so: the JDK transport
     *     then stops reading until the reader drained half of it; the server, which cannot stop reading, fails the
     *     connection instead
     */
    public SecureConnection(PublicKey remoteKey, Transport transport, RecordWriter writer, RecordReader reader,
                            long highWaterBytes) {
        this.remoteKey = remoteKey;
        this.transport = transport;
        this.writer = writer;
        this.reader = reader;
        this.highWaterBytes = highWaterBytes;
    }

    @Override
    public PublicKey remoteKey() {
        return remoteKey;
    }

    @Override
    public void send(byte[] message) throws IOException {
        if (message.length > MAX_MESSAGE_SIZE) {
            throw new IOException("message of " + message.length + " bytes exceeds " + MAX_MESSAGE_SIZE);
        }
        synchronized (sendLock) {
            checkSendable();
            for (byte[] rec : writer.seal(message)) {
                sendRaw(rec);
            }
        }
    }

    /** Client: sends the key confirmation record; must be the first record, before any {@link #send}. */
    public void sendConfirmation() throws IOException {
        synchronized (sendLock) {
            checkSendable();
            if (writer.nextCounter() != 0) {
                throw new IllegalStateException("the key confirmation must be the first record");
            }
            sendRaw(writer.sealConfirmation());
        }
    }

    /** Server: runs {@code action} on the transport thread when the client's key confirmation arrives. */
    public void onConfirmed(Runnable action) {
        this.onConfirmed = action;
    }

    // caller holds sendLock
    private void sendRaw(byte[] bytes) throws IOException {
        CompletableFuture<Void> f;
        try {
            f = transport.sendBinary(ByteBuffer.wrap(bytes));
        } catch (RuntimeException e) {
            throw failWith(new IOException("control channel send to " + transport.describe() + " failed: " + e, e));
        }
        long deadline = System.nanoTime() + SEND_TIMEOUT_NANOS;
        while (true) {
            try {
                f.get(200, TimeUnit.MILLISECONDS);
                return;
            } catch (TimeoutException e) {
                End ended = end.get();
                if (ended != null) {
                    throw closedException(ended, true);
                }
                if (System.nanoTime() - deadline > 0) {
                    throw failWith(new IOException("control channel send to " + transport.describe()
                            + " made no progress for " + TimeUnit.NANOSECONDS.toSeconds(SEND_TIMEOUT_NANOS) + " s"));
                }
            } catch (ExecutionException e) {
                Throwable c = e.getCause();
                throw failWith(new IOException("control channel send to " + transport.describe() + " failed: " + c, c));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw failWith(new InterruptedIOException("interrupted while sending; connection closed"));
            }
        }
    }

    private void checkSendable() throws IOException {
        End ended = end.get();
        if (ended != null) {
            throw closedException(ended, true);
        }
    }

    @Override
    public byte[] receive() throws IOException {
        while (true) {
            End ended = end.get();
            if (ended != null && ended.kind == Kind.LOCAL_CLOSE) {
                throw closedException(ended, false);
            }
            byte[] m;
            try {
                m = inbox.take();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted while receiving");
            }
            if (m == WAKE) {
                inbox.addFirst(WAKE); // keep waking any later call
                ended = end.get();
                throw closedException(ended, false);
            }
            long left = inboxBytes.addAndGet(-m.length);
            if (left <= highWaterBytes / 2) {
                transport.resumeReading();
            }
            return m;
        }
    }

    @Override
    public boolean isOpen() {
        return end.get() == null;
    }

    @Override
    public void close() {
        if (end(Kind.LOCAL_CLOSE, null)) {
            inbox.addFirst(WAKE);
            transport.close(Transport.NORMAL, "closed");
        }
    }

    /** True when undelivered messages exceed the high-water mark: a transport should stop reading for now. */
    public boolean inboxFull() {
        return inboxBytes.get() > highWaterBytes;
    }

    /** Transport callback: one whole WebSocket binary message, a record. Never throws. */
    public void onRecord(ByteBuffer record) {
        if (end.get() != null) {
            return;
        }
        byte[] message;
        try {
            message = reader.accept(record);
        } catch (ChannelException e) {
            fail(new ChannelException("bad record from " + transport.describe() + ": " + e.getMessage(), e),
                    Transport.PROTOCOL_ERROR, "bad record");
            return;
        } catch (RuntimeException e) {
            fail(new ChannelException("record from " + transport.describe() + " could not be processed: " + e, e),
                    Transport.PROTOCOL_ERROR, "bad record");
            return;
        }
        if (message == RecordReader.CONFIRMATION) {
            onConfirmed.run();
        } else if (message != null) {
            inboxBytes.addAndGet(message.length);
            inbox.addLast(message);
        }
    }

    /** Transport callback: a text message (not part of this protocol). */
    public void onTextMessage() {
        fail(new ChannelException("unexpected text message from " + transport.describe()),
                Transport.PROTOCOL_ERROR, "text not allowed");
    }

    /** Transport callback: the peer closed the WebSocket with {@code code}. */
    public void onRemoteClose(int code, String reason) {
        if (code == Transport.NORMAL || code == Transport.GOING_AWAY) {
            if (end(Kind.REMOTE_CLOSE, new EOFException("control connection closed by " + transport.describe()))) {
                inbox.addLast(WAKE);
            }
        } else {
            String r = reason == null || reason.isEmpty() ? "" : " (" + reason + ")";
            if (end(Kind.FAILED, new IOException("control connection closed by " + transport.describe()
                    + " with WebSocket status " + code + r))) {
                inbox.addLast(WAKE);
            }
        }
        transport.close(Transport.NORMAL, "");
    }

    /** Transport callback: the WebSocket broke. */
    public void onTransportError(Throwable error) {
        if (end(Kind.FAILED, new IOException("control connection to " + transport.describe() + " broke: " + error, error))) {
            inbox.addLast(WAKE);
        }
        transport.abort();
    }

    /** Fails the connection with {@code cause}, closing the WebSocket with {@code code}; returns whether it was open. */
    public boolean fail(IOException cause, int code, String reason) {
        if (end(Kind.FAILED, cause)) {
            inbox.addLast(WAKE);
            transport.close(code, reason);
            return true;
        }
        return false;
    }

    /** The failure that ended this connection, if it failed. */
    public IOException failure() {
        End e = end.get();
        return e != null && e.kind == Kind.FAILED ? e.cause : null;
    }

    private IOException failWith(IOException cause) {
        fail(cause, Transport.GOING_AWAY, "send failed");
        End ended = end.get();
        return ended.kind == Kind.FAILED ? ended.cause : closedException(ended, true);
    }

    private boolean end(Kind kind, IOException cause) {
        boolean first = end.compareAndSet(null, new End(kind, cause));
        if (first) {
            synchronizedDestroy();
        }
        return first;
    }

    private void synchronizedDestroy() {
        // The reader's key is only used on the transport thread, which may be inside accept(); the keys are
        // dropped with this object. Zeroing the writer's key waits for an in-flight send to finish sealing.
        Thread.ofVirtual().start(() -> {
            synchronized (sendLock) {
                writer.destroy();
            }
        });
    }

    private IOException closedException(End ended, boolean sending) {
        return switch (ended.kind) {
            case LOCAL_CLOSE -> new IOException("control connection to " + transport.describe() + " is closed");
            case REMOTE_CLOSE -> sending
                    ? new IOException("control connection closed by " + transport.describe())
                    : new EOFException(ended.cause.getMessage());
            case FAILED -> new IOException(ended.cause.getMessage(), ended.cause);
        };
    }
}
