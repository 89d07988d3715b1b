package dev.warren.crypto;

import java.nio.ByteBuffer;
import java.util.Locale;

/**
 * ChaCha20-Poly1305 (RFC 8439) with WireGuard's (and Noise's) nonce: 4 zero bytes followed by the 64-bit
 * little-endian {@code counter}. The counter is unsigned; every {@code long} value is accepted.
 *
 * <p>Providers, chosen with {@link #create(String)} or the system property {@value #PROVIDER_PROPERTY}:
 * <ul>
 *   <li>{@code auto} (default): {@code sodium} when libsodium loads, otherwise {@code jca} (see
 *       {@link #autoProvider()}; measured in the tunnel, sodium gave 1.3-1.6× the TCP throughput of jca because
 *       the JDK's per-packet {@code Cipher.init} garbage keeps the young GC busy);
 *   <li>{@code jca}: the JDK's SunJCE {@code ChaCha20-Poly1305}, intrinsified with AVX-512 on
 *       JDK 25 (about 1.6 µs per 1420-byte packet here, half of it {@code Cipher.init});
 *   <li>{@code sodium}: libsodium ({@code libsodium.so.23}) through {@code java.lang.foreign}, one downcall
 *       per packet, no copies for direct or heap buffers; only when the library loads;
 *   <li>{@code bc}: BouncyCastle's lightweight {@code ChaCha20Poly1305}, pure Java, about 4x slower.
 * </ul>
 * All providers produce identical bytes and identical results for every input; the tests check this.
 *
 * <p>Nonce uniqueness is the caller's invariant (WireGuard's per-keypair send counter). Providers do not
 * police it: the JDK's and BouncyCastle's refusal to encrypt twice in a row under the same key and nonce
 * is neutralised, so that the handshake can legitimately repeat a deterministic encryption and all
 * providers behave alike.
 *
 * <p>Buffers: {@code in} and {@code out} may be two {@link ByteBuffer} objects over the same memory at
 * the same position (in-place; heap or direct). Partially overlapping regions at different positions are
 * not supported. On success both positions advance like {@code Cipher.doFinal(ByteBuffer, ByteBuffer)}:
 * {@code in} to its limit, {@code out} by the number of bytes written. If {@code out} has too little room,
 * {@link java.nio.BufferOverflowException} is thrown before anything changes.
 *
 * <p>Concurrency: an instance is NOT thread-safe (it reuses a {@code Cipher} and scratch space); each
 * thread creates its own with {@link #create()}. {@link AeadKey}s may be shared.
 */
public interface Aead {
    /** Key size in bytes. */
    int KEY_SIZE = 32;
    /** Authentication tag size in bytes. */
    int TAG_SIZE = 16;
    /** Nonce size in bytes: 4 zero bytes and the 8-byte little-endian counter. */
    int NONCE_SIZE = 12;
    /** System property naming the provider {@link #create()} uses. */
    String PROVIDER_PROPERTY = "warren.aead";
    /** libsodium if it loads, else the JDK (the default). */
    String AUTO = "auto";
    /** Provider name of the JDK implementation, the default. */
    String JCA = "jca";
    /** Provider name of the libsodium implementation. */
    String SODIUM = "sodium";
    /** Provider name of the BouncyCastle implementation. */
    String BC = "bc";

    /**
     * Encrypts {@code in.remaining()} bytes of {@code in} into {@code out} starting at {@code out.position()}
     * and appends the 16-byte tag.
     *
     * @param ad associated data, or {@code null} for none (the same as empty)
     * @return bytes written: plaintext length + {@value #TAG_SIZE}
     */
    int seal(AeadKey key, long counter, ByteBuffer in, ByteBuffer out, byte[] ad);

    /**
     * Verifies and decrypts {@code in.remaining()} bytes (ciphertext followed by the tag) into {@code out}.
     * Nothing is written to {@code out} unless the tag verifies (the BouncyCastle provider decrypts before
     * it verifies and zeroes what it wrote when verification fails).
     *
     * @return the plaintext length, or -1 when the input is shorter than the tag or authentication fails;
     *     positions do not move on -1. Never throws because of the bytes of {@code in}.
     */
    int open(AeadKey key, long counter, ByteBuffer in, ByteBuffer out, byte[] ad);

    /** Convenience for handshake-sized messages: ciphertext followed by the tag, in a new array. */
    byte[] seal(byte[] key32, long counter, byte[] plaintext, byte[] ad);

    /** Convenience for handshake-sized messages: the plaintext in a new array, or {@code null} when authentication fails. */
    byte[] open(byte[] key32, long counter, byte[] ciphertext, byte[] ad);

    /** The provider name: {@value #JCA}, {@value #SODIUM} or {@value #BC}. */
    String provider();

    /**
     * A new instance of the provider named by the system property {@value #PROVIDER_PROPERTY}
     * ({@value #JCA} when unset).
     *
     * @throws IllegalStateException when the name is unknown or that provider is unavailable here
     */
    static Aead create() {
        return create(System.getProperty(PROVIDER_PROPERTY, AUTO));
    }

    /**
     * The provider {@code auto} resolves to: {@value #SODIUM} when libsodium loads on this machine (as fast as the
     * JDK's intrinsics for full-size packets, 3× faster for small ones and on AVX2-only CPUs, and it leaves no
     * garbage per packet), otherwise {@value #JCA}. Decided once per JVM.
     */
    static String autoProvider() {
        return AutoHolder.PROVIDER;
    }

    /**
     * A new instance of the named provider ({@value #JCA}, {@value #SODIUM} or {@value #BC}; case-insensitive).
     *
     * @throws IllegalStateException when the name is unknown or that provider is unavailable here, with a
     *     message naming it and the reason
     */
    static Aead create(String provider) {
        String name = provider == null ? "" : provider.strip().toLowerCase(Locale.ROOT);
        return switch (name) {
            case AUTO -> create(AutoHolder.PROVIDER);
            case JCA -> new JcaAead();
            case BC -> new BcAead();
            case SODIUM -> SodiumAead.create();
            default -> throw new IllegalStateException("unknown AEAD provider '" + provider + "' (from "
                    + PROVIDER_PROPERTY + " or the caller); expected one of: auto, jca, sodium, bc");
        };
    }

    /** True when {@link #create(String)} would succeed for {@code provider}. */
    static boolean isAvailable(String provider) {
        try {
            create(provider);
            return true;
        } catch (IllegalStateException e) {
            return false;
        }
    }

    /** Resolves {@code auto} once. */
    final class AutoHolder {
        static final String PROVIDER = probe();

        private AutoHolder() {
        }

        private static String probe() {
            try {
                SodiumAead.create();
                return SODIUM;
            } catch (IllegalStateException | LinkageError e) {
                return JCA;
            }
        }
    }
}
