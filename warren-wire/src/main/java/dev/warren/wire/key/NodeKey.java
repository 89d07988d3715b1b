package dev.warren.wire.key;

/**
 * A node key: the Curve25519 public key a node uses for WireGuard and by which peers and relays know it. It rotates
 * with each login and expires. Text form {@code nodekey:<64 hex>}.
 */
public final class NodeKey extends PrefixedKey {
    public static final String PREFIX = "nodekey:";

    private NodeKey(PublicKey key) {
        super(key);
    }

    public static NodeKey of(PublicKey key) {
        return new NodeKey(key);
    }

    /** Parses {@code nodekey:<hex>}; throws IllegalArgumentException naming the problem. */
    public static NodeKey parse(String text) {
        return new NodeKey(parseKey(text, PREFIX, "node key"));
    }

    @Override
    protected String prefix() {
        return PREFIX;
    }
}
