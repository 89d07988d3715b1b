package dev.warren.wireguard;

import dev.warren.wire.key.PresharedKey;
import dev.warren.wire.key.PrivateKey;
import dev.warren.wire.key.PublicKey;

import java.util.Arrays;

/**
 * One peer's Noise_IKpsk2 handshake in progress, plus the per-peer facts the handshake needs across attempts:
 * the precomputed static-static Diffie-Hellman result, the preshared key, the greatest timestamp accepted from
 * the peer (replay protection) and when we last consumed an initiation or sent one (flood limits).
 *
 * <p>States: ZEROED → INITIATION_CREATED → RESPONSE_CONSUMED (we initiated), or ZEROED → INITIATION_CONSUMED →
 * RESPONSE_CREATED (we responded); either end state becomes a {@link Keypair} and the handshake returns to ZEROED.
 *
 * <p>Concurrency: every field is guarded by {@code this}.
 */
final class Handshake {
    enum State { ZEROED, INITIATION_CREATED, INITIATION_CONSUMED, RESPONSE_CREATED, RESPONSE_CONSUMED }

    static final long NEVER = Long.MIN_VALUE / 2;

    final PublicKey remoteStatic;

    // guarded by this
    State state = State.ZEROED;
    // guarded by this
    byte[] hash;
    // guarded by this
    byte[] chainKey;
    // guarded by this
    PrivateKey localEphemeral;
    // guarded by this; 0 = none registered in the index table
    int localIndex;
    // guarded by this
    int remoteIndex;
    // guarded by this
    byte[] remoteEphemeral;
    // guarded by this; all zeros when the device has no private key
    byte[] precomputedStaticStatic = new byte[32];
    // guarded by this
    PresharedKey presharedKey = PresharedKey.NONE;
    // guarded by this
    byte[] lastTimestamp = new byte[Tai64n.SIZE];
    // guarded by this
    long lastInitiationConsumption = NEVER;
    // guarded by this
    long lastSentHandshake = NEVER;

    // Our own initiation, set aside when the peer's initiation crossed it (see Noise#consumeInitiation), so that
    // the peer's response to ours can still be consumed. crossedIndex stays registered in the index table.
    // guarded by this
    byte[] crossedHash;
    // guarded by this
    byte[] crossedChainKey;
    // guarded by this
    PrivateKey crossedEphemeral;
    // guarded by this; 0 = nothing set aside
    int crossedIndex;
    // guarded by this
    long crossedAt = NEVER;

    Handshake(PublicKey remoteStatic) {
        this.remoteStatic = remoteStatic;
    }

    /** Forgets the handshake in progress (not the timestamp, psk or static-static secret). Caller holds the lock. */
    void clearLocked() {
        state = State.ZEROED;
        wipe(hash);
        wipe(chainKey);
        wipe(remoteEphemeral);
        hash = null;
        chainKey = null;
        remoteEphemeral = null;
        localEphemeral = null;
        localIndex = 0;
        remoteIndex = 0;
    }

    boolean hasStaticStaticLocked() {
        int acc = 0;
        for (byte b : precomputedStaticStatic) {
            acc |= b;
        }
        return acc != 0;
    }

    static void wipe(byte[] b) {
        if (b != null) {
            Arrays.fill(b, (byte) 0);
        }
    }
}
