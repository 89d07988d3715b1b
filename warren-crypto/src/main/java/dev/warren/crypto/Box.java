package dev.warren.crypto;

import dev.warren.wire.key.PrivateKey;
import dev.warren.wire.key.PublicKey;

import java.security.InvalidKeyException;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Objects;

/**
 * Public-key authenticated encryption between two Curve25519 key pairs, used where Warren must prove possession of
 * a key or hide a message from everyone but one key holder: disco messages (node ↔ node, disco keys) and the
 * relay handshake (client ↔ relay server key).
 *
 * <pre>
 * shared   = X25519(myPrivate, theirPublic)            (all-zero result refused: small-order key)
 * boxKey   = HChaCha20(shared, "warren box v1\0\0\0")  (16-byte constant; binds keys to this use)
 * sealed   = XChaCha20-Poly1305(boxKey, nonce24, plaintext, no AD) = ciphertext ‖ tag[16]
 * </pre>
 *
 * The same {@code boxKey} results from either side (X25519 is symmetric), so whoever opens a box sealed with it
 * knows the sender held the private key of the public key it names. Nonces are 24 random bytes: with a random
 * nonce the chance of reuse under one key pair is negligible. This is NaCl's {@code crypto_box} shape with
 * XChaCha20 in place of XSalsa20 (Warren's protocols are not wire-compatible with NaCl's on purpose; the choice
 * reuses the WireGuard AEAD providers already measured).
 *
 * <p>Thread-safety: a {@link SharedKey} is immutable; {@link SharedKey#seal}/{@link SharedKey#open} create their
 * AEAD instance per call unless one is passed.
 */
public final class Box {
    /** Bytes of overhead a sealed box adds to its plaintext (the Poly1305 tag). */
    public static final int OVERHEAD = 16;
    /** Nonce size in bytes. */
    public static final int NONCE_SIZE = XAead.NONCE_SIZE;
    private static final byte[] CONTEXT = Arrays.copyOf("warren box v1".getBytes(java.nio.charset.StandardCharsets.US_ASCII),
            XAead.HNONCE_SIZE);
    private static final SecureRandom RANDOM = new SecureRandom();

    private Box() {
    }

    /** The box key of a key pair and a peer's public key (precompute it once per peer). */
    public static SharedKey precompute(PrivateKey mine, PublicKey theirs) throws InvalidKeyException {
        Objects.requireNonNull(mine, "mine");
        Objects.requireNonNull(theirs, "theirs");
        byte[] shared = X25519.sharedSecret(mine, theirs);
        try {
            return new SharedKey(XAead.hChaCha20(shared, CONTEXT));
        } finally {
            Arrays.fill(shared, (byte) 0);
        }
    }

    /** 24 fresh random nonce bytes. */
    public static byte[] randomNonce() {
        byte[] n = new byte[NONCE_SIZE];
        RANDOM.nextBytes(n);
        return n;
    }

    /** A precomputed box key between two key pairs. */
    public static final class SharedKey {
        private final byte[] key;

        private SharedKey(byte[] key) {
            this.key = key;
        }

        /** Seals {@code plaintext} under {@code nonce24}; returns ciphertext ‖ tag. */
        public byte[] seal(byte[] nonce24, byte[] plaintext) {
            return XAead.seal(key, nonce24, plaintext, null);
        }

        /** {@link #seal(byte[], byte[])} on the caller's thread-confined {@code aead}. */
        public byte[] seal(Aead aead, byte[] nonce24, byte[] plaintext) {
            return XAead.seal(aead, key, nonce24, plaintext, null);
        }

        /** Opens a sealed box; {@code null} when it was not sealed by this key pair (or was altered). */
        public byte[] open(byte[] nonce24, byte[] sealed) {
            return XAead.open(key, nonce24, sealed, null);
        }

        /** {@link #open(byte[], byte[])} on the caller's thread-confined {@code aead}. */
        public byte[] open(Aead aead, byte[] nonce24, byte[] sealed) {
            return XAead.open(aead, key, nonce24, sealed, null);
        }

        @Override
        public String toString() {
            return "Box.SharedKey(redacted)";
        }
    }
}
