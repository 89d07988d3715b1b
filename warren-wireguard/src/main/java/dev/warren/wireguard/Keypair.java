package dev.warren.wireguard;

import dev.warren.crypto.AeadKey;
import dev.warren.wireguard.tables.ReplayFilter;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * A session: the two transport keys one handshake produced, the send counter, and the receive replay window.
 * Sessions are found by their local index (the receiver index in incoming transport messages).
 *
 * <p>Concurrency: the send counter is atomic (reserved in blocks per batch); the replay filter is guarded by
 * {@link #replay} itself; everything else is final.
 */
final class Keypair {
    private static final VarHandle SEND_NONCE;

    static {
        try {
            SEND_NONCE = MethodHandles.lookup().findVarHandle(Keypair.class, "sendNonce", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    final Peer peer;
    final AeadKey sendKey;
    final AeadKey receiveKey;
    final boolean initiator;
    /** Monotonic creation time. */
    final long created;
    final int localIndex;
    final int remoteIndex;
    // guarded by itself
    final ReplayFilter replay = new ReplayFilter();
    @SuppressWarnings("unused") // accessed through SEND_NONCE
    private volatile long sendNonce;

    Keypair(Peer peer, AeadKey sendKey, AeadKey receiveKey, boolean initiator, long created, int localIndex,
            int remoteIndex) {
        this.peer = peer;
        this.sendKey = sendKey;
        this.receiveKey = receiveKey;
        this.initiator = initiator;
        this.created = created;
        this.localIndex = localIndex;
        this.remoteIndex = remoteIndex;
    }

    /**
     * Reserves {@code n} consecutive counters and returns the first, or -1 when the session has run out. Warren
     * stops at 2^63 (Java's signed range), below {@link Protocol#REJECT_AFTER_MESSAGES}; no session lives that long.
     */
    long reserveNonces(int n) {
        long first = (long) SEND_NONCE.getAndAdd(this, (long) n);
        if (first < 0 || first + n < 0) {
            return -1;
        }
        return first;
    }

    long sendNonce() {
        return (long) SEND_NONCE.getVolatile(this);
    }

    /** Makes the session unusable for sending (wireguard-go's ExpireCurrentKeypairs). */
    void expireSending() {
        SEND_NONCE.setVolatile(this, Long.MIN_VALUE);
    }

    /** True when {@code counter} was not seen before and is in the window; records it. */
    boolean validateCounter(long counter) {
        if (counter < 0) {
            return false; // at or beyond 2^63: never sent by a live session
        }
        synchronized (replay) {
            return replay.validateCounter(counter, Long.MAX_VALUE);
        }
    }

    void destroy() {
        sendKey.destroy();
        receiveKey.destroy();
    }
}
