package dev.warren.wire.key;

/** A WireGuard preshared symmetric key; all zeros means "none". Never shown by {@link #toString()}. */
public final class PresharedKey extends Key32 {
    /** The all-zero key WireGuard uses when no preshared key is configured. */
    public static final PresharedKey NONE = new PresharedKey(new byte[SIZE]);

    private PresharedKey(byte[] bytes) {
        super(bytes);
    }

    public static PresharedKey of(byte[] bytes) {
        return new PresharedKey(bytes);
    }

    public static PresharedKey fromBase64(String text) {
        return new PresharedKey(decodeBase64(text, "preshared key"));
    }

    public static PresharedKey fromHex(String text) {
        return new PresharedKey(decodeHex(text, "preshared key"));
    }

    @Override
    public String toString() {
        return isZero() ? "PresharedKey(none)" : "PresharedKey(redacted)";
    }
}
