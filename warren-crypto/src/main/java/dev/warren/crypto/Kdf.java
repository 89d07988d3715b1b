package dev.warren.crypto;

import java.util.Arrays;
import java.util.Objects;

/**
 * WireGuard's key derivation (whitepaper §5.4), which is Noise's {@code HKDF} with HMAC-BLAKE2s:
 *
 * <pre>
 *   τ0 = HMAC(key, input)
 *   τ1 = HMAC(τ0, 0x01)
 *   τi = HMAC(τ0, τ(i-1) || i)      for i = 2, 3
 *   KDF_n(key, input) = (τ1, ..., τn)
 * </pre>
 *
 * Stateless and thread-safe.
 */
public final class Kdf {
    /** Size of every output, in bytes. */
    public static final int OUTPUT_SIZE = Blake2s.HASH_SIZE;

    private Kdf() {
    }

    /**
     * Derives {@code n} 32-byte values from {@code chainingKey} and {@code input}.
     *
     * @param n 1, 2 or 3
     * @param chainingKey the HMAC key (the chaining key {@code C} in WireGuard's notation)
     * @param input the input key material; may be empty
     * @return a fresh array of {@code n} fresh 32-byte arrays
     */
    public static byte[][] kdf(int n, byte[] chainingKey, byte[] input) {
        if (n < 1 || n > 3) {
            throw new IllegalArgumentException("KDF output count must be 1, 2 or 3, got " + n);
        }
        Objects.requireNonNull(chainingKey, "chainingKey");
        Objects.requireNonNull(input, "input");
        byte[] prk = Blake2s.hmac(chainingKey, input);
        byte[][] out = new byte[n][];
        byte[] counter = new byte[1];
        byte[] previous = new byte[0];
        for (int i = 0; i < n; i++) {
            counter[0] = (byte) (i + 1);
            out[i] = Blake2s.hmac(prk, previous, counter);
            previous = out[i];
        }
        Arrays.fill(prk, (byte) 0);
        return out;
    }
}
