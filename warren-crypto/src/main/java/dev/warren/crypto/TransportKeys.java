package dev.warren.crypto;

import java.util.Arrays;
import java.util.Objects;

/**
 * The result of a completed Noise handshake ({@link NoiseHandshake#split()}): one 32-byte key for each
 * direction, already oriented for the side that holds it, and the final handshake hash.
 *
 * <p>Accessors return copies; {@link #destroy()} zeroes the keys held here. Not thread-safe with respect
 * to {@code destroy()}.
 */
public final class TransportKeys {
    private final byte[] send;
    private final byte[] receive;
    private final byte[] handshakeHash;

    TransportKeys(byte[] send, byte[] receive, byte[] handshakeHash) {
        this.send = Objects.requireNonNull(send, "send");
        this.receive = Objects.requireNonNull(receive, "receive");
        this.handshakeHash = Objects.requireNonNull(handshakeHash, "handshakeHash");
    }

    /** A copy of the key this side encrypts with (WireGuard's {@code T_send}). */
    public byte[] sendKey() {
        return send.clone();
    }

    /** A copy of the key this side decrypts with (WireGuard's {@code T_recv}). */
    public byte[] receiveKey() {
        return receive.clone();
    }

    /** A copy of the final handshake hash {@code h}. */
    public byte[] handshakeHash() {
        return handshakeHash.clone();
    }

    /** Zeroes both keys. */
    public void destroy() {
        Arrays.fill(send, (byte) 0);
        Arrays.fill(receive, (byte) 0);
    }

    @Override
    public String toString() {
        return "TransportKeys(redacted)";
    }
}
