package dev.warren.crypto;

import java.util.Arrays;
import java.util.Objects;

/**
 * XChaCha20-Poly1305 (draft-irtf-cfrg-xchacha): ChaCha20-Poly1305 with a 24-byte nonce, used by WireGuard
 * to encrypt cookies in cookie-reply messages (whose nonce is random, too long for a counter).
 *
 * <p>Construction: {@code subkey = HChaCha20(key, nonce[0..16))}, then ChaCha20-Poly1305 under
 * {@code subkey} with the 12-byte nonce {@code 00000000 || nonce[16..24)} — which is exactly a WireGuard
 * nonce whose little-endian counter is {@code nonce[16..24)}, so any {@link Aead} provider does the rest.
 * HChaCha20 is implemented here (it is 20 ChaCha rounds without the final addition).
 *
 * <p>Thread-safe: the static methods without an {@link Aead} argument create a provider instance per
 * call ({@link Aead#create()}), which is fine for cookie replies; hot callers pass their own instance.
 */
public final class XAead {
    /** Nonce size in bytes. */
    public static final int NONCE_SIZE = 24;
    /** HChaCha20 nonce size in bytes. */
    public static final int HNONCE_SIZE = 16;

    private XAead() {
    }

    /** Encrypts {@code plaintext}; returns ciphertext followed by the 16-byte tag. {@code ad} may be null. */
    public static byte[] seal(byte[] key32, byte[] nonce24, byte[] plaintext, byte[] ad) {
        return seal(Aead.create(), key32, nonce24, plaintext, ad);
    }

    /** Verifies and decrypts; returns {@code null} when authentication fails or the input is shorter than the tag. */
    public static byte[] open(byte[] key32, byte[] nonce24, byte[] ciphertext, byte[] ad) {
        return open(Aead.create(), key32, nonce24, ciphertext, ad);
    }

    /** {@link #seal(byte[], byte[], byte[], byte[])} on the caller's (thread-confined) {@code aead}. */
    public static byte[] seal(Aead aead, byte[] key32, byte[] nonce24, byte[] plaintext, byte[] ad) {
        Objects.requireNonNull(aead, "aead");
        Objects.requireNonNull(plaintext, "plaintext");
        byte[] subkey = subkey(key32, nonce24);
        try {
            return aead.seal(subkey, counter(nonce24), plaintext, ad);
        } finally {
            Arrays.fill(subkey, (byte) 0);
        }
    }

    /** {@link #open(byte[], byte[], byte[], byte[])} on the caller's (thread-confined) {@code aead}. */
    public static byte[] open(Aead aead, byte[] key32, byte[] nonce24, byte[] ciphertext, byte[] ad) {
        Objects.requireNonNull(aead, "aead");
        Objects.requireNonNull(ciphertext, "ciphertext");
        byte[] subkey = subkey(key32, nonce24);
        try {
            return aead.open(subkey, counter(nonce24), ciphertext, ad);
        } finally {
            Arrays.fill(subkey, (byte) 0);
        }
    }

    /**
     * HChaCha20 (draft-irtf-cfrg-xchacha §2.2): the ChaCha20 state from the key and a 16-byte nonce in
     * place of counter and nonce, 20 rounds, then words 0..3 and 12..15, little-endian.
     */
    public static byte[] hChaCha20(byte[] key32, byte[] nonce16) {
        Objects.requireNonNull(key32, "key32");
        Objects.requireNonNull(nonce16, "nonce16");
        if (key32.length != Aead.KEY_SIZE) {
            throw new IllegalArgumentException("HChaCha20 key must be 32 bytes, got " + key32.length);
        }
        if (nonce16.length != HNONCE_SIZE) {
            throw new IllegalArgumentException("HChaCha20 nonce must be 16 bytes, got " + nonce16.length);
        }
        int[] x = new int[16];
        x[0] = 0x61707865;
        x[1] = 0x3320646e;
        x[2] = 0x79622d32;
        x[3] = 0x6b206574;
        for (int i = 0; i < 8; i++) {
            x[4 + i] = le32(key32, 4 * i);
        }
        for (int i = 0; i < 4; i++) {
            x[12 + i] = le32(nonce16, 4 * i);
        }
        for (int round = 0; round < 10; round++) {
            quarterRound(x, 0, 4, 8, 12);
            quarterRound(x, 1, 5, 9, 13);
            quarterRound(x, 2, 6, 10, 14);
            quarterRound(x, 3, 7, 11, 15);
            quarterRound(x, 0, 5, 10, 15);
            quarterRound(x, 1, 6, 11, 12);
            quarterRound(x, 2, 7, 8, 13);
            quarterRound(x, 3, 4, 9, 14);
        }
        byte[] out = new byte[32];
        for (int i = 0; i < 4; i++) {
            putLe32(out, 4 * i, x[i]);
            putLe32(out, 16 + 4 * i, x[12 + i]);
        }
        Arrays.fill(x, 0);
        return out;
    }

    private static byte[] subkey(byte[] key32, byte[] nonce24) {
        Objects.requireNonNull(nonce24, "nonce24");
        if (nonce24.length != NONCE_SIZE) {
            throw new IllegalArgumentException("XChaCha20 nonce must be 24 bytes, got " + nonce24.length);
        }
        return hChaCha20(key32, Arrays.copyOf(nonce24, HNONCE_SIZE));
    }

    /** The last 8 nonce bytes as the little-endian counter of the inner ChaCha20-Poly1305. */
    private static long counter(byte[] nonce24) {
        long c = 0;
        for (int i = NONCE_SIZE - 1; i >= HNONCE_SIZE; i--) {
            c = (c << 8) | (nonce24[i] & 0xffL);
        }
        return c;
    }

    private static void quarterRound(int[] x, int a, int b, int c, int d) {
        x[a] += x[b];
        x[d] = Integer.rotateLeft(x[d] ^ x[a], 16);
        x[c] += x[d];
        x[b] = Integer.rotateLeft(x[b] ^ x[c], 12);
        x[a] += x[b];
        x[d] = Integer.rotateLeft(x[d] ^ x[a], 8);
        x[c] += x[d];
        x[b] = Integer.rotateLeft(x[b] ^ x[c], 7);
    }

    private static int le32(byte[] b, int off) {
        return (b[off] & 0xff) | (b[off + 1] & 0xff) << 8 | (b[off + 2] & 0xff) << 16 | (b[off + 3] & 0xff) << 24;
    }

    private static void putLe32(byte[] b, int off, int v) {
        b[off] = (byte) v;
        b[off + 1] = (byte) (v >>> 8);
        b[off + 2] = (byte) (v >>> 16);
        b[off + 3] = (byte) (v >>> 24);
    }
}
