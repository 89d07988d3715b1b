package dev.warren.wire.key;

/**
 * A disco key: the Curve25519 public key a node uses only to seal and open disco messages (path discovery). It is
 * generated at each daemon start, independent of the node key, so path discovery never touches the WireGuard
 * identity. Text form {@code discokey:<64 hex>}.
 */
public final class DiscoKey extends PrefixedKey {
    public static final String PREFIX = "discokey:";

    private DiscoKey(PublicKey key) {
        super(key);
    }

    public static DiscoKey of(PublicKey key) {
        return new DiscoKey(key);
    }

    /** Parses {@code discokey:<hex>}; throws IllegalArgumentException naming the problem. */
    public static DiscoKey parse(String text) {
        return new DiscoKey(parseKey(text, PREFIX, "disco key"));
    }

    @Override
    protected String prefix() {
        return PREFIX;
    }
}
