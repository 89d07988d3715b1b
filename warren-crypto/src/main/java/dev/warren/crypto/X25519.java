package dev.warren.crypto;

import dev.warren.wire.key.Key32;
import dev.warren.wire.key.PrivateKey;
import dev.warren.wire.key.PublicKey;
import java.security.InvalidKeyException;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Objects;
import java.util.random.RandomGenerator;

/**
 * Curve25519 Diffie-Hellman (RFC 7748) through BouncyCastle's constant-time
 * {@code org.bouncycastle.math.ec.rfc7748.X25519}; never through a JCA provider (the JDK's {@code XDH} is
 * about 1.7x slower here, JAVA-NOTES §2, and BouncyCastle's provider would have to be registered).
 *
 * <p>Private keys are clamped when generated; scalars given from outside are clamped by the scalar
 * multiplication itself, so unclamped keys (as in some test vectors) still work.
 *
 * <p>Stateless and thread-safe. Temporary copies of private scalars are zeroed before returning.
 */
public final class X25519 {
    private static final SecureRandom RANDOM = new SecureRandom();
    /** The base point's u-coordinate, 9, little-endian. */
    private static final byte[] BASE_U = {9, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
            0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};

    private X25519() {
    }

    /** A fresh clamped private key from a {@link SecureRandom}. */
    public static PrivateKey generatePrivateKey() {
        return generatePrivateKey(RANDOM);
    }

    /**
     * A clamped private key drawn from {@code rng}. Deterministic for a seeded generator, which makes it
     * the hook for reproducible tests; production code uses {@link #generatePrivateKey()}.
     */
    public static PrivateKey generatePrivateKey(RandomGenerator rng) {
        Objects.requireNonNull(rng, "rng");
        byte[] k = new byte[Key32.SIZE];
        rng.nextBytes(k);
        clamp(k);
        try {
            return PrivateKey.of(k);
        } finally {
            Arrays.fill(k, (byte) 0);
        }
    }

    /**
     * The public key {@code X25519(key, 9)}, computed with the variable-base ladder on u = 9 rather than
     * BouncyCastle's fixed-base {@code scalarMultBase}: that one first builds precomputed tables, ~30 ms of CPU
     * in a fresh JVM, which a just-started {@code warren wg} daemon would pay on its first {@code wg set} or
     * handshake. The ladder costs about as much as one Diffie-Hellman, rarely enough here (a key per
     * handshake) not to matter.
     */
    public static PublicKey publicKey(PrivateKey key) {
        Objects.requireNonNull(key, "key");
        byte[] k = key.toBytes();
        byte[] pub = new byte[Key32.SIZE];
        try {
            org.bouncycastle.math.ec.rfc7748.X25519.scalarMult(k, 0, BASE_U, 0, pub, 0);
            return PublicKey.of(pub);
        } finally {
            Arrays.fill(k, (byte) 0);
        }
    }

    /**
     * The shared secret {@code X25519(priv, pub)}.
     *
     * @throws InvalidKeyException when the result is all zeros, i.e. {@code pub} is a point of small order
     *     and the "shared secret" would be known to anyone (RFC 7748 §6.1)
     */
    public static byte[] sharedSecret(PrivateKey priv, PublicKey pub) throws InvalidKeyException {
        Objects.requireNonNull(priv, "priv");
        Objects.requireNonNull(pub, "pub");
        byte[] k = priv.toBytes();
        byte[] u = pub.toBytes();
        byte[] out = new byte[Key32.SIZE];
        try {
            if (!org.bouncycastle.math.ec.rfc7748.X25519.calculateAgreement(k, 0, u, 0, out, 0)) {
                throw new InvalidKeyException("X25519 result is all zeros: the peer's public key has small order");
            }
            return out;
        } finally {
            Arrays.fill(k, (byte) 0);
        }
    }

    /** Clamps a 32-byte scalar in place as RFC 7748 §5 describes. */
    static void clamp(byte[] k) {
        k[0] &= (byte) 248;
        k[31] &= (byte) 127;
        k[31] |= (byte) 64;
    }
}
