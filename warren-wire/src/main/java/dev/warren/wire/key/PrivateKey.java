package dev.warren.wire.key;

/**
 * A Curve25519 private key. Its {@link #toString()} never shows the key; the public key is computed by
 * {@code dev.warren.crypto.X25519}, since this module holds no cryptography.
 */
public final class PrivateKey extends Key32 {
    private PrivateKey(byte[] bytes) {
        super(bytes);
    }

    /** Wraps raw bytes as they are (clamping happens in the scalar multiplication). */
    public static PrivateKey of(byte[] bytes) {
        return new PrivateKey(bytes);
    }

    public static PrivateKey fromBase64(String text) {
        return new PrivateKey(decodeBase64(text, "private key"));
    }

    public static PrivateKey fromHex(String text) {
        return new PrivateKey(decodeHex(text, "private key"));
    }

    @Override
    public String toString() {
        return "PrivateKey(redacted)";
    }
}
