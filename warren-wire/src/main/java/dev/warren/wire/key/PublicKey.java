package dev.warren.wire.key;

/** A Curve25519 public key (a WireGuard peer's identity). */
public final class PublicKey extends Key32 {
    private PublicKey(byte[] bytes) {
        super(bytes);
    }

    public static PublicKey of(byte[] bytes) {
        return new PublicKey(bytes);
    }

    public static PublicKey fromBase64(String text) {
        return new PublicKey(decodeBase64(text, "public key"));
    }

    public static PublicKey fromHex(String text) {
        return new PublicKey(decodeHex(text, "public key"));
    }

    @Override
    public String toString() {
        return toBase64();
    }
}
