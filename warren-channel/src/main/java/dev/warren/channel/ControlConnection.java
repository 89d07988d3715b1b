package dev.warren.channel;

import dev.warren.wire.key.PublicKey;

import java.io.IOException;

/**
 * One authenticated control connection. Messages arrive whole and in order.
 *
 * <p>Concurrency: {@link #send} may be called from several threads (sends are serialized); {@link #receive} is for
 * one reader thread. {@link #close} may be called from any thread and wakes a blocked reader.
 */
public interface ControlConnection extends AutoCloseable {
    /** The largest message either side may send. */
    int MAX_MESSAGE_SIZE = 16 << 20;

    /** The remote party's static public key, proven by the handshake (the machine key, seen from the server). */
    PublicKey remoteKey();

    /** Sends one message; throws IOException if the connection is closed or broken. */
    void send(byte[] message) throws IOException;

    /**
     * Blocks until the next message arrives. Throws {@link java.io.EOFException} when the remote party closed the
     * connection cleanly, and another IOException when it broke or was closed locally.
     */
    byte[] receive() throws IOException;

    /** True until either side closes the connection or it breaks. */
    boolean isOpen();

    /** Closes the connection; idempotent. */
    @Override
    void close();
}
